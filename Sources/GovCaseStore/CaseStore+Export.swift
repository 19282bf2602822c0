import Foundation

/// What `govcase export` last wrote for one selection (an adapter and a region), recorded in the store: what it
/// covered, the file's rows and checksum, and the last case it included in store order, from which `--since-last`
/// continues on whichever machine runs it next.
public struct ExportRecord: Codable, Sendable, Equatable {
    /// The period as given (`week`, `month`, `2026-11-01..2026-11-30`, or `since-last`).
    public var period: String
    /// The file written, as named on the command line.
    public var file: String
    /// Data rows (the header not counted).
    public var rows: Int
    /// SHA-256 of the file, hex.
    public var sha256: String
    /// The last case included: its position in the export's order (store time for `--since-last`, receipt time for a
    /// period; seconds since 1970) and id.
    public var throughCreatedAt: Double
    public var throughCaseID: String
    /// When the export finished.
    public var at: Date

    public init(
        period: String, file: String, rows: Int, sha256: String, throughCreatedAt: Double, throughCaseID: String,
        at: Date
    ) {
        (self.period, self.file, self.rows, self.sha256) = (period, file, rows, sha256)
        (self.throughCreatedAt, self.throughCaseID, self.at) = (throughCreatedAt, throughCaseID, at)
    }
}

extension CaseStore {
    private static func exportSetting(_ selection: String) -> String { "export." + selection }

    /// Which cases an export takes, and in what order.
    public enum ExportOrder: Sendable {
        /// Received in [from, until), in receipt order (a period's file).
        case receipt(from: Date, until: Date)
        /// Every case, in store order (`--since-last`).
        case store
    }

    /// Ids of up to `limit` cases of `adapter` whose region starts with `regionPrefix`, after `after` in `order`, each
    /// with its position (received at or stored at, seconds since 1970). A page walks an index in order: no sort.
    public func exportPage(
        adapter: String, regionPrefix: String, order: ExportOrder, after: (position: Double, caseID: String),
        limit: Int
    ) throws -> [(caseID: String, position: Double)] {
        let region = regionPrefix.filter(\.isNumber) + "%"
        let statement: StoreSQL
        var arguments: StoreArguments = []
        switch order {
        case .receipt(let from, let until):
            statement = .exportPageByReceipt
            arguments.append(from.timeIntervalSince1970)
            arguments.append(until.timeIntervalSince1970)
        case .store:
            statement = .exportPageByStore
        }
        arguments.append(after.position)
        arguments.append(after.caseID)
        arguments.append(adapter)
        arguments.append(region)
        arguments.append(limit)
        let rows = try engine.read { db in try db.rows(statement, arguments) }
        return rows.map { row -> (caseID: String, position: Double) in
            let caseID: String = row["id"]
            let position: Double = row["position"]
            return (caseID, position)
        }
    }

    /// The last export of `selection`, if any was recorded.
    public func lastExport(of selection: String) throws -> ExportRecord? {
        try engine.read { db in
            try db.row(.setting, [Self.exportSetting(selection)]).map { row in
                let value: String = row["value"]
                return try JSONDecoder().decode(ExportRecord.self, from: Data(value.utf8))
            }
        }
    }

    /// Records an export of `selection`, replacing the previous record.
    public func recordExport(_ record: ExportRecord, of selection: String) throws {
        let value = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
        _ = try engine.write { db in
            try db.execute(
                .saveSetting, [Self.exportSetting(selection), value, record.at.timeIntervalSince1970])
        }
    }
}

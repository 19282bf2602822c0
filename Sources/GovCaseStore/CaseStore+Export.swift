import Foundation
import GovCaseCore

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
    /// The last case included (`--since-last` continues after it); empty when none was.
    public var throughCaseID: String
    /// When the export finished.
    public var at: Date

    public init(period: String, file: String, rows: Int, sha256: String, throughCaseID: String, at: Date) {
        self.period = period
        self.file = file
        self.rows = rows
        self.sha256 = sha256
        self.throughCaseID = throughCaseID
        self.at = at
    }
}

extension CaseStore {
    private static func exportSetting(_ selection: String) -> String { "export." + selection }

    /// Which cases an export takes, and in what order.
    public enum ExportOrder: Sendable {
        /// Received in [from, until), in receipt order (a period's file).
        case receipt(from: Date, until: Date)
        /// Every case, in the order the rows were committed (`--since-last`): a case committed after a page was
        /// read comes after it, whatever its timestamps, so continuing after the last case read misses none.
        case store
    }

    /// Ids of up to `limit` cases of `adapter` and `recordType` whose region starts with `regionPrefix`, after the
    /// case `after` (nil: from the start) in `order`. A page walks an index from where the last one ended: no sort,
    /// no rereading.
    public func exportPage(
        adapter: String, recordType: String, regionPrefix: String, order: ExportOrder,
        after: (receivedAt: Double, caseID: String)?, limit: Int
    ) throws -> [(caseID: String, receivedAt: Double?)] {
        let region = regionPrefix.filter(\.isNumber) + "%"
        let statement: StoreSQL
        var arguments: StoreArguments = []
        switch order {
        case .receipt(let from, let until):
            statement = .exportPageByReceipt
            arguments.append(after?.receivedAt ?? from.timeIntervalSince1970)
            arguments.append(after?.caseID ?? "")
            arguments.append(until.timeIntervalSince1970)
        case .store:
            statement = .exportPageByStore
            arguments.append(after?.caseID ?? "")
        }
        arguments.append(adapter)
        arguments.append(recordType)
        arguments.append(region)
        arguments.append(limit)
        let rows = try engine.read { db in try db.rows(statement, arguments) }
        return rows.map { row -> (caseID: String, receivedAt: Double?) in
            let caseID: String = row["id"]
            let position: Double? = row["position"]
            return (caseID, statement == .exportPageByReceipt ? position : nil)
        }
    }

    /// The cases `caseIDs`, unmasked for `reader`, every read recorded in the privacy audit in one transaction (one
    /// commit a page, not one a case); a case that cannot be read is its own failure.
    public func readForExport(caseIDs: [String], reader: PrivacyReader, now: Date) throws -> [Result<Case, StoreError>] {
        try engine.write { db in
            try caseIDs.map { caseID -> Result<Case, StoreError> in
                do {
                    guard let c = try fetchCase(id: caseID, db: db) else {
                        return .failure(StoreError(.notFound, "no case has id \(caseID)"))
                    }
                    return .success(try audited(c, readBy: reader, now: now, db: db))
                } catch let error as StoreError where error.code == .configuration || error.code == .corrupt {
                    return .failure(error)
                }
            }
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

import Crypto
import Foundation

/// Copies every table of one store into another, for a province moving its SQLite store up to PostgreSQL with its
/// history: cases with their row order, events with their cursors (so watchers' cursors stay valid), follow-ups,
/// links, the privacy audit, the outbox and its audit, the clocks and the store's settings. Sealed evaluator boxes
/// are copied as they are (no key is needed, none is opened).
///
/// Resumable: each table is copied in its key's order, a batch per transaction, from after the last key the
/// destination has, so a copy interrupted at any point goes on where it stopped when run again. Verified: when
/// every table is copied, each is counted and digested (SHA-256 over its rows in key order) on both sides.
///
/// Copy from a stopped gateway's file into a store no gateway uses yet. Resuming appends what the destination lacks:
/// a row the source changed after it was copied (a gateway still writing the file) is not copied again, and
/// verification then reports its table as differing.
/// This reads whole tables, once, by design: it is not on any record's path (`QueryPlanTests` checks those).
public struct StoreCopy {
    /// A table, its columns, and the key it is copied and resumed in order of.
    struct Table {
        var name: String
        var key: String
        var columns: [String]
        /// Whether the destination's `key` is an identity column, written here with the source's values.
        var identityKey: Bool
    }

    static let tables: [Table] = [
        Table(
            name: "cases", key: "rowid",
            columns: [
                "id", "source_system", "record_type", "external_id", "revision", "content_digest", "adapter_id", "kind",
                "region_code", "status", "level", "received_at", "created_at", "updated_at", "payload",
                "sealed_requester", "origin_evaluation_id", "matter_id", "service_number", "requester_masked",
            ], identityKey: true),
        Table(name: "case_events", key: "cursor", columns: ["case_id", "sequence", "payload"], identityKey: true),
        Table(
            name: "follow_ups", key: "rowid",
            columns: ["source_system", "record_type", "external_id", "revision", "content_digest", "case_id"],
            identityKey: true),
        Table(
            name: "privacy_audit", key: "id", columns: ["case_id", "reader", "purpose", "read_at"], identityKey: true),
        Table(
            name: "case_links", key: "id", columns: ["case_id", "kind", "source_system", "target_external_id"],
            identityKey: true),
        Table(
            name: "outbox", key: "id",
            columns: [
                "route", "case_id", "change", "event_sequence", "created_at", "state", "attempts", "next_attempt_at",
                "last_error", "rejection", "finished_at", "upstream_case_ids",
            ], identityKey: true),
        Table(
            name: "outbox_actions", key: "id", columns: ["at", "actor", "action", "route", "row_id", "reason"],
            identityKey: true),
        Table(
            name: "clocks", key: "id",
            columns: [
                "case_id", "clock_key", "action", "region_code", "deadline_at", "due_at", "original_due_at", "state",
                "fired_at", "late_seconds", "event_sequence", "note",
            ], identityKey: true),
        Table(name: "store_settings", key: "name", columns: ["value", "updated_at"], identityKey: false),
    ]

    /// One table's outcome.
    public struct TableReport: Sendable, Hashable {
        public var table: String
        /// Rows copied by this run (0 for a table copied by an earlier run).
        public var copied: Int
        public var sourceRows: Int
        public var destinationRows: Int
        public var sourceDigest: String
        public var destinationDigest: String
        public var verified: Bool { sourceRows == destinationRows && sourceDigest == destinationDigest }
    }

    let source: CaseStore
    let destination: CaseStore
    let batchSize: Int

    public init(from source: CaseStore, to destination: CaseStore, batchSize: Int = 500) {
        self.source = source
        self.destination = destination
        // One INSERT per batch: PostgreSQL takes at most 65,535 parameters a statement (21 columns a case row).
        let widest = Self.tables.map { $0.columns.count + 1 }.max()!
        self.batchSize = min(max(batchSize, 1), 65_535 / widest)
    }

    /// Copies what the destination lacks, then verifies every table; `progress` is told after each batch.
    public func run(progress: (_ table: String, _ copied: Int) throws -> Void = { _, _ in }) throws -> [TableReport] {
        try Self.tables.map { table in
            var copied = 0
            while true {
                let count = try copyBatch(of: table)
                copied += count
                if count > 0 { try progress(table.name, copied) }
                if count < batchSize { break }
            }
            if table.identityKey, destination.sqlite == nil {
                // The destination's next identity follows the copied keys, so rows written later do not collide.
                try destination.engine.write { db in
                    _ = try db.rows(
                        sql: "SELECT setval(pg_get_serial_sequence('\(table.name)', '\(table.key)'), "
                            + "GREATEST((SELECT MAX(\(table.key)) FROM \(table.name)), 1))", [])
                }
            }
            let (sourceRows, sourceDigest) = try Self.digest(of: table, in: source)
            let (destinationRows, destinationDigest) = try Self.digest(of: table, in: destination)
            return TableReport(
                table: table.name, copied: copied, sourceRows: sourceRows, destinationRows: destinationRows,
                sourceDigest: sourceDigest, destinationDigest: destinationDigest)
        }
    }

    /// The next batch after the destination's last key, in one transaction of the destination; how many rows.
    private func copyBatch(of table: Table) throws -> Int {
        try destination.engine.write { db in
            let last = try db.rows(sql: "SELECT MAX(\(table.key)) AS last FROM \(table.name)", []).first?.value("last")
                ?? .null
            let columns = [table.key] + table.columns
            let rows = try source.engine.read { source in
                try source.rows(
                    sql: "SELECT \(columns.joined(separator: ", ")) FROM \(table.name)"
                        + (last == .null ? "" : " WHERE \(table.key) > ?") + " ORDER BY \(table.key) LIMIT ?",
                    last == .null ? [batchSize] : [last, batchSize])
            }
            guard !rows.isEmpty else { return 0 }
            let placeholders = "(" + columns.map { _ in "?" }.joined(separator: ", ") + ")"
            let overriding = table.identityKey && destination.sqlite == nil ? " OVERRIDING SYSTEM VALUE" : ""
            try db.execute(
                sql: "INSERT INTO \(table.name) (\(columns.joined(separator: ", ")))\(overriding) VALUES "
                    + Array(repeating: placeholders, count: rows.count).joined(separator: ", "),
                rows.flatMap(\.values))
            return rows.count
        }
    }

    /// A table's row count and SHA-256 over its rows in key order (each value typed and length-prefixed).
    static func digest(of table: Table, in store: CaseStore) throws -> (Int, String) {
        var hash = SHA256()
        var count = 0
        var last: StoreValue = .null
        let columns = table.columns.joined(separator: ", ")
        while true {
            let rows = try store.engine.read { db in
                try db.rows(
                    sql: "SELECT \(table.key) AS copy_key, \(columns) FROM \(table.name)"
                        + (last == .null ? "" : " WHERE \(table.key) > ?") + " ORDER BY \(table.key) LIMIT 1000",
                    last == .null ? [] : [last])
            }
            for row in rows {
                for value in row.values { hash.update(data: encoded(value)) }
            }
            count += rows.count
            guard let final = rows.last, rows.count == 1000 else { break }
            last = final.value("copy_key")
        }
        return (count, hash.finalize().map { String(format: "%02x", $0) }.joined())
    }

    static func encoded(_ value: StoreValue) -> Data {
        func tagged(_ tag: UInt8, _ bytes: Data) -> Data {
            var data = Data([tag])
            withUnsafeBytes(of: UInt64(bytes.count).bigEndian) { data.append(contentsOf: $0) }
            return data + bytes
        }
        switch value {
        case .null: return Data([0])
        case .integer(let int): return tagged(1, Data("\(int)".utf8))
        case .boolean(let bool): return tagged(1, Data(bool ? "1".utf8 : "0".utf8))
        case .real(let real): return tagged(2, withUnsafeBytes(of: real.bitPattern.bigEndian) { Data($0) })
        case .text(let text): return tagged(3, Data(text.utf8))
        case .blob(let data): return tagged(4, data)
        }
    }
}

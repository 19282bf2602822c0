import Foundation
import GRDBSQLite
import GovCaseStore

/// Floors C, Q and F: what the disk and SQLite itself can do with the gateway's own schema and SQL, measured in
/// the same run as the gateway, so every ratio compares figures taken on the same machine at the same moment.
enum SQLiteFloors {
    /// Floor F: a 4 KiB write and `fdatasync` (what SQLite calls at each `synchronous = FULL` commit), one after
    /// another, in the run's work folder: the least a durable acknowledgement can cost on this disk.
    static func fsync(folder: URL, duration: Duration) throws -> Measurement {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("floor-f").path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw BenchError("floor F: cannot open \(path)") }
        defer { close(descriptor) }
        let page = [UInt8](repeating: 0x46, count: 4096)
        let clock = ContinuousClock()
        var latencies: [Double] = []
        var total = 0.0
        while total < duration.seconds {
            let offset = off_t((latencies.count % 256) * page.count)
            let began = clock.now
            guard page.withUnsafeBytes({ pwrite(descriptor, $0.baseAddress, page.count, offset) }) == page.count,
                fdatasync(descriptor) == 0
            else { throw BenchError("floor F: write or fdatasync failed (errno \(errno))") }
            let took = (clock.now - began).seconds
            latencies.append(took)
            total += took
        }
        return Measurement(
            name: "F fdatasync of a 4 KiB write", rate: Double(latencies.count) / total, unit: "syncs",
            latencies: latencies.sorted(), errors: 0)
    }

    /// Floor C: the rows the store writes for a case, written through SQLite's C API with the gateway's durability
    /// settings, `rowsPerCommit` cases per transaction and a savepoint per case, into a fresh store file, and the
    /// write-ahead log checkpointed into it at the end (timed: the gateway's checkpointer does that work too). The rows
    /// are the store's own (`CaseRows.template`), so when the schema changes the floor changes with it.
    static func writes(
        _ template: CaseRows, storeAt path: String, keyFile: URL, rowsPerCommit: Int, duration: Duration,
        name: String? = nil
    ) throws -> Measurement {
        let writer = try CaseRows.Writer(template, emptyStoreAt: path, keyFile: keyFile, durable: true)
        let clock = ContinuousClock()
        var latencies: [Double] = []
        var rows = 0
        while latencies.reduce(0, +) < duration.seconds {
            // Only SQLite is timed: the rows' values are made before each commit.
            let cases = writer.rows(count: rowsPerCommit) { _ in (nil, nil) }
            let began = clock.now
            try writer.write(cases)
            latencies.append((clock.now - began).seconds)
            rows += rowsPerCommit
        }
        // The gateway's checkpointer writes the log into the database file while it ingests; here the log is
        // written back once, at the end, and that time counts in the rate (not in any commit's latency).
        let began = clock.now
        try writer.checkpoint()
        let checkpoint = (clock.now - began).seconds
        return Measurement(
            name: name ?? "C SQLite C API, \(rowsPerCommit) row\(rowsPerCommit == 1 ? "" : "s")/commit",
            rate: Double(rows) / (latencies.reduce(0, +) + checkpoint), unit: "rows", latencies: latencies.sorted(),
            errors: 0)
    }

    /// Floor Q: the gateway's own statement for a page of a region's week (`CaseQuery.firstPageStatement`), through
    /// SQLite's C API on the store file, each reader on a thread and a read-only connection of its own, stepping
    /// through the page's rows and touching each column without decoding anything.
    static func queries(
        _ name: String, storePath: String, concurrency: Int, duration: Duration,
        statement: @escaping @Sendable (_ reader: Int, _ n: Int) -> (sql: String, arguments: [StoreValue])
    ) async throws -> Measurement {
        let results = Shared<[(latencies: [Double], errors: Int)]>([])
        let start = ContinuousClock.now
        await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
            let remaining = Shared(concurrency)
            for reader in 0..<concurrency {
                let thread = Thread {
                    var latencies: [Double] = []
                    var errors = 0
                    if let connection = try? RawSQLite(path: storePath, readOnly: true) {
                        var n = 0
                        while ContinuousClock.now - start < duration {
                            let (sql, arguments) = statement(reader, n)
                            let began = ContinuousClock.now
                            do {
                                let query = try connection.prepare(sql)
                                try query.bind(arguments)
                                while try query.step() { query.touchColumns() }
                                latencies.append((ContinuousClock.now - began).seconds)
                            } catch {
                                errors += 1
                            }
                            n += 1
                        }
                    } else {
                        errors += 1
                    }
                    results.withLock { $0.append((latencies, errors)) }
                    if remaining.withLock({ $0 -= 1; return $0 }) == 0 { finished.resume() }
                }
                thread.start()
            }
        }
        let elapsed = (ContinuousClock.now - start).seconds
        let all = results.withLock { $0 }
        let latencies = all.flatMap(\.latencies).sorted()
        return Measurement(
            name: name, rate: Double(latencies.count) / elapsed, unit: "queries", latencies: latencies,
            errors: all.map(\.errors).reduce(0, +))
    }
}

/// The rows the store writes for one case, table by table, read back from a store that stored one sample case:
/// floor C writes copies of them, and `--scaling` fills large stores with them.
struct CaseRows: Sendable {
    struct Table: Sendable {
        var name: String
        var columns: [String]
        /// `INTEGER PRIMARY KEY` (the rowid): left for SQLite to number.
        var rowidColumn: Int?
        var rows: [[StoreValue]]
    }

    var tables: [Table]
    var caseID: String
    var externalID: String

    /// Stores one sample case in a new store at `folder` and reads back every row it wrote.
    static func template(folder: URL, keyFile: URL) throws -> CaseRows {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("floor-c-template.sqlite").path
        let externalID = "PJ-floor-c-template"
        let store = try CaseStore(path: path, vault: EvaluatorVault(keyFile: keyFile.path))
        _ = try store.submit(batch: [StoreFloor.sampleCase(externalID)], now: Date())
        try store.close()
        let connection = try RawSQLite(path: path, readOnly: true)
        let names = try connection.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                + "AND name NOT LIKE 'grdb_%' AND name != 'store_settings' ORDER BY name = 'cases' DESC, name")
        var tables: [Table] = []
        for case .text(let name) in names.map({ $0[0] }) {
            let info = try connection.rows("PRAGMA table_info(\"\(name)\")")  // cid, name, type, notnull, default, pk
            let columns = info.map { row -> String in if case .text(let column) = row[1] { column } else { "" } }
            let keys = info.enumerated().filter { if case .integer(let pk) = $0.element[5] { pk > 0 } else { false } }
            let rowidColumn =
                keys.count == 1 && keys[0].element[2] == .text("INTEGER") ? keys[0].offset : nil
            let rows = try connection.rows("SELECT * FROM \"\(name)\"")
            if !rows.isEmpty { tables.append(Table(name: name, columns: columns, rowidColumn: rowidColumn, rows: rows)) }
        }
        guard let cases = tables.first(where: { $0.name == "cases" }), let idColumn = cases.columns.firstIndex(of: "id"),
            case .text(let caseID) = cases.rows[0][idColumn]
        else { throw BenchError("floor C: the template store holds no case") }
        return CaseRows(tables: tables, caseID: caseID, externalID: externalID)
    }

    /// Writes copies of the template's rows into a store file: each copy under a new case id and external id (every
    /// text value naming the template's is rewritten), optionally with its own region and receipt time.
    final class Writer {
        private let template: CaseRows
        private let connection: RawSQLite
        /// The insert of each template row, in the order `rows` gives the values.
        private let statementPerRow: [RawSQLite.Statement]
        /// Per table, row and column: whether the value names the template's case or external id (only those are
        /// rewritten for each copy).
        private let namesTheTemplate: [[[Bool]]]
        private let run = String(UUID().uuidString.prefix(8))
        private var made = 0

        /// `durable`: the gateway's settings (`synchronous = FULL`, WAL, no automatic checkpoint); otherwise
        /// `synchronous = OFF`, for filling a store whose writing is not what is measured.
        init(_ template: CaseRows, emptyStoreAt path: String, keyFile: URL, durable: Bool) throws {
            if !FileManager.default.fileExists(atPath: path) {
                // The schema, indexes and settings of the gateway's own migrations.
                try CaseStore(path: path, vault: EvaluatorVault(keyFile: keyFile.path)).close()
            }
            self.template = template
            namesTheTemplate = template.tables.map { table in
                table.rows.map { row in
                    row.map { value in
                        guard case .text(let text) = value else { return false }
                        return text.contains(template.caseID) || text.contains(template.externalID)
                    }
                }
            }
            let connection = try RawSQLite(path: path, readOnly: false)
            self.connection = connection
            try connection.execute(
                "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -16384; "
                    + (durable
                        ? "PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 0;"
                        : "PRAGMA synchronous = OFF; PRAGMA wal_autocheckpoint = 10000;"))
            statementPerRow = try template.tables.flatMap { table in
                let insert = try connection.prepare(
                    "INSERT INTO \"\(table.name)\" (\(table.columns.map { "\"\($0)\"" }.joined(separator: ", "))) "
                        + "VALUES (\(table.columns.map { _ in "?" }.joined(separator: ", ")))")
                return Array(repeating: insert, count: table.rows.count)
            }
        }

        /// The rows of `count` new cases, table by table in the template's order. `perCase` gives a case its region
        /// and receipt time (nil: the template's).
        func rows(count: Int, perCase: (Int) -> (region: String?, receivedAt: Double?)) -> [[[StoreValue]]] {
            (0..<count).map { _ in
                let (region, receivedAt) = perCase(made)
                let caseID = CaseID.next()
                let externalID = "PJ-\(run)-c-\(made)"
                made += 1
                return zip(template.tables, namesTheTemplate).flatMap { table, rowFlags in
                    zip(table.rows, rowFlags).map { row, flags in
                        var values = row.enumerated().map { column, value -> StoreValue in
                            if column == table.rowidColumn { return .null }
                            guard flags[column], case .text(let text) = value else { return value }
                            return .text(
                                text.replacingOccurrences(of: template.caseID, with: caseID)
                                    .replacingOccurrences(of: template.externalID, with: externalID))
                        }
                        if table.name == "cases" {
                            if let region, let column = table.columns.firstIndex(of: "region_code") {
                                values[column] = .text(region)
                            }
                            if let receivedAt, let column = table.columns.firstIndex(of: "received_at") {
                                values[column] = .real(receivedAt)
                            }
                        }
                        return values
                    }
                }
            }
        }

        /// One transaction of the cases `rows` made, a savepoint each.
        func write(_ cases: [[[StoreValue]]]) throws {
            try connection.execute("BEGIN IMMEDIATE")
            for rows in cases {
                try connection.execute("SAVEPOINT c")
                for (values, insert) in zip(rows, statementPerRow) {
                    try insert.bind(values)
                    _ = try insert.step()
                }
                try connection.execute("RELEASE c")
            }
            try connection.execute("COMMIT")
        }

        /// Cases in the store file now.
        func storedCases() throws -> Int {
            guard case .integer(let count) = try connection.rows("SELECT COUNT(*) FROM cases").first?.first else { return 0 }
            return Int(count)
        }

        /// Folds the write-ahead log into the database (a fill's end).
        func checkpoint() throws { try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
    }
}

/// A connection through SQLite's C API and nothing else: no GRDB, no decoding.
final class RawSQLite: @unchecked Sendable {
    private let handle: OpaquePointer

    init(path: String, readOnly: Bool) throws {
        var handle: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(path, &handle, flags, nil) == SQLITE_OK, let handle else {
            throw BenchError("cannot open \(path) through the SQLite C API")
        }
        self.handle = handle
        sqlite3_busy_timeout(handle, 10_000)
    }

    deinit { sqlite3_close_v2(handle) }

    func execute(_ sql: String) throws {
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else { throw error(sql) }
    }

    func prepare(_ sql: String) throws -> Statement {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
            let statement
        else { throw error(sql) }
        return Statement(handle: statement, connection: self)
    }

    /// Every row of `sql`, each column as SQLite holds it.
    func rows(_ sql: String) throws -> [[StoreValue]] {
        let statement = try prepare(sql)
        var rows: [[StoreValue]] = []
        while try statement.step() { rows.append(statement.values()) }
        return rows
    }

    fileprivate func error(_ sql: String) -> BenchError {
        BenchError("SQLite: \(String(cString: sqlite3_errmsg(handle))) in \(sql.prefix(120))")
    }

    /// A prepared statement of this connection, driven as the store drives its own (`SQLiteStatementHandle`).
    final class Statement {
        private let prepared: SQLiteStatementHandle
        private let connection: RawSQLite

        fileprivate init(handle: OpaquePointer, connection: RawSQLite) {
            prepared = SQLiteStatementHandle(handle)
            self.connection = connection
        }

        deinit { sqlite3_finalize(prepared.handle) }

        /// Resets the statement and binds `values` in order.
        func bind(_ values: [StoreValue]) throws {
            do { try prepared.bind(values) } catch { throw BenchError("SQLite: \(error)") }
        }

        /// True while a row is ready; false once done.
        func step() throws -> Bool {
            do { return try prepared.step() } catch { throw BenchError("SQLite: \(error)") }
        }

        /// Reads every column's bytes and drops them: what a reader must at least do with a row.
        func touchColumns() { prepared.touchColumns() }

        func values() -> [StoreValue] { prepared.values() }
    }
}

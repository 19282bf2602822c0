import Foundation
import GRDB
import GRDBSQLite
import Logging

/// The embedded engine: one SQLite file through GRDB, in WAL mode, one writer at a time.
///
/// Every write transaction commits durably (`synchronous = FULL`) before `write` returns.
final class SQLiteEngine: StoreEngine {
    let pool: DatabasePool
    /// Checkpoints the write-ahead log off the commit path.
    let checkpointer: Checkpointer

    /// What SQLite may hold in memory in this process, all connections together (page caches, statements): its
    /// soft heap limit. Past it, each page cache recycles its own least recently used pages rather than grow, so
    /// the caches of the writer, the readers and the checkpointer cost this much in all however large the store
    /// grows, not 16 MiB each (`cache_size`).
    static let heapLimitBytes: Int64 = 48 << 20

    /// Sets the soft heap limit once for the process (it is process-wide); returns the limit in force.
    @discardableResult
    static func limitHeap() -> Int64 {
        _ = heapLimitSet
        return sqlite3_soft_heap_limit64(-1)
    }

    private static let heapLimitSet: Void = { _ = sqlite3_soft_heap_limit64(heapLimitBytes) }()

    /// The soft heap limit in force and what SQLite holds now, read from SQLite itself.
    static var heap: (limit: Int64, used: Int64) { (sqlite3_soft_heap_limit64(-1), sqlite3_memory_used()) }

    /// Opens (creating if needed) the file at `path` and applies any pending migrations.
    init(path: String, walLimitBytes: Int, logger: Logger) throws {
        Self.limitHeap()
        var configuration = Configuration()
        // A TRUNCATE checkpoint waits for readers to finish with the log; commits that meet the checkpointer's
        // passive pass wait rather than fail.
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // Checkpoints run on the `Checkpointer`'s connection, never inside a commit.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            // Up to 16 MiB of page cache per connection (SQLite's default is 2 MiB): the hot index pages of a large
            // store stay in memory between commits. All connections together stay within `heapLimitBytes`.
            try db.execute(sql: "PRAGMA cache_size = -16384")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // Durable on power loss, not only on process crash: an acknowledged record must survive both. Set
            // here, on the writer, after the pool has opened: `DatabasePool` runs `PRAGMA synchronous = NORMAL`
            // on its writer after `prepareDatabase` (GRDB 7.10, `Database.setUpWALMode`), and with NORMAL a
            // WAL commit reaches the disk only at the next checkpoint. Read back by `synchronousSettings()`.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try pool.read { db in
                // A store a newer gateway has migrated holds tables this one does not know how to keep.
                if try Schema.migrator.hasBeenSuperseded(db) {
                    throw StoreError(
                        .configuration,
                        "its schema is newer than this gateway knows (applied: "
                            + "\(try Schema.migrator.appliedIdentifiers(db).sorted().joined(separator: ", ")))")
                }
            }
            try Schema.migrator.migrate(pool)
            checkpointer = try Checkpointer(path: path, writer: pool, walLimitBytes: walLimitBytes, logger: logger)
        } catch {
            throw StoreError(.configuration, "cannot open the store at \(path): \(error)")
        }
    }

    func write<T>(_ body: (any StoreSession) throws -> T) throws -> T {
        try pool.write { db in try body(SQLiteSession(db: db)) }
    }

    func read<T>(_ body: (any StoreSession) throws -> T) throws -> T {
        try pool.read { db in try body(SQLiteSession(db: db)) }
    }

    func appliedMigrations() throws -> [String] {
        // In the order they were registered and ran: sorting the names would put v10 before v2.
        try pool.read { db in
            let applied = try Schema.migrator.appliedIdentifiers(db)
            return Schema.migrator.migrations.filter { applied.contains($0) }
        }
    }

    /// Closes the database after checkpointing.
    func close() throws {
        try checkpointer.stop()
        try pool.close()
    }
}

/// A GRDB connection inside a transaction.
struct SQLiteSession: StoreSession {
    let db: Database

    func execute(_ statement: StoreSQL, _ arguments: StoreArguments) throws -> Int {
        try run(db.cachedStatement(sql: statement.sql), arguments)
        return db.changesCount
    }

    func rows(_ statement: StoreSQL, _ arguments: StoreArguments) throws -> [StoreRow] {
        try rows(of: db.cachedStatement(sql: statement.sql), arguments)
    }

    /// Statements made at run time (a query's page, whose shape follows its filters): compiled each time, not kept
    /// in the cache, which would grow with every shape.
    func rows(sql: String, _ arguments: StoreArguments) throws -> [StoreRow] {
        try rows(of: db.makeStatement(sql: sql), arguments)
    }

    func execute(sql: String, _ arguments: StoreArguments) throws -> Int {
        try run(db.makeStatement(sql: sql), arguments)
        return db.changesCount
    }

    private func rows(of statement: Statement, _ arguments: StoreArguments) throws -> [StoreRow] {
        var columns: [String]?
        var rows: [StoreRow] = []
        try run(statement, arguments) { prepared in
            // One array of names, the first row's, for every row of the statement.
            if columns == nil { columns = prepared.columnNames }
            rows.append(StoreRow(columns: columns!, values: prepared.values()))
        }
        return rows
    }

    /// Runs one of the store's statements, compiled by GRDB (once per connection, from its cache, for `StoreSQL`),
    /// through SQLite's C API (`SQLiteStatementHandle`), calling `row` for each row. It is left reset, its values
    /// unbound, whatever happens; a failure is GRDB's `DatabaseError`, as GRDB would have thrown it.
    ///
    /// GRDB does not see these statements run: a GRDB transaction observer or `ValueObservation` (the store has
    /// none) would miss the store's own writes. An aborted transaction (a full disk) is still GRDB's to report, at
    /// the commit or the next savepoint.
    private func run(
        _ statement: Statement, _ arguments: StoreArguments = [], row: (SQLiteStatementHandle) throws -> Void = { _ in }
    ) throws {
        let prepared = SQLiteStatementHandle(statement.sqliteStatement)
        defer { prepared.reset() }
        do {
            try prepared.bind(arguments.lazy.map { $0?.storeValue ?? .null })
            while try prepared.step() { try row(prepared) }
        } catch let failure as SQLiteStatementHandle.Failure {
            throw DatabaseError(resultCode: ResultCode(rawValue: failure.code), message: failure.message)
        }
    }

    func savepoint<T>(_ body: () throws -> T) throws -> T {
        guard db.isInsideTransaction else {
            // GRDB's: outside a transaction it opens an immediate transaction rather than a top-level savepoint.
            var result: T?
            try db.inSavepoint {
                result = try body()
                return .commit
            }
            return result!
        }
        // Inside one (each case of a batch): the same statements as GRDB's `inSavepoint`, cached, where GRDB parses
        // its SQL at every savepoint (an eighth of a submit, `perf record`, BENCHMARKS.md). `isInsideTransaction`
        // is SQLite's own answer: once SQLite rolled a whole transaction back, the guard sends every later case to
        // GRDB's path, which refuses to go on.
        try run(db.cachedStatement(sql: "SAVEPOINT govcase"))
        let result: T
        do {
            result = try body()
        } catch {
            // A failure SQLite answered by rolling the whole transaction back (a full disk) leaves nothing to roll
            // back to: the commit reports it.
            if sqlite3_get_autocommit(db.sqliteConnection) == 0 {
                try run(db.cachedStatement(sql: "ROLLBACK TRANSACTION TO SAVEPOINT govcase"))
                try run(db.cachedStatement(sql: "RELEASE SAVEPOINT govcase"))
            }
            throw error
        }
        try run(db.cachedStatement(sql: "RELEASE SAVEPOINT govcase"))
        return result
    }

    /// Nothing to send: one process writes the file, and the store wakes its own waiters after the commit.
    func notifyOnCommit(_ channel: StoreChannel) {}

    /// The same values as GRDB's arguments, for reading a statement's plan through GRDB (`QueryPlanTests`).
    static func bind(_ arguments: StoreArguments) -> StatementArguments {
        // GRDB's initializer for existentials, not its generic one: that one maps through a key path, unspecialized
        // across the module boundary, and was slow enough to show in every submit (`perf record`, BENCHMARKS.md).
        var values: [(any DatabaseValueConvertible)?] = []
        values.reserveCapacity(arguments.count)
        for value in arguments {
            switch value?.storeValue ?? .null {
            case .null: values.append(nil)
            case .integer(let int): values.append(int)
            case .real(let real): values.append(real)
            case .text(let text): values.append(text)
            case .blob(let data): values.append(data)
            case .boolean(let bool): values.append(bool)
            }
        }
        return StatementArguments(values)
    }
}

import Foundation
import GRDB
import Logging
import GovCaseCore
import GovCaseProto
import GovCaseWire
import SwiftProtobuf
import Synchronization

/// The durable case store, on SQLite (one file, the embedded default) or PostgreSQL (several gateways on one
/// database). The store's rules are written once, against `StoreSession`, and hold on both engines.
///
/// Every write is one transaction that commits durably before the method returns, so a caller may acknowledge a
/// record as soon as the call succeeds. Batches commit as one transaction.
public final class CaseStore: Sendable {
    let engine: any StoreEngine
    /// The SQLite engine, for what only a file has (its write-ahead log, its checkpoints); nil on PostgreSQL.
    let sqlite: SQLiteEngine?
    let vault: EvaluatorVault
    /// Submits waiting for the next shared commit.
    let queue: CommitQueue
    /// Wakes watchers when events commit.
    let eventSignal = EventSignal()
    /// Wakes forwarders when outbox rows may have committed.
    let forwardSignal = EventSignal()
    /// Where `call` runs the store's blocking methods: a few serial lanes, never Swift's cooperative pool. Serial,
    /// so that however many calls wait, at most `lanes.count` threads block in the database: a concurrent queue
    /// gave each waiting call a thread of libdispatch's shared pool, which on Linux also runs Swift's tasks, and a
    /// hundred audited reads then held health checks up for seconds (bench section 8).
    let lanes: [DispatchQueue] = (0..<4).map { DispatchQueue(label: "govcase.store.lane-\($0)") }
    let nextLane = Atomic<Int>(0)
    /// The forwarding routes: a case stored or changed gets an outbox row for each route that selects it, in the
    /// same transaction.
    let routes: [RouteSelector]
    /// The clocks' rules; nil runs no clocks.
    let clockRules: ClockRules?
    let logger: Logger

    /// Opens (creating if needed) the SQLite store at `path` and applies any pending migrations.
    ///
    /// - Parameter walLimitBytes: Past this size the write-ahead log is copied back and emptied at the next
    ///   checkpoint, which waits for the writer.
    /// - Parameter routes: The forwarding routes whose outbox rows the store writes with what causes them.
    /// - Parameter clocks: The rules of the clocks whose rows the store writes with the cases that run them.
    public convenience init(
        path: String, vault: EvaluatorVault, walLimitBytes: Int = 64 << 20, routes: [RouteSelector] = [],
        clocks: ClockRules? = nil, logger: Logger = Logger(label: "govcase.store")
    ) throws {
        let sqlite = try SQLiteEngine(path: path, walLimitBytes: walLimitBytes, logger: logger)
        self.init(engine: sqlite, sqlite: sqlite, vault: vault, routes: routes, clocks: clocks, logger: logger)
    }

    /// Opens the store on a PostgreSQL database, applying any pending migrations under a lock (the first gateway
    /// to start runs them; the others wait, then find them applied). Run `notifications` as a service beside it:
    /// it wakes this gateway's watchers and forwarders when another gateway commits.
    public convenience init(
        postgres: PostgresStoreConfiguration, vault: EvaluatorVault, routes: [RouteSelector] = [],
        clocks: ClockRules? = nil, logger: Logger = Logger(label: "govcase.store")
    ) throws {
        let engine = try PostgresEngine(configuration: postgres, logger: logger)
        self.init(engine: engine, sqlite: nil, vault: vault, routes: routes, clocks: clocks, logger: logger)
    }

    init(
        engine: any StoreEngine, sqlite: SQLiteEngine?, vault: EvaluatorVault, routes: [RouteSelector],
        clocks: ClockRules?, logger: Logger
    ) {
        self.engine = engine
        self.sqlite = sqlite
        queue = CommitQueue(
            maxRecordsPerCommit: sqlite == nil ? CommitQueue.postgresRecordsPerCommit : CommitQueue.sqliteRecordsPerCommit)
        self.vault = vault
        self.routes = routes
        self.clockRules = clocks
        self.logger = logger
    }

    /// Which database holds the store.
    public var engineName: String { sqlite == nil ? "postgresql" : "sqlite" }

    /// The write-ahead log's size on disk, in bytes (SQLite; 0 on PostgreSQL, whose log is the server's).
    public var writeAheadLogBytes: Int { sqlite?.checkpointer.walBytes ?? 0 }

    /// What the checkpointer has done so far (SQLite; none on PostgreSQL).
    public var checkpoints: CheckpointCounters { sqlite?.checkpointer.counts ?? CheckpointCounters() }

    /// Closes the database (after checkpointing, on SQLite); the store cannot be used afterwards.
    public func close() throws { try engine.close() }

    /// Names of the migrations applied, in order.
    public func appliedMigrations() throws -> [String] { try engine.appliedMigrations() }

    /// The `synchronous` setting in force on each connection that writes, as SQLite reports it (2 is FULL):
    /// the pool's writer, which commits, and the checkpointer's, which copies the log into the database. SQLite
    /// only.
    public func synchronousSettings() throws -> (writer: Int, checkpointer: Int) {
        guard let sqlite else { throw StoreError(.configuration, "synchronous is a setting of SQLite stores") }
        let writer = try sqlite.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        return (writer ?? -1, try sqlite.checkpointer.synchronousSetting())
    }

    /// The journal mode in force; `wal` for a SQLite store opened by this type. SQLite only.
    public func journalMode() throws -> String {
        guard let sqlite else { throw StoreError(.configuration, "the journal mode is a setting of SQLite stores") }
        return try sqlite.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    // MARK: Rows

    /// Writes `c` (with a case id) as a new or replacing row.
    func save(_ c: Case, db: any StoreSession, createdAt: Date?, now: Date) throws {
        var stored = c
        var sealed: Data?
        if let requester = c.requester {
            // The secrets in the box; the payload keeps them masked, as every masked read shows them, so those reads
            // (pages among them) open no box (`requester_masked`).
            sealed = try vault.seal(requester, caseID: c.caseID)
            stored.requester = requester.masked
        }
        let arguments: StoreArguments = [
            c.caseID, c.source.sourceSystem, c.source.recordType ?? "", c.source.externalID,
            Int64(c.source.revision), c.source.contentDigest, c.source.adapterID, c.kind.rawValue, c.regionCode,
            c.status.rawValue, c.evaluation?.level?.rawValue, c.receivedAt?.timeIntervalSince1970,
            (createdAt ?? now).timeIntervalSince1970, now.timeIntervalSince1970, try Self.payload(of: stored), sealed,
            c.request?.originEvaluationID ?? "", c.service.matterID, c.service.node?.number ?? 0,
        ]
        // Cached: the statement is compiled once per connection, not once per row.
        try db.execute(.saveCase, arguments)
        try saveLinks(of: c, isNew: createdAt != nil, db: db)
        try reconcileClocks(of: c, isNew: createdAt != nil, now: now, db: db)
    }

    /// The `payload` column: the case as a serialized `govcase.core.v1.Case` (the published contract), with
    /// the requester's secrets blanked and without its events, which live in `case_events` only. Protobuf
    /// rather than JSON: encoding a case as JSON through Codable cost more than the rest of its insert together
    /// (see BENCHMARKS.md).
    static func payload(of c: Case) throws -> Data {
        var m = c.proto
        m.events = []
        m.clearLinks()  // found again at each read
        m.clearCreatedAt()  // the column `created_at` is the truth, given at each read
        return try m.serializedData()
    }

    /// Appends events to the append-only table, each a serialized `govcase.core.v1.LifecycleEvent`.
    func append(_ events: [LifecycleEvent], caseID: String, db: any StoreSession) throws {
        if !events.isEmpty { db.notifyOnCommit(.events) }
        for event in events {
            try db.execute(.appendEvent, [caseID, event.sequence, try event.proto.serializedData()])
        }
    }

    /// A case's events, oldest first.
    func events(ofCase caseID: String, db: any StoreSession) throws -> [LifecycleEvent] {
        try db.rows(.eventsOfCase, [caseID]).map { try Self.event($0["payload"]) }
    }

    /// The event in a `case_events.payload`.
    static func event(_ payload: Data) throws -> LifecycleEvent {
        do { return try LifecycleEvent(proto: Govcase_Core_V1_LifecycleEvent(serializedBytes: payload)) } catch {
            throw StoreError(.corrupt, "a stored event cannot be read: \(error)")
        }
    }

    /// The case in `row`, with its events, and its requester's secrets opened, or masked as callers without the
    /// privacy-reader role see them (`masked`: from the payload, with no box opened, where the row was written
    /// masked; from its box, for a row written before).
    func decode(_ row: StoreRow, db: any StoreSession, masked: Bool = false) throws -> Case {
        let payload = row["payload"] as Data
        var c: Case
        do { c = try Case(proto: Govcase_Core_V1_Case(serializedBytes: payload)) } catch {
            throw StoreError(.corrupt, "a stored case cannot be read: \(error)")
        }
        c.events = try events(ofCase: c.caseID, db: db)
        c.createdAt = (row["created_at"] as Double?).map(Date.init(timeIntervalSince1970:))
        let maskedAtRest = (row["requester_masked"] as Int64?) == 1
        if let sealed = row["sealed_requester"] as Data?, c.requester != nil, !(masked && maskedAtRest) {
            do { try vault.open(sealed, into: &c.requester!, caseID: c.caseID) } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError(.corrupt, "the evaluator data of case \(c.caseID) cannot be opened: \(error)")
            }
            if masked { c.requester = c.requester?.masked }
        }
        return c
    }

    func fetchCase(id: String, masked: Bool = false, db: any StoreSession) throws -> Case? {
        try db.row(.caseByID, [id]
        ).map { try decode($0, db: db, masked: masked) }
    }

    /// The case created by the record (`sourceSystem`, `recordType`, `externalID`). A case stored before record
    /// types were kept (type '') matches any type; `recordType` nil matches any type too. Several matches are
    /// refused rather than guessed.
    func fetchCase(sourceSystem: String, recordType: String?, externalID: String, db: any StoreSession) throws -> Case? {
        let rows = try db.rows(.caseBySourceRecord, [sourceSystem, externalID, recordType ?? "", recordType == nil])
        guard rows.count <= 1 else {
            let types = rows.map { $0["record_type"] as String }.sorted().joined(separator: ", ")
            throw StoreError(
                .badRequest,
                "several records of \(sourceSystem) have external id \(externalID) (\(types)); the follow-up must "
                    + "name the type of the one it is for")
        }
        return try rows.first.map { try decode($0, db: db) }
    }

    /// The id, revision and content digest stored for a source record, without reading the case.
    func storedRevision(of source: SourceIdentity, db: any StoreSession) throws -> (
        caseID: String, revision: UInt64, digest: Data?
    )? {
        try db.row(.storedRevision, [source.sourceSystem, source.externalID, source.recordType ?? ""]
        ).map { ($0["id"], UInt64($0["revision"] as Int64), $0["content_digest"]) }
    }
}

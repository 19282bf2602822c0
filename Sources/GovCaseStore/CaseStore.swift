import Foundation
import GRDB
import Logging
import GovCaseCore
import GovCaseProto
import GovCaseWire
import SwiftProtobuf
import Synchronization

/// The durable case store: SQLite through GRDB, in WAL mode, one file.
///
/// Every write is one transaction that commits durably (`synchronous = FULL`) before the method returns,
/// so a caller may acknowledge a record as soon as the call succeeds. Batches commit as one transaction.
public final class CaseStore: Sendable {
    let pool: DatabasePool
    let vault: EvaluatorVault
    /// Submits waiting for the next shared commit.
    let queue = CommitQueue()
    /// Checkpoints the write-ahead log off the commit path.
    let checkpointer: Checkpointer
    /// Wakes watchers when events commit.
    let eventSignal = EventSignal()
    /// Wakes forwarders when outbox rows may have committed.
    let forwardSignal = EventSignal()
    /// Where `call` runs the store's blocking methods: a few serial lanes, never Swift's cooperative pool. Serial,
    /// so that however many calls wait, at most `lanes.count` threads block in SQLite: a concurrent queue gave
    /// each waiting call a thread of libdispatch's shared pool, which on Linux also runs Swift's tasks, and a
    /// hundred audited reads then held health checks up for seconds (bench section 8).
    let lanes: [DispatchQueue] = (0..<4).map { DispatchQueue(label: "govcase.store.lane-\($0)") }
    let nextLane = Atomic<Int>(0)
    /// The forwarding routes: a case stored or changed gets an outbox row for each route that selects it, in the
    /// same transaction.
    let routes: [RouteSelector]
    /// The clocks' rules; nil runs no clocks.
    let clockRules: ClockRules?
    let logger: Logger

    /// Opens (creating if needed) the store at `path` and applies any pending migrations.
    ///
    /// - Parameter walLimitBytes: Past this size the write-ahead log is copied back and emptied at the next
    ///   checkpoint, which waits for the writer.
    /// - Parameter routes: The forwarding routes whose outbox rows the store writes with what causes them.
    /// - Parameter clocks: The rules of the clocks whose rows the store writes with the cases that run them.
    public init(
        path: String, vault: EvaluatorVault, walLimitBytes: Int = 64 << 20, routes: [RouteSelector] = [],
        clocks: ClockRules? = nil, logger: Logger = Logger(label: "govcase.store")
    ) throws {
        self.routes = routes
        self.clockRules = clocks
        self.logger = logger
        var configuration = Configuration()
        // A TRUNCATE checkpoint waits for readers to finish with the log; commits that meet the checkpointer's
        // passive pass wait rather than fail.
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // Checkpoints run on the `Checkpointer`'s connection, never inside a commit.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            // 16 MiB of page cache per connection (SQLite's default is 2 MiB): the hot index pages of a large
            // store stay in memory between commits. It counts in the gateway's resident memory.
            try db.execute(sql: "PRAGMA cache_size = -16384")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // Durable on power loss, not only on process crash: an acknowledged record must survive both. Set
            // here, on the writer, after the pool has opened: `DatabasePool` runs `PRAGMA synchronous = NORMAL`
            // on its writer after `prepareDatabase` (GRDB 7.10, `Database.setUpWALMode`), and with NORMAL a
            // WAL commit reaches the disk only at the next checkpoint. Read back by `synchronousSettings()`.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try Schema.migrator.migrate(pool)
            checkpointer = try Checkpointer(path: path, writer: pool, walLimitBytes: walLimitBytes, logger: logger)
        } catch {
            throw StoreError(.configuration, "cannot open the store at \(path): \(error)")
        }
        self.vault = vault
    }

    /// The write-ahead log's size on disk, in bytes.
    public var writeAheadLogBytes: Int { checkpointer.walBytes }

    /// What the checkpointer has done so far.
    public var checkpoints: CheckpointCounters { checkpointer.counts }

    /// Closes the database after checkpointing; the store cannot be used afterwards.
    public func close() throws {
        try checkpointer.stop()
        try pool.close()
    }

    /// Names of the migrations applied, in order.
    public func appliedMigrations() throws -> [String] {
        // In the order they were registered and ran: sorting the names would put v10 before v2.
        try pool.read { db in
            let applied = try Schema.migrator.appliedIdentifiers(db)
            return Schema.migrator.migrations.filter { applied.contains($0) }
        }
    }

    /// The `synchronous` setting in force on each connection that writes, as SQLite reports it (2 is FULL):
    /// the pool's writer, which commits, and the checkpointer's, which copies the log into the database.
    public func synchronousSettings() throws -> (writer: Int, checkpointer: Int) {
        let writer = try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        return (writer ?? -1, try checkpointer.synchronousSetting())
    }

    /// The journal mode in force; `wal` for a store opened by this type.
    public func journalMode() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    // MARK: Rows

    /// Writes `c` (with a case id) as a new or replacing row.
    func save(_ c: Case, db: Database, createdAt: Date?, now: Date) throws {
        var stored = c
        var sealed: Data?
        if let requester = c.requester {
            // The secrets in the box; the payload keeps them masked, as every masked read shows them, so those reads
            // (pages among them) open no box (`requester_masked`).
            sealed = try vault.seal(requester, caseID: c.caseID)
            stored.requester = requester.masked
        }
        let arguments: StatementArguments = [
            c.caseID, c.source.sourceSystem, c.source.recordType ?? "", c.source.externalID,
            Int64(c.source.revision), c.source.contentDigest, c.source.adapterID, c.kind.rawValue, c.regionCode,
            c.status.rawValue, c.evaluation?.level?.rawValue, c.receivedAt?.timeIntervalSince1970,
            (createdAt ?? now).timeIntervalSince1970, now.timeIntervalSince1970, try Self.payload(of: stored), sealed,
            c.request?.originEvaluationID ?? "", c.service.matterID, c.service.node?.number ?? 0,
        ]
        // Cached: the statement is compiled once per connection, not once per row.
        try db.statement(.saveCase).execute(arguments: arguments)
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
    func append(_ events: [LifecycleEvent], caseID: String, db: Database) throws {
        for event in events {
            try db.statement(.appendEvent).execute(arguments: [caseID, event.sequence, try event.proto.serializedData()])
        }
    }

    /// A case's events, oldest first.
    func events(ofCase caseID: String, db: Database) throws -> [LifecycleEvent] {
        try Data.fetchAll(
            db.statement(.eventsOfCase),
            arguments: [caseID]
        ).map(Self.event)
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
    func decode(_ row: Row, db: Database, masked: Bool = false) throws -> Case {
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

    func fetchCase(id: String, masked: Bool = false, db: Database) throws -> Case? {
        try Row.fetchOne(
            db.statement(.caseByID), arguments: [id]
        ).map { try decode($0, db: db, masked: masked) }
    }

    /// The case created by the record (`sourceSystem`, `recordType`, `externalID`). A case stored before record
    /// types were kept (type '') matches any type; `recordType` nil matches any type too. Several matches are
    /// refused rather than guessed.
    func fetchCase(sourceSystem: String, recordType: String?, externalID: String, db: Database) throws -> Case? {
        let rows = try Row.fetchAll(
            db.statement(.caseBySourceRecord),
            arguments: [sourceSystem, externalID, recordType ?? "", recordType == nil])
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
    func storedRevision(of source: SourceIdentity, db: Database) throws -> (
        caseID: String, revision: UInt64, digest: Data?
    )? {
        try Row.fetchOne(
            db.statement(.storedRevision),
            arguments: [source.sourceSystem, source.externalID, source.recordType ?? ""]
        ).map { ($0["id"], UInt64($0["revision"] as Int64), $0["content_digest"]) }
    }
}

import Foundation
import GovCaseCore
import Logging

/// One row of the outbox: a change of a case that one route must send.
public struct Forward: Sendable, Hashable {
    /// Where a row is in its delivery.
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// Waiting to be sent, now or at `nextAttemptAt`.
        case pending
        /// Claimed by the forwarder; back to pending if the gateway stops before it is settled.
        case inFlight = "in_flight"
        /// The receiver acknowledged every record of it (ACCEPTED or DUPLICATE). Pruned after the retention.
        case delivered
        /// The receiver refused it for its content, or it cannot be rendered: kept, with the reason, until an
        /// operator replays or discards it. It holds back its case's later rows.
        case dead
        /// Dead, then discarded by an operator with a reason (audited). Pruned like delivered rows.
        case discarded

        /// Whether the row no longer holds its lane.
        public var isFinished: Bool { self == .delivered || self == .discarded }
    }

    /// The row's id: increasing, the order of its lane, and a key the receiver may log.
    public var id: Int64
    public var route: String
    public var caseID: String
    public var change: CaseChange
    /// The first event of the step, for `lifecycle-step` rows; 0 otherwise.
    public var eventSequence: Int
    public var createdAt: Date
    public var state: State
    /// Attempts that failed for an outage.
    public var attempts: Int
    public var nextAttemptAt: Date
    /// The last failure, or for a dead row the receiver's reason.
    public var lastError: String
    /// For a dead row refused for its fields: the receiver's `govcase.core.v1.Rejection`, serialized.
    public var rejection: Data?
    /// When it was delivered, killed or discarded.
    public var finishedAt: Date?
    /// The receiver's case ids, once delivered.
    public var upstreamCaseIDs: [String]

    init(row: StoreRow) {
        id = row["id"]
        route = row["route"]
        caseID = row["case_id"]
        change = CaseChange(rawValue: row["change"]) ?? .step
        eventSequence = row["event_sequence"]
        createdAt = Date(timeIntervalSince1970: row["created_at"])
        state = State(rawValue: row["state"]) ?? .pending
        attempts = row["attempts"]
        nextAttemptAt = Date(timeIntervalSince1970: row["next_attempt_at"])
        lastError = row["last_error"]
        rejection = row["rejection"]
        finishedAt = (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:))
        let ids: String = row["upstream_case_ids"]
        upstreamCaseIDs = ids.isEmpty ? [] : ids.split(separator: " ").map(String.init)
    }
}

/// What became of one claimed row.
public enum ForwardSettlement: Sendable, Hashable {
    /// Every rendered record was acknowledged; the receiver's case ids. None when the destination has no record
    /// for this change (its adapter renders nothing), which is said in `note`.
    case delivered(upstreamCaseIDs: [String], note: String)
    /// An outage: sent again at `nextAttemptAt`, never dead-lettered.
    case retry(error: String, nextAttemptAt: Date)
    /// Refused for its content, or not renderable: a dead letter with the reason and the receiver's violations.
    case dead(reason: String, rejection: Data?)
}

/// A route's outbox at a glance.
public struct OutboxCounts: Sendable, Hashable {
    public var pending = 0
    public var inFlight = 0
    public var dead = 0
    /// Delivered rows not yet pruned.
    public var delivered = 0
    /// When the oldest pending row was written; nil when none is pending.
    public var oldestPendingAt: Date?

    public init() {}
}

extension CaseStore {
    /// Changes each time rows that may be due commit; pass the value read before a claim to `waitForForwards`.
    public var forwardGeneration: UInt64 { forwardSignal.generation }

    /// Returns once rows may be due after `generation`, after `timeout`, or when the task is cancelled.
    public func waitForForwards(after generation: UInt64, timeout: Duration) async {
        await forwardSignal.wait(after: generation, timeout: timeout)
    }

    /// Wakes the forwarders after a commit that may have written rows.
    func signalForwards() { if !routes.isEmpty { forwardSignal.signal() } }

    /// Writes the outbox rows of every route that selects `change` of `c`, inside the caller's transaction.
    /// - Parameter only: the routes to write for; all of the store's when nil.
    /// - Returns: How many rows it wrote.
    @discardableResult
    func enqueueForwards(
        of c: Case, change: CaseChange, eventSequence: Int = 0, now: Date, db: any StoreSession,
        only: [RouteSelector]? = nil
    ) throws -> Int {
        var written = 0
        for route in only ?? routes where route.selects(c, change: change) {
            db.notifyOnCommit(.forwards)
            written += try db.execute(
                .insertForward,
                [
                    route.route, c.caseID, change.rawValue, eventSequence, now.timeIntervalSince1970,
                    now.timeIntervalSince1970,
                ])
        }
        return written
    }

    /// The step rows of appended events: one per source record (a follow-up's steps travel as the one record
    /// they came in), one per event without a source record (a handler's transition).
    @discardableResult
    func enqueueSteps(
        _ events: [LifecycleEvent], of c: Case, now: Date, db: any StoreSession, only: [RouteSelector]? = nil
    ) throws -> Int {
        guard !(only ?? routes).isEmpty else { return 0 }
        var seen: Set<SourceRecordReference> = []
        var written = 0
        for event in events {
            if let record = event.sourceRecord {
                guard seen.insert(record).inserted else { continue }
            }
            written += try enqueueForwards(
                of: c, change: .step, eventSequence: event.sequence, now: now, db: db, only: only)
        }
        return written
    }

    /// How long a claim holds its rows by default: a gateway that claimed rows and died (or hangs) holds them no
    /// longer, and another gateway on the same store takes them over.
    public static let defaultClaimLease: Duration = .seconds(120)

    /// Claims up to `limit` rows of `route` due at `now`, each the first unfinished row of its case, oldest first,
    /// and marks them in flight until `now + lease`. A case appears at most once, so batches sent side by side keep
    /// each case's order.
    ///
    /// Several gateways on one store (PostgreSQL): each claim is a write, and writes commit one at a time, so no
    /// two claims take the same row. First, in the same transaction, rows whose lease ran out go back to pending
    /// and may be claimed here: a row claimed by a gateway that died is delivered by another after the lease,
    /// and comes back DUPLICATE from a receiver that had stored it.
    public func claimForwards(
        route: String, now: Date, limit: Int, lease: Duration = CaseStore.defaultClaimLease
    ) throws -> [Forward] {
        let leaseEnd = now.addingTimeInterval(Double(lease.components.seconds))
        return try engine.write { db in
            try db.execute(.expireClaims, [route, now.timeIntervalSince1970])
            let rows = try db.rows(.dueForwards, [route, now.timeIntervalSince1970, limit]).map(Forward.init(row:))
            for row in rows {
                try db.execute(
                    .settleForward,
                    [
                        Forward.State.inFlight.rawValue, row.attempts, leaseEnd.timeIntervalSince1970, row.lastError,
                        row.rejection, nil, "", row.id,
                    ])
            }
            return rows.map {
                var claimed = $0
                claimed.state = .inFlight
                claimed.nextAttemptAt = leaseEnd
                return claimed
            }
        }
    }

    /// Records what became of claimed rows, in one transaction. A row whose claim is no longer this one's (its
    /// lease ran out and another gateway took it over) is left as the other gateway settles it; the number of
    /// such rows is returned, and logged.
    @discardableResult
    public func settle(_ settlements: [(row: Forward, settlement: ForwardSettlement)], now: Date) throws -> Int {
        guard !settlements.isEmpty else { return 0 }
        let stale = try engine.write { db in
            var stale = 0
            for (row, settlement) in settlements {
                let values: StoreArguments =
                    switch settlement {
                    case .delivered(let ids, let note):
                        [
                            Forward.State.delivered.rawValue, row.attempts, row.nextAttemptAt.timeIntervalSince1970,
                            note, nil, now.timeIntervalSince1970, ids.joined(separator: " "),
                        ]
                    case .retry(let error, let next):
                        [
                            Forward.State.pending.rawValue, row.attempts + 1, next.timeIntervalSince1970, error, nil,
                            nil, "",
                        ]
                    case .dead(let reason, let rejection):
                        [
                            Forward.State.dead.rawValue, row.attempts, row.nextAttemptAt.timeIntervalSince1970, reason,
                            rejection, now.timeIntervalSince1970, "",
                        ]
                    }
                if try db.execute(.settleClaimedForward, values + [row.id, row.nextAttemptAt.timeIntervalSince1970]) == 0 {
                    stale += 1
                }
            }
            return stale
        }
        if stale > 0 {
            logger.warning(
                "settlements of rows whose claim had run out were dropped: another gateway took them over",
                metadata: ["rows": "\(stale)"])
        }
        return stale
    }

    /// Puts back to pending the rows of `route` a stopped gateway left in flight: resent, they come back
    /// DUPLICATE from a receiver that had stored them. On a store only this gateway writes (SQLite) every in-flight
    /// row is its own, left by its last run; on a store gateways share (PostgreSQL) another gateway's rows may be
    /// in flight, so only rows whose lease ran out are released (claims release them too).
    @discardableResult
    public func releaseInFlight(route: String, now: Date = Date()) throws -> Int {
        guard sqlite != nil else {
            return try engine.write { db in try db.execute(.expireClaims, [route, now.timeIntervalSince1970]) }
        }
        return try engine.write { db in try db.execute(.releaseInFlight, [now.timeIntervalSince1970, route]) }
    }

    /// The counts of a route's rows by state, and its oldest pending row's age.
    public func outboxCounts(route: String) throws -> OutboxCounts {
        try engine.read { db in
            func count(_ state: Forward.State) throws -> Int {
                try db.value(.countForwards, [route, state.rawValue], as: Int.self) ?? 0
            }
            var counts = OutboxCounts()
            counts.pending = try count(.pending)
            counts.inFlight = try count(.inFlight)
            counts.dead = try count(.dead)
            counts.delivered = try count(.delivered)
            counts.oldestPendingAt = try db.value(.oldestPendingForward, [route], as: Double.self)
                .map(Date.init(timeIntervalSince1970:))
            return counts
        }
    }

    /// A route's rows in `state` after row `after`, in order.
    public func forwards(route: String, state: Forward.State, after: Int64 = 0, limit: Int = 100) throws -> [Forward] {
        try engine.read { db in
            try db.rows(.forwardsInState, [route, state.rawValue, after, limit]
            ).map(Forward.init(row:))
        }
    }

    /// One row by id.
    public func forward(id: Int64) throws -> Forward? {
        try engine.read { db in
            try db.row(.forwardByID, [id]).map(Forward.init(row:))
        }
    }

    /// Sends a dead row again (after the cause was corrected upstream or in the configuration), as `actor`;
    /// audited. Only a dead row can be replayed.
    public func replay(id: Int64, actor: String, reason: String, now: Date) throws -> Forward {
        try finish(id: id, actor: actor, action: "replay", reason: reason, now: now) { db, row in
            try db.execute(.settleForward, [
                    Forward.State.pending.rawValue, 0, now.timeIntervalSince1970, "replayed by \(actor)", nil, nil, "",
                    row.id,
                ])
        }
    }

    /// Gives up a dead row, as `actor`, with a reason (required; audited). Its case's later rows go out.
    public func discard(id: Int64, actor: String, reason: String, now: Date) throws -> Forward {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw StoreError(.badRequest, "a discard needs a reason")
        }
        return try finish(id: id, actor: actor, action: "discard", reason: reason, now: now) { db, row in
            try db.execute(.settleForward, [
                    Forward.State.discarded.rawValue, row.attempts, row.nextAttemptAt.timeIntervalSince1970,
                    "discarded by \(actor): \(reason) (was: \(row.lastError))", row.rejection,
                    now.timeIntervalSince1970, "", row.id,
                ])
        }
    }

    private func finish(
        id: Int64, actor: String, action: String, reason: String, now: Date,
        _ change: (any StoreSession, Forward) throws -> Void
    ) throws -> Forward {
        let finished = try engine.write { db in
            guard let row = try db.row(.forwardByID, [id]).map(Forward.init(row:))
            else { throw StoreError(.notFound, "no outbox row has id \(id)") }
            guard row.state == .dead else {
                throw StoreError(.conflict, "outbox row \(id) is \(row.state.rawValue); only a dead row can be \(action)ed")
            }
            try change(db, row)
            try db.execute(.recordOutboxAction, [now.timeIntervalSince1970, actor, action, row.route, id, reason])
            return try db.row(.forwardByID, [id]).map(Forward.init(row:))!
        }
        defer { forwardSignal.signal() }
        return finished
    }

    /// Writes the rows `selector` would have written for cases this gateway stored since `since` (a route added
    /// later, or a receiver that lost data), as `actor`; audited. By the time of storing, not the record's own
    /// time: a record that arrived late is in the window it arrived in. Each case gets its new-case row and one row per step,
    /// in order. Cases already sent come back DUPLICATE from the receiver. A page at a time, each its own
    /// transaction, so live submits interleave.
    public func backfill(
        _ selector: RouteSelector, since: Date, actor: String, now: Date, pageSize: Int = 500
    ) throws -> Int {
        var written = 0
        var after = (receivedAt: since.timeIntervalSince1970 - 1, id: "")
        while true {
            let page = try engine.write { db -> [(String, Double)] in
                let rows = try db.rows(.casesReceivedSince, [since.timeIntervalSince1970, after.receivedAt, after.id, pageSize]
                ).map { ($0["id"] as String, $0["created_at"] as Double) }
                for (id, _) in rows {
                    guard let c = try fetchCase(id: id, db: db) else { continue }
                    written += try enqueueForwards(of: c, change: .created, now: now, db: db, only: [selector])
                    written += try enqueueSteps(c.events, of: c, now: now, db: db, only: [selector])
                }
                if rows.isEmpty {
                    try db.execute(.recordOutboxAction, [
                            now.timeIntervalSince1970, actor, "backfill", selector.route, 0,
                            "since \(ISO8601DateFormatter().string(from: since)): \(written) rows",
                        ])
                }
                return rows
            }
            guard let last = page.last else {
                forwardSignal.signal()
                return written
            }
            after = (last.1, last.0)
        }
    }

    /// Deletes delivered and discarded rows finished before `before`, a chunk at a time; the number deleted.
    @discardableResult
    public func pruneFinishedForwards(before: Date, chunk: Int = 1000) throws -> Int {
        var deleted = 0
        while true {
            let count = try engine.write { db in
                try db.execute(.pruneFinished, [before.timeIntervalSince1970, chunk])
            }
            deleted += count
            if count < chunk { return deleted }
        }
    }

    /// Dead row versions PostgreSQL counts in the store's hot tables (`pg_stat_user_tables.n_dead_tup`), by table:
    /// what a queue table's updates and deletes leave until vacuum removes them. A count that keeps growing says
    /// vacuum cannot keep up, or that a long transaction holds back the horizon it may clean up to. Empty on
    /// SQLite, which reuses a deleted row's pages itself.
    public func deadRowVersions() throws -> [String: Int] {
        guard sqlite == nil else { return [:] }
        return try engine.read { db in
            let rows = try db.rows(
                sql: """
                    SELECT relname, n_dead_tup FROM pg_stat_user_tables
                    WHERE relname IN ('outbox', 'clocks', 'cases', 'case_events')
                    """, [])
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["relname"] as String, $0["n_dead_tup"] as Int) })
        }
    }

    /// The case a row forwards, with its events and its requester's identity opened: the receiver is the
    /// platform the evaluation is reported to.
    public func caseToForward(id: String) throws -> Case? {
        try engine.read { db in try fetchCase(id: id, db: db) }
    }
}

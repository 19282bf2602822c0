import Crypto
import Foundation
import GovCaseCore

/// The rules the store's clocks follow: the regions' deadline policies (calendar, offset) and when reminders and
/// escalations fire.
public struct ClockRules: Sendable, Hashable {
    public var deadlines: RegionalDeadlinePolicies
    public var policy: ClockPolicy
    /// The supervising body an escalation goes to, by region-code prefix (the longest wins); `policy.supervisor`
    /// elsewhere.
    public var supervisors: [String: String]
    /// A clock that fires more than this after its due time is marked late (the gateway was down, or behind).
    public var lateAfter: TimeInterval

    public init(
        deadlines: RegionalDeadlinePolicies = .init(), policy: ClockPolicy = .init(), supervisors: [String: String] = [:],
        lateAfter: TimeInterval = 60
    ) {
        self.deadlines = deadlines
        self.policy = policy
        self.supervisors = supervisors
        self.lateAfter = lateAfter
    }

    /// The clock policy of a region, with its supervising body.
    func policy(forRegion code: String) -> ClockPolicy {
        var policy = self.policy
        if let match = supervisors.keys.filter({ code.hasPrefix($0) }).max(by: { $0.count < $1.count }) {
            policy.supervisor = supervisors[match] ?? policy.supervisor
        }
        return policy
    }
}

/// One clock row.
public struct ClockRow: Sendable, Hashable {
    /// Where a clock is.
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// Waiting for its time.
        case pending
        /// Its event was appended to the case.
        case fired
        /// Not fired by its catch-up rule: a reminder whose deadline had passed when it came due (overdue fires).
        case skipped
        /// The case no longer runs it (the obligation was met, the deadline moved, the case closed).
        case cancelled
    }

    public var id: Int64
    public var caseID: String
    /// `rectification-remind-2`, `handling-overdue`, …
    public var key: String
    public var action: LifecycleActionKind
    public var regionCode: String
    public var deadline: Date
    public var dueAt: Date
    /// When the deadline moved: the due time of the clock this one replaced.
    public var originalDueAt: Date?
    public var state: State
    public var firedAt: Date?
    /// How late it fired, in seconds; 0 when on time.
    public var lateSeconds: Double
    /// The event it appended.
    public var eventSequence: Int
    public var note: String

    init(row: StoreRow) {
        id = row["id"]
        caseID = row["case_id"]
        key = row["clock_key"]
        action = LifecycleActionKind(rawValue: row["action"]) ?? .remind
        regionCode = row["region_code"]
        deadline = Date(timeIntervalSince1970: row["deadline_at"])
        dueAt = Date(timeIntervalSince1970: row["due_at"])
        originalDueAt = (row["original_due_at"] as Double?).map(Date.init(timeIntervalSince1970:))
        state = State(rawValue: row["state"]) ?? .pending
        firedAt = (row["fired_at"] as Double?).map(Date.init(timeIntervalSince1970:))
        lateSeconds = row["late_seconds"]
        eventSequence = row["event_sequence"]
        note = row["note"]
    }
}

/// What firing the due clocks did.
public struct ClockFiring: Sendable, Hashable {
    public var fired: [ClockRow] = []
    public var skipped: [ClockRow] = []
    public var cancelled: [ClockRow] = []
}

extension CaseStore {
    /// The clocks `c` runs now, with its node's evaluations found (a service node's default-rating clock stops
    /// when one arrives).
    func desiredClocks(of c: Case, rules: ClockRules, db: any StoreSession) throws -> [CaseClock] {
        var c = c
        if c.kind == .serviceNode { c = try linked(c, within: .everything, db: db) }
        return c.clocks(
            deadlines: rules.deadlines.policy(forRegion: c.regionCode), policy: rules.policy(forRegion: c.regionCode))
    }

    /// Brings a case's clock rows in line with the clocks it runs, in the caller's transaction: new clocks are
    /// written, a clock whose deadline moved replaces its pending row (keeping the old due time), and pending
    /// clocks the case no longer runs are cancelled. A clock that already fired (or was skipped) for a deadline
    /// never fires again for it; one cancelled for a deadline that is set anew (a loop sent back to rectification
    /// on the day it started) runs again.
    ///
    /// A new case that runs no clock (most evaluations) costs nothing more: it cannot have rows yet.
    func reconcileClocks(of c: Case, isNew: Bool, now: Date, db: any StoreSession) throws {
        guard let rules = clockRules else { return }
        let desired = try desiredClocks(of: c, rules: rules, db: db)
        if isNew, desired.isEmpty { return }
        var pending = try db.rows(.pendingClocksOfCase, [c.caseID]).map(ClockRow.init(row:))
        guard !desired.isEmpty || !pending.isEmpty else { return }
        for clock in desired {
            if let index = pending.firstIndex(where: {
                $0.key == clock.key && $0.deadline.timeIntervalSince1970 == clock.deadline.timeIntervalSince1970
            }) {
                let row = pending.remove(at: index)
                if row.dueAt != clock.dueAt { try settle(row, .pending, dueAt: clock.dueAt, note: "due time moved", db: db) }
                continue
            }
            var replaced: ClockRow?
            if let index = pending.firstIndex(where: { $0.key == clock.key }) {
                replaced = pending.remove(at: index)
                try settle(replaced!, .cancelled, note: "the deadline moved to \(clock.deadline.formatted(.iso8601))", db: db)
            }
            try db.execute(.insertClock, [
                    c.caseID, clock.key, clock.action.rawValue, c.regionCode, clock.deadline.timeIntervalSince1970,
                    clock.dueAt.timeIntervalSince1970, replaced?.dueAt.timeIntervalSince1970,
                ])
        }
        for row in pending {
            try settle(row, .cancelled, note: "no longer runs: the case is \(c.status.rawValue)", db: db)
        }
    }

    private func settle(
        _ row: ClockRow, _ state: ClockRow.State, dueAt: Date? = nil, firedAt: Date? = nil, late: Double = 0,
        sequence: Int = 0, note: String, db: any StoreSession
    ) throws {
        try db.execute(.settleClock, [
                state.rawValue, (dueAt ?? row.dueAt).timeIntervalSince1970, firedAt?.timeIntervalSince1970, late,
                sequence, note, row.id,
            ])
    }

    /// Fires the clocks due at `now`, up to `limit`, each in its own transaction with the event it appends, so
    /// each fires once: a crash before the commit leaves it pending, after it leaves it fired.
    ///
    /// Catch-up after downtime, by kind: an overdue, an escalation or a default-rating event always fires, however
    /// late, marked late with the time it was due; a reminder whose deadline has already passed is skipped (its
    /// overdue event says more). A clock the case no longer runs (the obligation met meanwhile) is cancelled.
    public func fireDueClocks(now: Date, limit: Int = 100) throws -> ClockFiring {
        guard let rules = clockRules else { return ClockFiring() }
        let due = try engine.read { db in
            try db.rows(.dueClocks, [now.timeIntervalSince1970, limit]).map(ClockRow.init(row:))
        }
        var firing = ClockFiring()
        for clock in due {
            let outcome: (ClockRow.State, ClockRow) = try engine.write { db in
                guard
                    let row = try db.row(.clockByID, [clock.id])
                        .map(ClockRow.init(row:)),
                    row.state == .pending
                else { return (.cancelled, clock) }
                guard var c = try fetchCase(id: row.caseID, db: db),
                    let planned = try desiredClocks(of: c, rules: rules, db: db).first(where: {
                        $0.key == row.key && $0.deadline.timeIntervalSince1970 == row.deadline.timeIntervalSince1970
                    })
                else {
                    try settle(row, .cancelled, note: "no longer runs when due", db: db)
                    return (.cancelled, row)
                }
                if planned.action == .remind, now >= planned.deadline {
                    try settle(row, .skipped, firedAt: now, note: "its deadline had passed when it came due", db: db)
                    return (.skipped, row)
                }
                let late = now.timeIntervalSince(row.dueAt)
                let isLate = late > rules.lateAfter
                let policy = rules.policy(forRegion: c.regionCode)
                var note = Self.note(planned)
                if isLate { note += "; fired late: due at \(row.dueAt.formatted(.iso8601))" }
                if planned.action == .defaultRatingDue {
                    switch makeDefaultEvaluation(of: c, at: planned.deadline, rules: rules, now: now, db: db) {
                    case nil: break
                    case .success(let made)?: note += "; the gateway gave the default rating as evaluation case \(made)"
                    case .failure(let error)?: note += "; the gateway could not give the default rating: \(error)"
                    }
                }
                let step = LifecycleStep(
                    LifecycleAction(
                        planned.action, unit: planned.action == .escalate ? policy.supervisor : "",
                        deadline: planned.deadline, note: note),
                    actor: Actor(system: Self.clockActor), occurredAt: now)
                let event = try c.apply(step, recordedAt: now, policy: rules.deadlines.policy(forRegion: c.regionCode))
                try save(c, db: db, createdAt: nil, now: now)
                try append([event], caseID: c.caseID, db: db)
                try enqueueSteps([event], of: c, now: now, db: db)
                try settle(
                    row, .fired, firedAt: now, late: isLate ? late : 0, sequence: event.sequence, note: note, db: db)
                return (.fired, row)
            }
            switch outcome.0 {
            case .fired: firing.fired.append(outcome.1)
            case .skipped: firing.skipped.append(outcome.1)
            case .cancelled, .pending: firing.cancelled.append(outcome.1)
            }
        }
        if !firing.fired.isEmpty {
            eventSignal.signal()
            signalForwards()
        }
        return firing
    }

    /// The actor of the clocks' events: the gateway itself.
    public static let clockActor = Case.gatewayMade

    /// Where the node's region says the gateway makes default ratings: stores the node's default evaluation, at the
    /// level the node was given when it arrived (its region's), as a new case in the clock's own transaction, so
    /// the rating and its event are made together or not at all. `nil` where the source makes its own.
    ///
    /// An evaluation of the node stored earlier would have cancelled the clock, so none exists here. Should the
    /// rating still be refused (another record holding its external id), it is undone alone (a savepoint) and the
    /// event says why: the region sees the unrated node either way, and the scheduler goes on.
    private func makeDefaultEvaluation(
        of node: Case, at deadline: Date, rules: ClockRules, now: Date, db: any StoreSession
    ) -> Result<String, any Error>? {
        let policy = rules.deadlines.policy(forRegion: node.regionCode)
        let level = node.handling.deadlines.defaultRatingLevel ?? policy.defaultRatingLevel
        guard policy.defaultRatingMadeBy == .gateway,
            var rating = node.defaultEvaluation(at: deadline, level: level, receivedAt: now)
        else { return nil }
        // What it rates, when and how: a node revised to another matter or node later gets a refusal here (the same
        // external id with other content), never a false duplicate of the old default.
        let content = [
            rating.source.externalID, rating.service.matterID, "\(rating.service.node?.number ?? 0)", rating.regionCode,
            "\(deadline.timeIntervalSince1970)", "\(level.rawValue)",
        ]
        rating.source.contentDigest = Data(SHA256.hash(data: Data(content.joined(separator: "|").utf8)))
        return submitAlone(rating, now: now, db: db).map(\.caseID)
    }

    static func note(_ clock: CaseClock) -> String {
        let what =
            switch clock.obligation {
            case .rectification: "rectification (整改)"
            case .acceptance: "the acceptance decision (受理)"
            case .mediation: "mediation (调解)"
            case .handling: "handling (办理)"
            case .evaluation: "the evaluation of this service node"
            }
        let deadline = clock.deadline.formatted(.iso8601)
        return switch clock.action {
        case .remind:
            clock.lead == 0
                ? "\(what) is due by \(deadline): today is its last day"
                : "\(what) is due by \(deadline): \(clock.lead) working day(s) before its last day"
        case .overdue: "\(what) was due by \(deadline) and is not done (超期)"
        case .escalate: "\(what) was due by \(deadline) and is still not done: escalated"
        case .defaultRatingDue: "no evaluation arrived by the default-rating time \(deadline) (默认评价)"
        default: "\(what): \(deadline)"
        }
    }

    /// When the next pending clock is due; nil when none is.
    public func nextClockDue() throws -> Date? {
        try engine.read { db in
            try db.value(.nextClockDue, as: Double.self).map(Date.init(timeIntervalSince1970:))
        }
    }

    /// Clocks in `state` of regions under `regionPrefix`, earliest due first, a page after the clock `afterID`.
    public func clocks(
        in state: ClockRow.State, regionPrefix: String = "", afterID: Int64 = 0, limit: Int = 100
    ) throws -> [ClockRow] {
        try engine.read { db in
            let after = try db.row(.clockByID, [afterID]).map(ClockRow.init(row:))
            return try db.rows(.clocksInState, [
                    state.rawValue, after?.dueAt.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude, afterID,
                    regionPrefix + "%", limit,
                ]
            ).map(ClockRow.init(row:))
        }
    }

    /// How many pending clocks are due by `now`: 0 unless the scheduler is behind or was stopped.
    public func dueClockCount(now: Date) throws -> Int {
        try engine.read { db in
            try db.value(.countDueClocks, [now.timeIntervalSince1970], as: Int.self) ?? 0
        }
    }

    /// How many clocks are in each state.
    public func clockCounts() throws -> [ClockRow.State: Int] {
        try engine.read { db in
            var counts: [ClockRow.State: Int] = [:]
            for state in ClockRow.State.allCases {
                counts[state] = try db.value(.countClocks, [state.rawValue], as: Int.self) ?? 0
            }
            return counts
        }
    }
}

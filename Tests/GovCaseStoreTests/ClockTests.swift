import Crypto
import Foundation
import GRDB
import GovCaseCore
@testable import GovCaseStore
import Testing

/// The clocks on a real store file, driven by an injected time: a bad review rectified over 国庆 2026 (Oct 1–7
/// off, Saturday Oct 10 a make-up working day, 国办发明电〔2025〕7号), its reminders, overdue and escalation each
/// on the day computed by hand, once; the same after a stop across all of them; a loop rectified in time.
@Suite struct ClockTests {
    let location = StoreLocation()

    /// A local time in China (UTC+8).
    static func beijing(_ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
        CivilDate(year: 2026, month: month, day: day)!.start(utcOffsetSeconds: 8 * 3600)
            .addingTimeInterval(TimeInterval(hour * 3600 + minute * 60))
    }

    func open(_ engine: Engine = .sqlite) throws -> CaseStore {
        try location.open(
            engine, vault: EvaluatorVault(key: SymmetricKey(size: .bits256)),
            clocks: ClockRules(policy: ClockPolicy(reminderLeads: [2, 1, 0], escalationGraceDays: 1, supervisor: "督查室")))
    }

    /// A bad review verified and fixed by deadline on Monday Sep 28, 10:00: five working days are Sep 29, Sep 30,
    /// Oct 8, Oct 9 and Saturday Oct 10, so the deadline is Oct 11 00:00.
    func rectifyingBadReview(_ store: CaseStore) throws -> String {
        var c = CaseStoreTests.evaluation("PJ-clock", level: .veryDissatisfied)
        c.receivedAt = Self.beijing(9, 27, 12)
        c.evaluation?.evaluatedAt = Self.beijing(9, 27, 11)
        let id = try store.submit(c, now: Self.beijing(9, 27, 12)).caseID
        for (action, at) in [(LifecycleActionKind.verify, Self.beijing(9, 28, 9)), (.fixByDeadline, Self.beijing(9, 28, 10))] {
            let step = LifecycleStep(LifecycleAction(action, note: "整改"), actor: Actor(person: "赵核实"), occurredAt: at)
            _ = try store.transition(caseID: id, step: step, recordedAt: at, policy: .standard)
        }
        let stored = try #require(try store.caseToForward(id: id))
        #expect(stored.badReview?.rectificationDeadline == Self.beijing(10, 11, 0), "the deadline, computed by hand")
        return id
    }

    func clockEvents(_ store: CaseStore, _ id: String) throws -> [LifecycleEvent] {
        try #require(try store.caseToForward(id: id)).events.filter { $0.step.action.kind.isClock }
    }

    @Test(arguments: Engine.allCases) func aMonthOverTheNationalDayFiresEachClockOnItsWorkingDayOnce(_ engine: Engine) throws {
        let store = try open(engine)
        let id = try rectifyingBadReview(store)
        var fired: [(LifecycleActionKind, Date)] = []
        var now = Self.beijing(9, 28, 11)
        while now < Self.beijing(10, 28, 0) {
            let firing = try store.fireDueClocks(now: now)
            fired += firing.fired.map { ($0.action, now) }
            #expect(firing.skipped.isEmpty && firing.cancelled.isEmpty)
            now.addTimeInterval(3600)
        }
        let expected: [(LifecycleActionKind, Date)] = [
            (.remind, Self.beijing(10, 8, 9)),  // 2 working days before the last day: Thursday after the holiday
            (.remind, Self.beijing(10, 9, 9)),  // 1 working day before
            (.remind, Self.beijing(10, 10, 9)),  // the last day, the make-up Saturday
            (.overdue, Self.beijing(10, 11, 0)),  // when the deadline passes
            (.escalate, Self.beijing(10, 12, 9)),  // the first working day after the last: Monday
        ]
        #expect(fired.map(\.0) == expected.map(\.0))
        #expect(fired.map(\.1) == expected.map(\.1))
        let events = try clockEvents(store, id)
        #expect(events.count == 5, "each once")
        #expect(events.allSatisfy { $0.step.actor.system == CaseStore.clockActor && $0.from == $0.to })
        #expect(events.allSatisfy { $0.step.action.deadline == Self.beijing(10, 11, 0) })
        #expect(events.last?.step.action.unit == "督查室", "an escalation names the supervising body")
        #expect(events.allSatisfy { !$0.step.action.note.contains("fired late") })
        #expect(try store.clockCounts()[.fired] == 5 && store.clockCounts()[.pending] == 0)
    }

    @Test(arguments: Engine.allCases) func aGatewayStoppedAcrossTheDueTimesCatchesUpOnceByEachKindsRule(_ engine: Engine) throws {
        let store = try open(engine)
        let id = try rectifyingBadReview(store)
        // Down from Oct 7 to Monday Oct 12, 15:00.
        let back = Self.beijing(10, 12, 15)
        let firing = try store.fireDueClocks(now: back)
        #expect(firing.skipped.map(\.key).sorted() == ["rectification-remind-0", "rectification-remind-1", "rectification-remind-2"],
            "reminders of a passed deadline are skipped: the overdue event says more")
        #expect(firing.fired.map(\.action) == [.overdue, .escalate], "overdue and escalation always fire")
        #expect(firing.fired.allSatisfy { $0.lateSeconds == 0 }, "the rows read before firing")
        let events = try clockEvents(store, id)
        #expect(events.map(\.step.action.kind) == [.overdue, .escalate])
        #expect(events.allSatisfy { $0.step.action.note.contains("fired late: due at") }, "marked late")
        let late = try store.clocks(in: .fired, regionPrefix: "5101")
        #expect(try store.clocks(in: .fired, regionPrefix: "50").isEmpty, "by region")
        #expect(try store.clocks(in: .fired, afterID: late[0].id).map(\.id) == [late[1].id], "a page after a clock")
        #expect(late.map(\.lateSeconds) == [back.timeIntervalSince(Self.beijing(10, 11, 0)), 6 * 3600])
        #expect(try store.fireDueClocks(now: back.addingTimeInterval(3600)).fired.isEmpty, "nothing twice")
        #expect(try store.dueClockCount(now: back) == 0)
        var overdue = CaseQuery()
        overdue.regionPrefixes = ["5101"]
        overdue.clockEvents = [.overdue]
        #expect(try store.query(overdue, pageSize: 10, pageToken: nil).cases.map(\.caseID) == [id], "overdue in 5101")
        overdue.clockEvents = [.remind]
        #expect(try store.query(overdue, pageSize: 10, pageToken: nil).cases.isEmpty, "its reminders were skipped")
        #expect(try clockEvents(store, id).count == 2)
    }

    @Test(arguments: Engine.allCases) func aLoopRectifiedInTimeStopsItsClocks(_ engine: Engine) throws {
        let store = try open(engine)
        let id = try rectifyingBadReview(store)
        _ = try store.fireDueClocks(now: Self.beijing(10, 8, 9))
        let done = Self.beijing(10, 8, 15)
        let step = LifecycleStep(
            LifecycleAction(.completeRectification, note: "已整改"), actor: Actor(person: "钱整改"), occurredAt: done)
        _ = try store.transition(caseID: id, step: step, recordedAt: done, policy: .standard)
        #expect(try store.clockCounts()[.cancelled] == 4, "the later reminders, overdue and escalation")
        #expect(try store.fireDueClocks(now: Self.beijing(10, 20, 0)).fired.isEmpty)
        #expect(try clockEvents(store, id).map(\.step.action.kind) == [.remind])
    }

    /// Rectified, told and rated 不满意 on the day the rectification started: the renewed deadline is the first
    /// one again (five working days from the same day), so its clock rows are those the rectification cancelled.
    /// They run again, and fire once each.
    @Test(arguments: Engine.allCases) func aDeadlineRenewedToTheSameTimeRunsItsCancelledClocksAgain(_ engine: Engine) throws {
        let store = try open(engine)
        let id = try rectifyingBadReview(store)
        for (action, hour) in [(LifecycleAction(.completeRectification, note: "已整改"), 11),
                               (LifecycleAction(.giveFeedback, note: "已告知", feedbackMethod: .phone), 12),
                               (LifecycleAction(.rateFeedback, level: .dissatisfied), 13)] {
            let at = Self.beijing(9, 28, hour)
            let step = LifecycleStep(action, actor: Actor(person: "钱整改"), occurredAt: at)
            _ = try store.transition(caseID: id, step: step, recordedAt: at, policy: .standard)
        }
        let stored = try #require(try store.caseToForward(id: id))
        #expect(stored.badReview?.rectificationDeadline == Self.beijing(10, 11, 0), "renewed to the same deadline")
        #expect(stored.status == .rectifying)
        #expect(try store.clockCounts()[.pending] == 5, "the five clocks run again")
        var fired: [LifecycleActionKind] = []
        var now = Self.beijing(9, 28, 14)
        while now < Self.beijing(10, 20, 0) {
            fired += try store.fireDueClocks(now: now).fired.map(\.action)
            now.addTimeInterval(3600)
        }
        #expect(fired == [.remind, .remind, .remind, .overdue, .escalate])
        #expect(try clockEvents(store, id).count == 5, "each once")
    }

    /// A service node's default-rating time (7 natural days: served Sep 1, last day Sep 8, due Sep 9 00:00). The
    /// gateway checks that an evaluation arrived (the sources push their own default ratings): one arriving a
    /// minute before the time stops the clock; a node still unrated at the time gets DEFAULT_RATING_DUE, and an
    /// evaluation a minute after is still taken (the event stays as the record that it came late).
    static let matter = "SD-510104-20260901-0001"
    static let ratingDue = beijing(9, 9, 0)

    /// Service node `number` of `matter`, served Sep 1, unrated by Sep 9 00:00.
    static func node(_ number: Int) -> Case {
        var c = Case(
            source: SourceIdentity(
                sourceSystem: "sc-gov", adapterID: "national-platform", externalID: "\(matter)-\(number)",
                revision: 1, contentDigest: CaseStoreTests.digest(matter, number)),
            kind: .serviceNode, regionCode: "510104",
            service: ServiceReference(
                itemCode: "X", matterID: matter, organisation: Organisation(name: "行政审批局"),
                node: ServiceNode(number: number, name: "受理", servedAt: beijing(9, 1, 10))),
            receivedAt: beijing(9, 1, 10))
        c.handling.deadlines.defaultRatingAt = ratingDue
        c.handling.deadlines.defaultRatingLevel = .basicallySatisfied
        return c
    }

    /// The source's evaluation of node `number`, stored at `time`.
    static func evaluation(of number: Int, at time: Date, in store: CaseStore) throws -> SubmitOutcome {
        var rated = CaseStoreTests.evaluation("PJ-\(number)")
        rated.service.matterID = matter
        rated.service.node = ServiceNode(number: number, name: "受理")
        return try store.submit(rated, now: time)
    }

    @Test(arguments: Engine.allCases) func anEvaluationAMinuteBeforeOrAfterTheDefaultRatingTime(_ engine: Engine) throws {
        let store = try open(engine)
        let early = try store.submit(Self.node(1), now: Self.beijing(9, 1, 10)).caseID
        let late = try store.submit(Self.node(2), now: Self.beijing(9, 1, 10)).caseID
        _ = try Self.evaluation(of: 1, at: Self.ratingDue.addingTimeInterval(-60), in: store)
        let firing = try store.fireDueClocks(now: Self.ratingDue)
        #expect(firing.cancelled.map(\.caseID) == [early], "rated a minute before: no event")
        #expect(firing.fired.map(\.caseID) == [late] && firing.fired.first?.action == .defaultRatingDue)
        _ = try Self.evaluation(of: 2, at: Self.ratingDue.addingTimeInterval(60), in: store)
        #expect(try clockEvents(store, early).isEmpty)
        #expect(try clockEvents(store, late).map(\.step.action.kind) == [.defaultRatingDue])
    }

    /// Where the region says the gateway makes default ratings: the unrated node gets one default evaluation
    /// (基本满意, marked default, linked to the node) in the transaction of its event, once, even when fired late
    /// after a stop; the evaluation a minute after is refused (ALREADY_EXISTS, naming the default), the one a
    /// minute before is stored and no default is made.
    @Test(arguments: Engine.allCases) func aNodeLeftUnratedGetsTheGatewaysDefaultEvaluationOnce(_ engine: Engine) throws {
        var deadlines = DeadlinePolicy.standard
        deadlines.defaultRatingMadeBy = .gateway
        let store = try location.open(
            engine, vault: EvaluatorVault(key: SymmetricKey(size: .bits256)),
            clocks: ClockRules(deadlines: RegionalDeadlinePolicies(fallback: deadlines)))
        let early = try store.submit(Self.node(1), now: Self.beijing(9, 1, 10)).caseID
        let late = try store.submit(Self.node(2), now: Self.beijing(9, 1, 10)).caseID
        _ = try Self.evaluation(of: 1, at: Self.ratingDue.addingTimeInterval(-60), in: store)

        // The gateway was stopped over the due time: the rating fires an hour late, once.
        let firing = try store.fireDueClocks(now: Self.ratingDue.addingTimeInterval(3600))
        #expect(firing.fired.map(\.caseID) == [late])
        #expect(try store.fireDueClocks(now: Self.ratingDue.addingTimeInterval(7200)).fired.isEmpty)

        let node = try store.get(caseID: late, linksWithin: .everything, now: Self.ratingDue)
        let made = try store.get(
            caseID: node.links.nodeEvaluationCaseIDs.first ?? "", linksWithin: .everything, now: Self.ratingDue)
        #expect(node.links.nodeEvaluationCaseIDs == [made.caseID])
        #expect(made.kind == .evaluation && made.isGatewayDefaultRating)
        #expect(made.evaluation?.level == .basicallySatisfied && made.evaluation?.origin == .default)
        #expect(made.evaluation?.evaluatedAt == Self.ratingDue, "as of the default-rating time, not the late firing")
        #expect(made.receivedAt == Self.ratingDue.addingTimeInterval(3600), "received when made: never backdated")
        #expect(made.source.sourceSystem == "sc-gov" && made.links.serviceNodeCaseID == late)
        #expect(made.requester == nil, "nobody gave it")
        #expect(made.handling.deadlines.defaultRatingAt == Self.ratingDue)
        #expect(made.handling.deadlines.defaultRatingLevel == .basicallySatisfied)
        #expect(made.defaultRatingViolations(using: .standard).isEmpty, "as a source's default would be admitted")
        let events = try clockEvents(store, late)
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.step.action.kind == .defaultRatingDue && event.step.action.note.contains(made.caseID))
        #expect(event.step.action.note.contains("fired late"))

        #expect(try store.get(caseID: early, linksWithin: .everything, now: Self.ratingDue).links.nodeEvaluationCaseIDs.count == 1)
        #expect(try clockEvents(store, early).isEmpty, "rated a minute before: no default, no event")
        do {
            _ = try Self.evaluation(of: 2, at: Self.ratingDue.addingTimeInterval(3660), in: store)
            Issue.record("an evaluation after the default was stored")
        } catch let error as StoreError {
            #expect(error.code == .alreadyExists)
            #expect(error.message.contains("default rating (默认评价)") && error.message.contains(made.source.externalID))
        }
    }

    /// A 12345 work order due Nov 20 00:00 is extended (延期) on Nov 16 to Nov 27: the clocks of the old deadline
    /// are cancelled, the new ones keep the old due times, and only the new deadline's events fire.
    @Test(arguments: Engine.allCases) func anExtensionMovesTheClocksOfAWorkOrder(_ engine: Engine) throws {
        let store = try open(engine)
        var order = Case(
            source: SourceIdentity(
                sourceSystem: "hotline-tongnan", adapterID: "hotline-12345", externalID: "GD-1", revision: 1,
                contentDigest: CaseStoreTests.digest("GD-1")),
            kind: .complaint, regionCode: "500151",
            request: Request(title: "噪音扰民", content: "夜间施工", respondent: Respondent(name: "某工地")),
            requester: Party(kind: .naturalPerson, realName: true, name: "王五", phone: "13512345678"),
            receivedAt: Self.beijing(11, 10, 9))
        order.handling.deadlines.handleBy = Self.beijing(11, 20, 0)
        let id = try store.submit(order, now: Self.beijing(11, 10, 9)).caseID
        #expect(try store.clockCounts()[.pending] == 5)
        let steps: [(LifecycleAction, Date)] = [
            (LifecycleAction(.dispatch, unit: "潼南区住建委"), Self.beijing(11, 10, 10)),
            (LifecycleAction(.sign), Self.beijing(11, 10, 11)), (LifecycleAction(.startHandling), Self.beijing(11, 10, 12)),
            (LifecycleAction(.extend, deadline: Self.beijing(11, 27, 0), note: "需现场核查"), Self.beijing(11, 16, 10)),
        ]
        for (action, at) in steps {
            _ = try store.transition(
                caseID: id, step: LifecycleStep(action, actor: Actor(unit: "潼南区住建委"), occurredAt: at),
                recordedAt: at, policy: .standard)
        }
        let pending = try store.clocks(in: .pending)
        #expect(pending.count == 5 && pending.allSatisfy { $0.deadline == Self.beijing(11, 27, 0) })
        #expect(pending.first { $0.key == "handling-overdue" }?.originalDueAt == Self.beijing(11, 20, 0))
        #expect(try store.clockCounts()[.cancelled] == 5, "the old deadline's clocks")
        var fired: [(String, Date)] = []
        var now = Self.beijing(11, 16, 11)
        while now < Self.beijing(12, 1, 0) {
            fired += try store.fireDueClocks(now: now).fired.map { ($0.key, now) }
            now.addTimeInterval(3600)
        }
        #expect(fired.map(\.0) == [
            "handling-remind-2", "handling-remind-1", "handling-remind-0", "handling-overdue", "handling-escalate",
        ])
        #expect(fired.map(\.1) == [
            Self.beijing(11, 24, 9), Self.beijing(11, 25, 9), Self.beijing(11, 26, 9), Self.beijing(11, 27, 0),
            Self.beijing(11, 27, 9),
        ])
    }
}

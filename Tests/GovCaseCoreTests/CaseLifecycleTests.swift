import Foundation
import GovCaseCore
import Testing

/// Applying steps to a case: the handling record, the bad-review loop and the event history.
@Suite struct CaseLifecycleTests {
    let policy = DeadlinePolicy.standard
    let actor = Actor(system: "sc-gov", unit: "锦江区政务服务中心", person: "赵核实")

    func at(_ hours: Double) -> Date { Fixtures.now.addingTimeInterval(hours * 3600) }

    @Test func aBadReviewGoesThroughItsWholeLoop() throws {
        var c = Fixtures.evaluation(level: .dissatisfied)
        #expect(c.lifecycle == .badReview)
        #expect(c.status == .awaitingVerification)

        try c.apply(
            LifecycleStep(LifecycleAction(.verify, note: "等候超时属实"), actor: actor, occurredAt: at(1)),
            recordedAt: at(1), policy: policy)
        try c.apply(
            LifecycleStep(LifecycleAction(.fixByDeadline), actor: actor, occurredAt: at(2)),
            recordedAt: at(2), policy: policy)
        // Monday 2025-03-10 + 5 working days = Monday 2025-03-17, due by its end.
        #expect(c.handling.deadlines.rectifyBy == CivilDate("2025-03-18")!.start(utcOffsetSeconds: 8 * 3600))
        try c.apply(
            LifecycleStep(LifecycleAction(.completeRectification, note: "增设叫号窗口"), actor: actor, occurredAt: at(30)),
            recordedAt: at(30), policy: policy)
        try c.apply(
            LifecycleStep(
                LifecycleAction(.giveFeedback, note: "已电话告知整改结果", feedbackMethod: .phone),
                actor: actor, occurredAt: at(31)), recordedAt: at(31), policy: policy)
        try c.apply(
            LifecycleStep(LifecycleAction(.rateFeedback, level: .satisfied), occurredAt: at(40)),
            recordedAt: at(40), policy: policy)

        #expect(c.status == .closed)
        #expect(c.events.map(\.to) == [.verified, .rectifying, .awaitingFeedback, .awaitingRating, .closed])
        #expect(c.events.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(c.events.first?.from == .awaitingVerification)
        let loop = try #require(c.badReview)
        #expect(loop.verifier == "赵核实")
        #expect(loop.finding == "等候超时属实")
        #expect(loop.outcome == .fixByDeadline)
        #expect(loop.rectificationMeasures == "增设叫号窗口")
        #expect(loop.rectifiedAt == at(30))
        #expect(loop.feedbackMethod == .phone)
        #expect(loop.evaluatorRating == .satisfied)
        #expect(c.handling.closedAt == at(40))
    }

    /// POLICY.md §3 rule 7: 不满意 with the rectification sends the loop back to rectifying, open; a later
    /// 满意 closes it. Closing without a rating needs the reason.
    @Test func aDissatisfiedRatingSendsTheLoopBackToRectification() throws {
        var c = Fixtures.evaluation(level: .dissatisfied)
        func step(_ action: LifecycleAction, _ hour: Double) throws {
            try c.apply(
                LifecycleStep(action, actor: actor, occurredAt: at(hour)), recordedAt: at(hour), policy: policy)
        }
        try step(LifecycleAction(.verify, note: "属实"), 1)
        try step(LifecycleAction(.fixByDeadline), 2)
        try step(LifecycleAction(.completeRectification, note: "增设窗口"), 3)
        try step(LifecycleAction(.giveFeedback, note: "已告知", feedbackMethod: .phone), 4)
        let first = try #require(c.handling.deadlines.rectifyBy)
        // Rated four days after the feedback, so a deadline renewed from the rating differs from the first one.
        try step(LifecycleAction(.rateFeedback, level: .dissatisfied), 100)
        #expect(c.status == .rectifying)
        #expect(c.handling.closedAt == nil)
        // The contract's decision (handling.proto, rectify_by): back in rectification with a deadline renewed from
        // the rating, the region's bad_review_rectification again.
        let renewed = try policy.deadline(of: policy.badReviewRectification, startingAt: at(100))
        #expect(renewed != first)
        #expect(c.handling.deadlines.rectifyBy == renewed && c.badReview?.rectificationDeadline == renewed)
        // Back in rectification, not rectified: its clocks run again against the renewed deadline.
        #expect(c.badReview?.rectifiedAt == nil)
        let clocks = c.clocks(deadlines: policy, policy: ClockPolicy(reminderLeads: [1], escalationGraceDays: 1))
        #expect(clocks.contains { $0.obligation == .rectification && $0.action == .overdue && $0.deadline == renewed })
        try step(LifecycleAction(.completeRectification, note: "再次整改"), 101)
        try step(LifecycleAction(.giveFeedback, note: "再次告知", feedbackMethod: .phone), 102)
        #expect(throws: CaseError.self) { try step(LifecycleAction(.close), 103) }
        try step(LifecycleAction(.rateFeedback, level: .basicallySatisfied), 104)
        #expect(c.status == .closed)
        #expect(c.handling.closedAt == at(104))
        #expect(c.badReview?.evaluatorRating == .basicallySatisfied)
    }

    @Test func anUpheldAppealMarksTheReviewNotAdopted() throws {
        var c = Fixtures.evaluation(level: .veryDissatisfied)
        for action in [
            LifecycleAction(.verify), LifecycleAction(.appeal, note: "评价人误操作"),
            LifecycleAction(.upholdAppeal, notAdoptedReason: .mistaken, note: "经复核系误评"),
        ] {
            try c.apply(LifecycleStep(action, occurredAt: at(1)), recordedAt: at(1), policy: policy)
        }
        #expect(c.status == .awaitingFeedback)
        #expect(c.badReview?.outcome == .notAdopted)
        #expect(c.badReview?.notAdoptedReason == .mistaken)
        #expect(c.badReview?.isExcludedFromStatistics == true)
    }

    @Test func aFailedStepChangesNothing() {
        let original = Fixtures.evaluation(level: .dissatisfied)
        var c = original
        #expect(throws: CaseError.self) {
            try c.apply(
                LifecycleStep(LifecycleAction(.giveFeedback), occurredAt: at(1)), recordedAt: at(1), policy: policy)
        }
        #expect(c == original)
    }

    @Test func aRequestReopensAfterADissatisfiedVisitAndThenCloses() throws {
        var c = Fixtures.request(.consultation)
        let steps: [LifecycleAction] = [
            .init(.dispatch, unit: "区文旅委"), .init(.return, note: "非本单位职责"), .init(.transfer, unit: "区市场监管局"),
            .init(.sign), .init(.startHandling), .init(.extend, deadline: at(100), note: "需现场核查"),
            .init(.reply, note: "已答复政策依据"),
            .init(.returnVisit, level: .dissatisfied, note: "未解决"), .init(.startHandling), .init(.reply, note: "再次答复"),
            .init(.returnVisit, level: .satisfied), .init(.close),
        ]
        for (hour, action) in steps.enumerated() {
            try c.apply(
                LifecycleStep(action, occurredAt: at(Double(hour))), recordedAt: at(Double(hour)), policy: policy)
        }
        #expect(c.status == .closed)
        #expect(c.events.map(\.to).contains(.reopened))
        #expect(c.handling.transfers.map(\.toUnit) == ["区文旅委", "区市场监管局"])
        #expect(c.handling.transfers.last?.fromUnit == "")  // returned before the transfer
        #expect(c.handling.assignedUnit == "区市场监管局")
        #expect(c.handling.extensions == 1)
        #expect(c.handling.deadlines.handleBy == at(100))
        #expect(c.handling.replies.map(\.content) == ["已答复政策依据", "再次答复"])
        #expect(c.handling.returnVisits.map(\.satisfaction) == [.dissatisfied, .satisfied])
        #expect(c.handling.closedAt == at(11))
    }

    @Test func urgingAndSupervisionAreCountedAndLeaveTheStatusAsItWas() throws {
        var c = Fixtures.request(.complaint)
        let steps: [LifecycleAction] = [
            .init(.dispatch, unit: "区文旅委"), .init(.urge), .init(.sign), .init(.urge),
            {
                var a = LifecycleAction(.supervise, note: "三日内办结"); a.byLeader = true; return a
            }(),
        ]
        var statuses: [CaseStatus] = []
        for (hour, action) in steps.enumerated() {
            try c.apply(
                LifecycleStep(action, occurredAt: at(Double(hour))), recordedAt: at(Double(hour)), policy: policy)
            statuses.append(c.status)
        }
        #expect(statuses == [.dispatched, .dispatched, .signed, .signed, .signed])
        #expect(c.handling.urgings == 2)
        #expect(c.handling.supervisions == 1)
        #expect(c.events.last?.step.action.byLeader == true)
        // A supervision says what to do; without its instruction it is refused and nothing changes.
        let before = c
        #expect(throws: CaseError.self) {
            try c.apply(LifecycleStep(.init(.supervise), occurredAt: at(6)), recordedAt: at(6), policy: policy)
        }
        #expect(c == before)
        // Nothing is urged once the order is closed.
        var closed = Fixtures.request(.consultation)
        closed.status = .closed
        #expect(throws: CaseError.self) {
            try closed.apply(LifecycleStep(.init(.urge), occurredAt: at(7)), recordedAt: at(7), policy: policy)
        }
    }

    /// 退回审核, 回访复核 and 重启流程 on one work order: a rejected return gives the order back to the unit that
    /// returned it, an approved one leaves it with the centre; a dissatisfied visit found unfounded goes on to
    /// closing; a restarted order starts again unassigned, with its new deadline and its history kept.
    @Test func reviewsAndARestartMoveAWorkOrderAndAreCounted() throws {
        var c = Fixtures.request(.complaint)
        func review(_ kind: LifecycleActionKind, _ result: ReviewResult) -> LifecycleAction {
            var a = LifecycleAction(kind, note: "审核意见")
            a.review = result
            return a
        }
        let newDeadline = at(24 * 10)
        let steps: [LifecycleAction] = [
            .init(.dispatch, unit: "区文旅委"), .init(.return, note: "不属于本单位职责"),
            review(.reviewReturn, .overturned), .init(.return, note: "仍认为不属于本单位"),
            review(.reviewReturn, .upheld), .init(.dispatch, unit: "区市场监管局"), .init(.sign),
            .init(.startHandling), .init(.reply, note: "已处理"), .init(.returnVisit, level: .dissatisfied),
            review(.reviewReturnVisit, .overturned), .init(.close),
            .init(.restart, deadline: newDeadline, note: "市民再次来电, 问题复发"),
        ]
        var trail: [String] = []
        for (hour, action) in steps.enumerated() {
            try c.apply(
                LifecycleStep(action, occurredAt: at(Double(hour))), recordedAt: at(Double(hour)), policy: policy)
            trail.append("\(c.status) \(c.handling.assignedUnit)")
        }
        #expect(
            trail == [
                "dispatched 区文旅委", "returned ", "dispatched 区文旅委", "returned ", "received ",
                "dispatched 区市场监管局", "signed 区市场监管局", "inProgress 区市场监管局", "replied 区市场监管局",
                "reopened 区市场监管局", "returnVisited 区市场监管局", "closed 区市场监管局", "received ",
            ])
        #expect(c.handling.returns == 2)
        #expect(c.handling.restarts == 1)
        #expect(c.handling.closedAt == nil, "a restarted order is open again")
        #expect(c.handling.deadlines.handleBy == newDeadline)
        #expect(c.handling.returnVisits.count == 1 && c.handling.transfers.count == 2, "its history stays")
        #expect(c.events.count == steps.count)
    }

    @Test func aTourismComplaintGetsItsAcceptanceAndMediationDeadlines() throws {
        var c = Fixtures.request(.complaint)
        c.lifecycle = .tourismComplaint
        c.request?.track = .mediation
        c.receivedAt = Fixtures.now  // Monday 2025-03-10
        c.startDeadlines(using: policy)
        // 5 working days after Monday 10 March: Monday 17 March, due by its end.
        #expect(c.handling.deadlines.acceptBy == CivilDate("2025-03-18")!.start(utcOffsetSeconds: 8 * 3600))
        try c.apply(LifecycleStep(LifecycleAction(.accept), occurredAt: at(2)), recordedAt: at(2), policy: policy)
        // 60 natural days after 10 March: 9 May, due by its end.
        #expect(c.handling.deadlines.mediateBy == CivilDate("2025-05-10")!.start(utcOffsetSeconds: 8 * 3600))
        try c.apply(
            LifecycleStep(LifecycleAction(.startMediation), occurredAt: at(3)), recordedAt: at(3), policy: policy)
        try c.apply(
            LifecycleStep(LifecycleAction(.recordAgreement, note: "退还差价300元"), occurredAt: at(50)),
            recordedAt: at(50), policy: policy)
        #expect(c.status == .mediated)
        #expect(c.handling.acceptance == .accepted)
        #expect(c.handling.mediationOutcome == .agreed)
        #expect(c.closureDeadline == c.handling.deadlines.mediateBy)
    }

    @Test func anEvaluationGetsItsDefaultRatingTime() {
        var c = Fixtures.evaluation()
        c.evaluation?.serviceDeliveredAt = Fixtures.now  // 2025-03-10
        c.startDeadlines(using: policy)
        #expect(c.handling.deadlines.defaultRatingAt == CivilDate("2025-03-18")!.start(utcOffsetSeconds: 8 * 3600))
    }
}

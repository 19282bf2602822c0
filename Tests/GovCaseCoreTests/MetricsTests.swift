import Foundation
import GovCaseCore
import Testing

/// The rates over a fixture whose numbers are worked out by hand below.
@Suite struct MetricsTests {
    static func evaluation(
        _ id: String, _ level: SatisfactionLevel, origin: EvaluationOrigin = .active, realName: Bool = true,
        loop: (inout BadReviewLoop) -> Void = { _ in }
    ) -> Case {
        var c = Fixtures.evaluation(level: level)
        c.source.externalID = id
        c.evaluation?.origin = origin
        c.requester?.realName = realName
        if c.badReview != nil { loop(&c.badReview!) }
        return c
    }

    static func request(
        _ id: String, _ kind: CaseKind, track: HandlingTrack = .ordinary, dueHours: Double?, closedHours: Double?,
        visitLevel: SatisfactionLevel? = nil
    ) -> Case {
        var c = Fixtures.request(kind)
        c.source.externalID = id
        c.request?.track = track
        c.handling.deadlines.handleBy = dueHours.map { Fixtures.now.addingTimeInterval($0 * 3600) }
        c.handling.closedAt = closedHours.map { Fixtures.now.addingTimeInterval($0 * 3600) }
        if let visitLevel { c.evaluation = Evaluation(level: visitLevel, text: "回访", evaluatedAt: Fixtures.now) }
        return c
    }

    static let cases: [Case] = [
        // Ordinary evaluations.
        evaluation("E1", .verySatisfied),
        evaluation("E2", .satisfied),
        evaluation("E3", .basicallySatisfied, origin: .default),
        evaluation("E4", .basicallySatisfied, origin: .default),
        evaluation("E5", .dissatisfied) {  // real name, fixed at once, feedback given
            $0.outcome = .immediateFix
            $0.rectifiedAt = Fixtures.now
            $0.feedbackAt = Fixtures.now
        },
        evaluation("E6", .veryDissatisfied, realName: false) { $0.outcome = .explanation },  // anonymous, explained
        evaluation("E7", .dissatisfied) { $0.outcome = .fixByDeadline },  // real name, still rectifying
        evaluation("E8", .veryDissatisfied) {  // real name, appeal upheld: out of the bad-review numerators
            $0.appealDecision = .upheld
            $0.outcome = .notAdopted
        },
        evaluation("E9", .satisfied, origin: .supplementary),
        // Ordinary requests.
        request("R1", .consultation, dueHours: 48, closedHours: 24),  // on time
        request("R2", .suggestion, dueHours: 48, closedHours: 72),  // late
        request("R3", .helpRequest, dueHours: 48, closedHours: nil),  // still open: not counted
        request("R4", .consultation, dueHours: nil, closedHours: 10),  // no deadline: not counted
        // Mediation and law-enforcement matters, with return-visit evaluations.
        request("T1", .complaint, track: .mediation, dueHours: 100, closedHours: 90, visitLevel: .veryDissatisfied),
        request("L1", .report, track: .lawEnforcement, dueHours: 10, closedHours: 20, visitLevel: .satisfied),
    ]

    let metrics = CaseMetrics(cases: Self.cases)

    @Test func evaluationRate() {
        // Matters: evaluation cases that are not supplementary, E1–E8 = 8. Active: E1, E2, E5, E6, E7, E8 = 6.
        #expect(metrics.ordinary.evaluationRate == Rate(numerator: 6, denominator: 8))
        #expect(metrics.ordinary.evaluationRate.value == 0.75)
    }

    /// A back-filled evaluation (系统补报) stands for its matter and was evaluated by no one: it raises 评价率's
    /// denominator only.
    @Test func aBackfilledEvaluationCountsItsMatterNotAnEvaluator() {
        let metrics = CaseMetrics(cases: Self.cases + [Self.evaluation("B1", .verySatisfied, origin: .backfilled)])
        #expect(metrics.ordinary.evaluationRate == Rate(numerator: 6, denominator: 9))
    }

    /// An evaluation its source marked invalid (无效评价) changes no statistic, good or bad.
    @Test func anEvaluationMarkedInvalidAtItsSourceIsCountedNowhere() {
        var invalidBad = Self.evaluation("X1", .veryDissatisfied)
        invalidBad.evaluation?.invalidAtSource = true
        var invalidGood = Self.evaluation("X2", .verySatisfied)
        invalidGood.evaluation?.invalidAtSource = true
        #expect(CaseMetrics(cases: Self.cases + [invalidBad, invalidGood]) == metrics)
    }

    @Test func goodReviewRate() {
        // Evaluations: E1–E9 = 9. 基本满意 or better: E1, E2, E3, E4, E9 = 5.
        #expect(metrics.ordinary.goodReviewRate == Rate(numerator: 5, denominator: 9))
    }

    @Test func badReviewRateLeavesUpheldAppealsOut() {
        // Bad reviews E5, E6, E7, E8; E8's appeal was upheld, so 3 of 9.
        #expect(metrics.ordinary.badReviewRate == Rate(numerator: 3, denominator: 9))
    }

    @Test func rectificationRate() {
        // Counted bad reviews E5, E6, E7. Handled: E5 (fixed at once), E6 (explained). E7 is still rectifying.
        #expect(metrics.ordinary.rectificationRate == Rate(numerator: 2, denominator: 3))
    }

    @Test func realNameFollowUpRate() {
        // Real-name counted bad reviews: E5, E7 (E6 is anonymous, E8 upheld). Handled with feedback: E5.
        #expect(metrics.ordinary.realNameFollowUpRate == Rate(numerator: 1, denominator: 2))
    }

    @Test func onTimeClosureRate() {
        // Closed with a deadline: R1 (24 h ≤ 48 h), R2 (72 h > 48 h). R3 is open, R4 has no deadline.
        #expect(metrics.ordinary.onTimeClosureRate == Rate(numerator: 1, denominator: 2))
    }

    @Test func mediationAndEnforcementAreReportedApart() {
        let apart = metrics.mediationAndEnforcement
        // T1 (非常不满意) and L1 (满意): one good, one bad; neither pulls the ordinary rates.
        #expect(apart.goodReviewRate == Rate(numerator: 1, denominator: 2))
        #expect(apart.badReviewRate == Rate(numerator: 1, denominator: 2))
        // T1 closed at 90 h of 100 h; L1 at 20 h of 10 h.
        #expect(apart.onTimeClosureRate == Rate(numerator: 1, denominator: 2))
        // No evaluation cases there, so no evaluation rate.
        #expect(apart.evaluationRate.value == nil)
        #expect(apart.evaluationRate.description == "n/a (0/0)")
    }

    @Test func ratesPrintAsPercentWithTheirCounts() {
        #expect(Rate(numerator: 2, denominator: 3).description == "66.7% (2/3)")
    }
}

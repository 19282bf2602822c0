/// The rates regulators compute (国办发〔2019〕51号), over one set of cases.
///
/// Mediation and law-enforcement matters must not chase satisfaction (不片面追求满意率), so
/// `CaseMetrics` computes these rates separately for them.
public struct SatisfactionMetrics: Sendable, Hashable {
    /// 评价率: evaluation cases given by the evaluator (origin active) over evaluation cases that stand for
    /// a handled matter (origin active, default or back-filled; a supplementary evaluation adds no new matter).
    /// A back-filled evaluation (系统补报) counts its matter and never as evaluated: no person gave it.
    /// Every handled matter gets an evaluation case, the default 基本满意 if none arrives in time.
    public var evaluationRate: Rate
    /// 好评率: evaluations at 基本满意 or better over all evaluations (any origin, with a level).
    public var goodReviewRate: Rate
    /// 差评率: bad reviews (不满意, 非常不满意) over all evaluations. A bad review whose appeal was upheld
    /// is left out of the numerator.
    public var badReviewRate: Rate
    /// 差评整改率: bad reviews handled (rectified immediately, rectified by deadline, or explained) over
    /// bad reviews. Upheld appeals are left out of both counts: nothing is to be rectified.
    public var rectificationRate: Rate
    /// 实名差评回访整改率: real-name bad reviews both handled and answered with feedback over real-name
    /// bad reviews, upheld appeals left out of both counts. The target is 100%.
    public var realNameFollowUpRate: Rate
    /// 按时办结率: closed requests and tourism complaints closed by their closure deadline (see
    /// `Case.closureDeadline`) over closed ones that have such a deadline.
    public var onTimeClosureRate: Rate

    /// Computes every rate over `cases`.
    public init(cases: [Case]) {
        // An evaluation its source marked invalid (无效评价) is stored and counted nowhere.
        let valid = cases.filter { $0.evaluation?.invalidAtSource != true }
        let evaluated = valid.filter { $0.evaluation?.level != nil }
        let matters = valid.filter { $0.kind == .evaluation && $0.evaluation?.origin != .supplementary }
        let counted = evaluated.filter { !($0.badReview?.isExcludedFromStatistics ?? false) }
        let bad = counted.filter { $0.evaluation?.isBadReview == true }

        evaluationRate = Rate(over: matters) { $0.evaluation?.origin == .active }
        goodReviewRate = Rate(over: evaluated) { $0.evaluation?.level?.isGoodReview == true }
        badReviewRate = Rate(numerator: bad.count, denominator: evaluated.count)
        rectificationRate = Rate(over: bad, where: Self.isHandled)
        realNameFollowUpRate = Rate(over: bad.filter { $0.requester?.realName == true }) {
            Self.isHandled($0) && $0.badReview?.feedbackAt != nil
        }
        let closed = valid.filter { $0.handling.closedAt != nil && $0.closureDeadline != nil }
        onTimeClosureRate = Rate(over: closed) { $0.handling.closedAt! <= $0.closureDeadline! }
    }

    /// A bad review is handled once fixed at once, fixed by its deadline, or explained.
    static func isHandled(_ c: Case) -> Bool {
        guard let loop = c.badReview else { return false }
        return loop.rectifiedAt != nil || loop.outcome == .explanation
    }
}

/// The rates for ordinary cases, and the same rates apart for mediation and law-enforcement matters.
public struct CaseMetrics: Sendable, Hashable {
    /// Cases counted in satisfaction rates.
    public var ordinary: SatisfactionMetrics
    /// Mediation and law-enforcement matters, reported apart.
    public var mediationAndEnforcement: SatisfactionMetrics

    public init(cases: [Case]) {
        ordinary = SatisfactionMetrics(cases: cases.filter { !$0.isSetApartFromSatisfaction })
        mediationAndEnforcement = SatisfactionMetrics(cases: cases.filter(\.isSetApartFromSatisfaction))
    }
}

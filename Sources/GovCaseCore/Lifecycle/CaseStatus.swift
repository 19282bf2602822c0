/// The state of a case; each `Lifecycle` uses a subset.
public enum CaseStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Evaluation recorded; terminal.
    case recorded
    /// Received (受理/登记).
    case received
    /// Dispatched (派单).
    case dispatched
    /// Transferred (转办); terminal for a tourism complaint.
    case transferred
    /// Signed for by the unit (签收).
    case signed
    /// Returned by the unit (退回).
    case returned
    /// Being handled, possibly extended (办理/延期).
    case inProgress
    /// Replied (回复).
    case replied
    /// Return visit done, satisfied (回访).
    case returnVisited
    /// Reopened after a dissatisfied return visit (重办).
    case reopened
    /// Closed (办结/闭环); terminal.
    case closed
    /// Bad review awaiting verification (待核实).
    case awaitingVerification
    /// Verified, outcome to decide (已核实).
    case verified
    /// Rectifying by a deadline (限期整改中).
    case rectifying
    /// Appealed, awaiting review (申诉复核中).
    case appealed
    /// Appeal rejected, outcome to decide; no second appeal (申诉不成立).
    case appealRejected
    /// Handled, feedback pending (待反馈).
    case awaitingFeedback
    /// Feedback given, evaluator's rating pending (待评价).
    case awaitingRating
    /// Tourism complaint accepted (已受理).
    case accepted
    /// Tourism complaint refused (不予受理); terminal.
    case refused
    /// Under mediation (调解中).
    case mediating
    /// Mediated to an agreement (调解成功); terminal.
    case mediated
    /// Mediation terminated (终止调解); terminal.
    case terminated
}

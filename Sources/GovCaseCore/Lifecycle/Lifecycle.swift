/// Which state machine a case follows.
public enum Lifecycle: String, Sendable, Hashable, CaseIterable, Codable {
    /// An evaluation that is not a bad review: recorded, no loop.
    case evaluation
    /// The bad-review loop (差评整改闭环).
    case badReview
    /// The request loop 受理 → 派单/转办 → 签收/退回 → 办理 → 回复 → 回访 → 办结.
    case request
    /// The tourism complaint: acceptance, then mediation (旅游投诉).
    case tourismComplaint

    /// The status a new case of this lifecycle starts in.
    public var initialStatus: CaseStatus {
        switch self {
        case .evaluation: .recorded
        case .badReview: .awaitingVerification
        case .request, .tourismComplaint: .received
        }
    }

    /// The lifecycle a case follows unless its adapter routes it otherwise: bad reviews enter the
    /// bad-review loop, other evaluations are recorded, requests follow the request loop.
    /// Tourism complaints are routed by their adapter, which knows the handling body.
    public static func natural(for kind: CaseKind, evaluation: Evaluation?) -> Lifecycle {
        if kind.isRequest { return .request }
        return evaluation?.isBadReview == true ? .badReview : .evaluation
    }
}

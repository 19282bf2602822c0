import Foundation

extension Case {
    /// Sets the deadlines that start when a case arrives, by the region's policy: the default-rating
    /// time of an evaluation and the acceptance deadline of a tourism complaint. Deadlines the source
    /// already set are kept.
    public mutating func startDeadlines(using policy: DeadlinePolicy) {
        if kind == .evaluation, handling.deadlines.defaultRatingAt == nil,
            let delivered = evaluation?.serviceDeliveredAt
        {
            handling.deadlines.defaultRatingAt = policy.deadline(of: policy.defaultRating, startingAt: delivered)
        }
        if lifecycle == .tourismComplaint, handling.deadlines.acceptBy == nil, let received = receivedAt {
            handling.deadlines.acceptBy = policy.deadline(of: policy.tourismComplaintAcceptance, startingAt: received)
        }
    }

    /// The deadline its closure is measured against for 按时办结率: the handling deadline of a request,
    /// the mediation deadline of an accepted tourism complaint or the acceptance deadline of one that was not.
    public var closureDeadline: Date? {
        switch lifecycle {
        case .request:
            return handling.deadlines.handleBy
        case .tourismComplaint:
            return handling.acceptance == .accepted ? handling.deadlines.mediateBy : handling.deadlines.acceptBy
        case .evaluation, .badReview:
            return nil
        }
    }
}

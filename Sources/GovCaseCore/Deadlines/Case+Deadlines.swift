import Foundation

extension Case {
    /// Sets the deadlines that start when a case arrives, by the region's policy: the default-rating
    /// time of an evaluation, the acceptance deadline of a tourism complaint and the handling deadline of a
    /// request whose kind has a configured limit. Deadlines the source already set are kept; one that cannot be
    /// computed is left unset and named in `handling.deadlines.unavailable`.
    public mutating func startDeadlines(using policy: DeadlinePolicy) {
        if kind == .evaluation, handling.deadlines.defaultRatingAt == nil,
            let delivered = evaluation?.serviceDeliveredAt
        {
            handling.deadlines.defaultRatingAt = policy.deadline(
                of: policy.defaultRating, startingAt: delivered, for: "default_rating_at", in: &handling.deadlines)
        }
        if lifecycle == .tourismComplaint, handling.deadlines.acceptBy == nil, let received = receivedAt {
            handling.deadlines.acceptBy = policy.deadline(
                of: policy.tourismComplaintAcceptance, startingAt: received, for: "accept_by",
                in: &handling.deadlines)
        }
        if lifecycle == .request, handling.deadlines.handleBy == nil, let received = receivedAt,
            let limit = policy.requestHandling[kind]
        {
            handling.deadlines.handleBy = policy.deadline(
                of: limit, startingAt: received, for: "handle_by", in: &handling.deadlines)
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

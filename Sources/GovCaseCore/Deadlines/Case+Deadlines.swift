import Foundation

extension Case {
    /// Sets the deadlines that start when a case arrives, by the region's policy: the default-rating
    /// time of an evaluation, the acceptance deadline of a tourism complaint and the handling deadline of a
    /// request whose kind has a configured limit. Deadlines the source already set are kept; one that cannot be
    /// computed is left unset and named in `handling.deadlines.unavailable`.
    public mutating func startDeadlines(using policy: DeadlinePolicy) {
        // An evaluation's default time runs from the service it rates; a node's, from the node's service.
        let delivered = kind == .serviceNode ? service.node?.servedAt : evaluation?.serviceDeliveredAt
        if kind == .evaluation || kind == .serviceNode, handling.deadlines.defaultRatingAt == nil, let delivered {
            handling.deadlines.defaultRatingAt = policy.deadline(
                of: policy.defaultRating, startingAt: delivered, for: "default_rating_at", in: &handling.deadlines)
            handling.deadlines.defaultRatingLevel = policy.defaultRatingLevel
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

    /// What the gateway does to a translated new case before it stores it, and `govcase translate` with it, so the
    /// two give the same answer: the deadlines started by the case's region's policy, and that policy's refusals
    /// (`defaultRatingViolations`); empty when the case may be stored.
    public mutating func admit(under policies: RegionalDeadlinePolicies) -> [FieldViolation] {
        let policy = policies.policy(forRegion: regionCode)
        startDeadlines(using: policy)
        return defaultRatingViolations(using: policy)
    }

    /// Where an evaluation marked as a default rating (默认评价) disagrees with its region's rule: its level is not
    /// the region's default level, or it was recorded before the default time. POLICY.md §2: the level and the
    /// delay are the region's configuration. Call after `startDeadlines(using:)`; empty for anything else.
    public func defaultRatingViolations(using policy: DeadlinePolicy) -> [FieldViolation] {
        guard kind == .evaluation, let evaluation, evaluation.origin == .default else { return [] }
        var found: [FieldViolation] = []
        let region = "region \(regionCode)"
        if let level = evaluation.level, level != policy.defaultRatingLevel {
            found.append(
                FieldViolation(
                    field: "evaluation.level", rule: .inconsistent,
                    message: "a default rating in \(region) is \(policy.defaultRatingLevel.rawValue) "
                        + "(\(policy.defaultRatingLevel.chineseName)) by the gateway's deadlines.default_rating_level; "
                        + "this one is \(level.rawValue): the record or the region's setting is wrong"))
        }
        if let due = handling.deadlines.defaultRatingAt, let at = evaluation.evaluatedAt, at < due {
            found.append(
                FieldViolation(
                    field: "evaluation.evaluated_at", rule: .inconsistent,
                    message: "a default rating in \(region) applies from \(due.formatted(.iso8601)) "
                        + "(deadlines.default_rating: \(policy.defaultRating) after the service); this one is dated "
                        + "\(at.formatted(.iso8601))"))
        }
        return found
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

import Foundation

extension Case {
    /// The adapter id of the cases the gateway makes itself, and its actor in the events it raises.
    public static let gatewayMade = "govcase-gateway"
    /// How a gateway-made default evaluation's external id begins; the rest is its node's external id.
    public static let defaultRatingIDPrefix = "default-rating:"

    /// The default evaluation (默认评价) of this service node, at `level`, as of `time` (its default-rating time):
    /// an evaluation case of the node's matter and node, from the node's source system (the one-evaluation-per-node
    /// rule and the node's link are kept per source system), made by the gateway (`gatewayMade` adapter), marked
    /// `EvaluationOrigin.default`, with no evaluator: nobody gave it. `nil` for any other kind of case.
    /// `receivedAt` is when the gateway makes it (`now`): a late firing never backdates a case into a period
    /// already reported.
    public func defaultEvaluation(at time: Date, level: SatisfactionLevel, receivedAt now: Date) -> Case? {
        guard kind == .serviceNode else { return nil }
        var rating = Case(
            source: SourceIdentity(
                sourceSystem: source.sourceSystem, adapterID: Self.gatewayMade,
                externalID: Self.defaultRatingIDPrefix + source.externalID, revision: 1,
                recordType: Self.defaultRatingRecordType),
            kind: .evaluation, regionCode: regionCode, service: service,
            evaluation: Evaluation(
                level: level, origin: .default, evaluatedAt: time,
                serviceDeliveredAt: service.node?.servedAt ?? receivedAt),
            receivedAt: now)
        // The default-rating time and level a source's default evaluation gets at its arrival (`startDeadlines`):
        // the node's own, which this rating applies.
        rating.handling.deadlines.defaultRatingAt = handling.deadlines.defaultRatingAt
        rating.handling.deadlines.defaultRatingLevel = level
        return rating
    }

    /// The record type of gateway-made default evaluations (they have no source message).
    public static let defaultRatingRecordType = "govcase.gateway.DefaultRating"

    /// Whether the gateway made this evaluation as a default rating.
    public var isGatewayDefaultRating: Bool {
        source.adapterID == Self.gatewayMade && source.externalID.hasPrefix(Self.defaultRatingIDPrefix)
    }
}

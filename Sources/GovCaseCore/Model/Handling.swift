import Foundation

/// A hand-over of the case to a unit (派单/转办).
public struct Transfer: Sendable, Hashable, Codable {
    /// Unit handing over, empty for the first dispatch.
    public var fromUnit: String
    /// Unit receiving.
    public var toUnit: String
    /// When.
    public var transferredAt: Date
    /// Instructions (转办意见).
    public var note: String

    public init(fromUnit: String, toUnit: String, transferredAt: Date, note: String = "") {
        self.fromUnit = fromUnit
        self.toUnit = toUnit
        self.transferredAt = transferredAt
        self.note = note
    }
}

/// A reply to the requester (答复).
public struct Reply: Sendable, Hashable, Codable {
    /// Unit replying.
    public var unit: String
    /// Content.
    public var content: String
    /// When.
    public var repliedAt: Date

    public init(unit: String, content: String, repliedAt: Date) {
        self.unit = unit
        self.content = content
        self.repliedAt = repliedAt
    }
}

/// A return visit (回访) and its result.
public struct ReturnVisit: Sendable, Hashable, Codable {
    /// Satisfaction with the handling.
    public var satisfaction: SatisfactionLevel
    /// Whether resolved.
    public var resolved: Bool
    /// Comment.
    public var comment: String
    /// When.
    public var visitedAt: Date
    /// How the matter ended (办理结果), when the source says.
    public var outcome: RequestOutcome?
    /// Why the requester is dissatisfied (不满意原因).
    public var dissatisfactionReason: String
    /// The satisfaction as the source coded it, beside the mapped level (a four-level hotline's own code).
    public var sourceSatisfaction: String

    public init(
        satisfaction: SatisfactionLevel, resolved: Bool = false, comment: String = "", visitedAt: Date,
        outcome: RequestOutcome? = nil, dissatisfactionReason: String = "", sourceSatisfaction: String = ""
    ) {
        self.satisfaction = satisfaction
        self.resolved = resolved
        self.comment = comment
        self.visitedAt = visitedAt
        self.outcome = outcome
        self.dissatisfactionReason = dissatisfactionReason
        self.sourceSatisfaction = sourceSatisfaction
    }
}

/// How a request ended for the requester (办理结果).
public enum RequestOutcome: String, Sendable, Hashable, CaseIterable, Codable {
    /// Resolved (解决).
    case resolved
    /// Partly resolved (部分解决).
    case partlyResolved
    /// Not resolved (未解决).
    case unresolved
    /// Not handled: returned as outside the unit's remit (不办理退单).
    case notHandled
}

/// Deadlines in force (时限), computed from the region's `DeadlinePolicy`.
public struct Deadlines: Sendable, Hashable, Codable {
    /// Acceptance deadline (受理时限).
    public var acceptBy: Date?
    /// Handling deadline with extensions (办理时限).
    public var handleBy: Date?
    /// Rectification deadline of a bad review (整改时限).
    public var rectifyBy: Date?
    /// When a missing evaluation becomes the default rating, at `defaultRatingLevel`.
    public var defaultRatingAt: Date?
    /// The level of that default rating, by the region's policy.
    public var defaultRatingLevel: SatisfactionLevel?
    /// Mediation deadline of a tourism complaint (调解时限).
    public var mediateBy: Date?
    /// Deadlines that could not be computed, each `<field>: <why>`, e.g. a working-day count into a year the
    /// calendar does not hold. Empty when every deadline in force was computed.
    public var unavailable: [String] = []

    public init(
        acceptBy: Date? = nil, handleBy: Date? = nil, rectifyBy: Date? = nil, defaultRatingAt: Date? = nil,
        mediateBy: Date? = nil, unavailable: [String] = [], defaultRatingLevel: SatisfactionLevel? = nil
    ) {
        self.defaultRatingLevel = defaultRatingLevel
        self.acceptBy = acceptBy
        self.handleBy = handleBy
        self.rectifyBy = rectifyBy
        self.defaultRatingAt = defaultRatingAt
        self.mediateBy = mediateBy
        self.unavailable = unavailable
    }

    enum CodingKeys: String, CodingKey {
        case acceptBy, handleBy, rectifyBy, defaultRatingAt, mediateBy, unavailable, defaultRatingLevel
    }

    /// Decodes v1 JSON payloads, which had no `unavailable`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        acceptBy = try c.decodeIfPresent(Date.self, forKey: .acceptBy)
        handleBy = try c.decodeIfPresent(Date.self, forKey: .handleBy)
        rectifyBy = try c.decodeIfPresent(Date.self, forKey: .rectifyBy)
        defaultRatingAt = try c.decodeIfPresent(Date.self, forKey: .defaultRatingAt)
        mediateBy = try c.decodeIfPresent(Date.self, forKey: .mediateBy)
        unavailable = try c.decodeIfPresent([String].self, forKey: .unavailable) ?? []
        defaultRatingLevel = try c.decodeIfPresent(SatisfactionLevel.self, forKey: .defaultRatingLevel)
    }
}

/// Acceptance decision on a tourism complaint (旅游投诉受理).
public enum ComplaintAcceptance: String, Sendable, Hashable, CaseIterable, Codable {
    /// 受理.
    case accepted
    /// 不予受理.
    case refused
    /// 转办/移交.
    case transferred
}

/// Outcome of a mediation (调解结果).
public enum MediationOutcome: String, Sendable, Hashable, CaseIterable, Codable {
    /// 调解成功.
    case agreed
    /// 终止调解.
    case terminated
}

/// The handling record of a case (办理).
public struct Handling: Sendable, Hashable, Codable {
    /// Unit responsible now (承办单位).
    public var assignedUnit: String
    /// Hand-overs in order.
    public var transfers: [Transfer]
    /// Deadlines in force.
    public var deadlines: Deadlines
    /// Extensions granted (延期次数).
    public var extensions: Int
    /// Replies in order.
    public var replies: [Reply]
    /// Return visits in order.
    public var returnVisits: [ReturnVisit]
    /// When closed (办结时间).
    public var closedAt: Date?
    /// Acceptance decision, for tourism complaints.
    public var acceptance: ComplaintAcceptance?
    /// Mediation outcome, for tourism complaints.
    public var mediationOutcome: MediationOutcome?
    /// Times the handling unit was urged (催办次数).
    public var urgings = 0
    /// Times the handling was supervised (督办次数).
    public var supervisions = 0
    /// Co-handling units (协办单位) of the last dispatch or transfer, beside `assignedUnit` (主办).
    public var coUnits: [String] = []
    /// Whether the last dispatch or transfer made it a joint handling (联合办理).
    public var joint = false
    /// Times a closed work order's workflow was restarted (重启流程).
    public var restarts = 0
    /// Times a unit returned the order (退回次数), approved or not.
    public var returns = 0

    public init(
        assignedUnit: String = "", transfers: [Transfer] = [], deadlines: Deadlines = .init(), extensions: Int = 0,
        replies: [Reply] = [], returnVisits: [ReturnVisit] = [], closedAt: Date? = nil,
        acceptance: ComplaintAcceptance? = nil, mediationOutcome: MediationOutcome? = nil
    ) {
        self.assignedUnit = assignedUnit
        self.transfers = transfers
        self.deadlines = deadlines
        self.extensions = extensions
        self.replies = replies
        self.returnVisits = returnVisits
        self.closedAt = closedAt
        self.acceptance = acceptance
        self.mediationOutcome = mediationOutcome
    }
}

extension Handling {
    enum CodingKeys: String, CodingKey {
        case assignedUnit, transfers, deadlines, extensions, replies, returnVisits, closedAt, acceptance
        case mediationOutcome, urgings, supervisions, coUnits, joint, restarts, returns
    }

    /// Decodes payloads written before urgings and supervisions were counted (they read as 0).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            assignedUnit: try c.decode(String.self, forKey: .assignedUnit),
            transfers: try c.decode([Transfer].self, forKey: .transfers),
            deadlines: try c.decode(Deadlines.self, forKey: .deadlines),
            extensions: try c.decode(Int.self, forKey: .extensions),
            replies: try c.decode([Reply].self, forKey: .replies),
            returnVisits: try c.decode([ReturnVisit].self, forKey: .returnVisits),
            closedAt: try c.decodeIfPresent(Date.self, forKey: .closedAt),
            acceptance: try c.decodeIfPresent(ComplaintAcceptance.self, forKey: .acceptance),
            mediationOutcome: try c.decodeIfPresent(MediationOutcome.self, forKey: .mediationOutcome))
        urgings = try c.decodeIfPresent(Int.self, forKey: .urgings) ?? 0
        supervisions = try c.decodeIfPresent(Int.self, forKey: .supervisions) ?? 0
        coUnits = try c.decodeIfPresent([String].self, forKey: .coUnits) ?? []
        joint = try c.decodeIfPresent(Bool.self, forKey: .joint) ?? false
        restarts = try c.decodeIfPresent(Int.self, forKey: .restarts) ?? 0
        returns = try c.decodeIfPresent(Int.self, forKey: .returns) ?? 0
    }
}

extension ReturnVisit {
    enum CodingKeys: String, CodingKey {
        case satisfaction, resolved, comment, visitedAt, outcome, dissatisfactionReason, sourceSatisfaction
    }

    /// Decodes v1 JSON payloads (`Schema`'s v2 migration), which had no outcome, reason or source scale.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            satisfaction: try c.decode(SatisfactionLevel.self, forKey: .satisfaction),
            resolved: try c.decode(Bool.self, forKey: .resolved), comment: try c.decode(String.self, forKey: .comment),
            visitedAt: try c.decode(Date.self, forKey: .visitedAt),
            outcome: try c.decodeIfPresent(RequestOutcome.self, forKey: .outcome),
            dissatisfactionReason: try c.decodeIfPresent(String.self, forKey: .dissatisfactionReason) ?? "",
            sourceSatisfaction: try c.decodeIfPresent(String.self, forKey: .sourceSatisfaction) ?? "")
    }
}

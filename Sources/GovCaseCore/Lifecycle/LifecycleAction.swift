import Foundation

/// The kind of a lifecycle action; the case's state machine decides which are allowed.
public enum LifecycleActionKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// 派单; needs `unit`.
    case dispatch
    /// 转办; needs `unit`.
    case transfer
    /// 签收.
    case sign
    /// 退回; needs `note`.
    case `return`
    /// 办理.
    case startHandling
    /// 延期 (延期审批); needs `deadline` (the promised extension) and `note` (its basis and reason).
    case extend
    /// 回复; needs `note`.
    case reply
    /// 回访; needs `level`; 不满意 or worse reopens.
    case returnVisit
    /// 办结/闭环.
    case close
    /// 回访核实.
    case verify
    /// 立行立改.
    case fixImmediately
    /// 限期整改; `deadline` optional, the region's default applies.
    case fixByDeadline
    /// 整改完成.
    case completeRectification
    /// 解释说明.
    case explain
    /// 申诉.
    case appeal
    /// 申诉成立; needs `notAdoptedReason`.
    case upholdAppeal
    /// 申诉不成立.
    case rejectAppeal
    /// 反馈.
    case giveFeedback
    /// The evaluator rates the feedback; needs `level`.
    case rateFeedback
    /// 受理 a tourism complaint.
    case accept
    /// 不予受理; needs `note`.
    case refuse
    /// 开始调解.
    case startMediation
    /// 调解成功.
    case recordAgreement
    /// 终止调解.
    case terminateMediation
    /// 更正: the source corrected the record with a higher revision; recorded by the gateway, never sent, and
    /// refused by every state machine. See `Case.corrected(by:recordedAt:policy:)`.
    case correct
    /// 催办: urging the handling unit; any open status, which it keeps; counted in `Handling.urgings`.
    case urge
    /// 督办: supervising the handling, by a body or a leader (领导督办); any open status, which it keeps; needs
    /// `note`; counted in `Handling.supervisions`.
    case supervise
    /// 退回审核: the centre reviews a unit's return; needs `review` and `note`. Upheld: back to the centre
    /// (received); overturned: back to the unit that returned it (dispatched).
    case reviewReturn
    /// 回访复核: the centre reviews a return visit before closing; needs `review` and `note`. Upheld keeps the
    /// status; overturned reverses the visit (reopened ↔ return visited).
    case reviewReturnVisit
    /// 重启流程: a closed work order's workflow starts again (received); needs `note`; `deadline` optional, the
    /// new handling deadline; counted in `Handling.restarts`.
    case restart
    /// 提醒 (差评提醒, 到期提醒): the gateway's clock reminds that `deadline` is near; keeps the status. Made by the
    /// gateway only (`isClock`), like the three below.
    case remind
    /// 超期: `deadline` has passed with the obligation unmet; keeps the status.
    case overdue
    /// 超期升级: still unmet a configured grace after `deadline`; `unit` is the supervising body it is escalated to.
    case escalate
    /// 默认评价到期未评: a service node's default-rating time (`deadline`) passed with no evaluation of it.
    case defaultRatingDue

    /// Whether the gateway's clocks make this action (never a source or a handler): it records time and never
    /// moves a case.
    public var isClock: Bool {
        switch self {
        case .remind, .overdue, .escalate, .defaultRatingDue: true
        default: false
        }
    }
}

/// Whether a reviewed step stands (退回审核, 回访复核).
public enum ReviewResult: String, Sendable, Hashable, CaseIterable, Codable {
    /// The step stands: the return is approved, the visit confirmed.
    case upheld
    /// The step is overturned: the return rejected, the visit's result reversed.
    case overturned
}

/// One lifecycle action with its data.
public struct LifecycleAction: Sendable, Hashable, Codable {
    /// What to do.
    public var kind: LifecycleActionKind
    /// Target unit, for dispatch and transfer.
    public var unit: String
    /// New deadline, for extend and fix-by-deadline.
    public var deadline: Date?
    /// Level, for a return visit or a rating of feedback.
    public var level: SatisfactionLevel?
    /// Reason, for an upheld appeal.
    public var notAdoptedReason: NotAdoptedReason?
    /// Reply, reason, finding, measures or opinion.
    public var note: String
    /// How feedback was delivered.
    public var feedbackMethod: FeedbackMethod?
    /// For a return visit: whether the requester considers the matter resolved.
    public var resolved: Bool
    /// For a return visit: how the matter ended, when the source says.
    public var outcome: RequestOutcome?
    /// For a return visit: why the requester is dissatisfied.
    public var dissatisfactionReason: String
    /// For a return visit: the satisfaction as the source coded it.
    public var sourceSatisfaction: String
    /// For a supervision: a leader supervises (领导督办).
    public var byLeader = false
    /// For dispatch and transfer: co-handling units (协办单位) beside the lead unit in `unit`.
    public var coUnits: [String] = []
    /// For dispatch and transfer: the units handle it jointly (联合办理).
    public var joint = false
    /// For an extension: the time limit laws and regulations set (法律法规规定的时限).
    public var statutoryLimit: TimeLimit?
    /// For a review of a return or of a return visit: whether the reviewed step stands.
    public var review: ReviewResult?

    public init(
        _ kind: LifecycleActionKind, unit: String = "", deadline: Date? = nil, level: SatisfactionLevel? = nil,
        notAdoptedReason: NotAdoptedReason? = nil, note: String = "", feedbackMethod: FeedbackMethod? = nil,
        resolved: Bool = false, outcome: RequestOutcome? = nil, dissatisfactionReason: String = "",
        sourceSatisfaction: String = ""
    ) {
        self.kind = kind
        self.unit = unit
        self.deadline = deadline
        self.level = level
        self.notAdoptedReason = notAdoptedReason
        self.note = note
        self.feedbackMethod = feedbackMethod
        self.resolved = resolved
        self.outcome = outcome
        self.dissatisfactionReason = dissatisfactionReason
        self.sourceSatisfaction = sourceSatisfaction
    }

    /// The action's own required data, by kind: every missing item, with its field path under `field`.
    public func violations(at field: String = "action") -> [FieldViolation] {
        func missing(_ name: String, _ why: String) -> FieldViolation {
            FieldViolation(field: "\(field).\(name)", rule: .required, message: "\(kind.rawValue) needs \(why)")
        }
        switch kind {
        case .dispatch, .transfer:
            var found = unit.isBlank ? [missing("unit", "the target unit")] : []
            if coUnits.count > 5 {
                found.append(
                    FieldViolation(
                        field: "\(field).co_units", rule: .maxLength,
                        message: "names \(coUnits.count) co-handling units, at most 5 allowed"))
            }
            for (index, co) in coUnits.enumerated() where co.isBlank || co == unit {
                found.append(
                    FieldViolation(
                        field: "\(field).co_units[\(index)]", rule: .inconsistent,
                        message: co.isBlank ? "is empty" : "is the lead unit: a unit leads or assists, not both"))
            }
            return found
        case .return, .refuse:
            return note.isBlank ? [missing("note", "the reason")] : []
        case .reply:
            return note.isBlank ? [missing("note", "the reply")] : []
        case .extend:
            var found = deadline == nil ? [missing("deadline", "the new deadline")] : []
            if note.isBlank { found.append(missing("note", "its basis and reason (延长时限的依据和理由)")) }
            if let limit = statutoryLimit {
                if limit.value < 1 { found.append(missing("statutory_limit.value", "at least one unit")) }
                if limit.unit == nil { found.append(missing("statutory_limit.unit", "the limit's unit")) }
            }
            return found
        case .returnVisit, .rateFeedback:
            return level == nil ? [missing("level", "a satisfaction level")] : []
        case .upholdAppeal:
            return notAdoptedReason == nil ? [missing("not_adopted_reason", "mistaken or malicious")] : []
        case .supervise:
            return note.isBlank ? [missing("note", "the supervision's instruction (督办意见)")] : []
        case .reviewReturn, .reviewReturnVisit:
            var found = review == nil ? [missing("review", "its result: upheld or overturned")] : []
            if note.isBlank { found.append(missing("note", "the review's opinion (审核意见)")) }
            return found
        case .restart:
            return note.isBlank ? [missing("note", "the reason the workflow starts again")] : []
        default:
            return []
        }
    }
}

extension String {
    /// Empty or only whitespace.
    var isBlank: Bool { allSatisfy(\.isWhitespace) }
}

extension LifecycleAction {
    enum CodingKeys: String, CodingKey {
        case kind, unit, deadline, level, notAdoptedReason, note, feedbackMethod, resolved, outcome
        case dissatisfactionReason, sourceSatisfaction, byLeader, coUnits, joint, statutoryLimit, review
    }

    /// Decodes v1 JSON (payloads and `case_events`, `Schema`'s v2 and v4 migrations), which had no outcome,
    /// reason or source scale.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            try c.decode(LifecycleActionKind.self, forKey: .kind), unit: try c.decode(String.self, forKey: .unit),
            deadline: try c.decodeIfPresent(Date.self, forKey: .deadline),
            level: try c.decodeIfPresent(SatisfactionLevel.self, forKey: .level),
            notAdoptedReason: try c.decodeIfPresent(NotAdoptedReason.self, forKey: .notAdoptedReason),
            note: try c.decode(String.self, forKey: .note),
            feedbackMethod: try c.decodeIfPresent(FeedbackMethod.self, forKey: .feedbackMethod),
            resolved: try c.decode(Bool.self, forKey: .resolved),
            outcome: try c.decodeIfPresent(RequestOutcome.self, forKey: .outcome),
            dissatisfactionReason: try c.decodeIfPresent(String.self, forKey: .dissatisfactionReason) ?? "",
            sourceSatisfaction: try c.decodeIfPresent(String.self, forKey: .sourceSatisfaction) ?? "")
        byLeader = try c.decodeIfPresent(Bool.self, forKey: .byLeader) ?? false
        coUnits = try c.decodeIfPresent([String].self, forKey: .coUnits) ?? []
        joint = try c.decodeIfPresent(Bool.self, forKey: .joint) ?? false
        statutoryLimit = try c.decodeIfPresent(TimeLimit.self, forKey: .statutoryLimit)
        review = try c.decodeIfPresent(ReviewResult.self, forKey: .review)
    }
}

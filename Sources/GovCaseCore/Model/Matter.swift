import Foundation

/// The type of a government service item (事项类型), as the national item list classes it (taskType).
public enum ItemType: String, Sendable, Hashable, CaseIterable, Codable, CodeTableValue {
    /// Administrative licence (行政许可).
    case licence
    /// Administrative payment (行政给付).
    case payment
    /// Administrative confirmation (行政确认).
    case confirmation
    /// Administrative reward (行政奖励).
    case reward
    /// Administrative adjudication (行政裁决).
    case adjudication
    /// Other administrative power (其他行政权力).
    case otherPower
    /// Public service (公共服务).
    case publicService
    /// Other (其它).
    case other
}

/// Where a handled matter stands (办件状态, proStatus).
public enum MatterStatus: String, Sendable, Hashable, CaseIterable, Codable, CodeTableValue {
    /// Submitted, not yet accepted (待受理).
    case pending
    /// Accepted (已受理).
    case accepted
    /// Completed (已办结).
    case completed
}

/// How a matter is handled against time (办件类型): at once, or within a promised limit.
public enum MatterKind: String, Sendable, Hashable, CaseIterable, Codable, CodeTableValue {
    /// 即办件.
    case immediate
    /// 承诺件.
    case promised
}

/// The unit of a time limit (时限单位).
public enum TimeLimitUnit: String, Sendable, Hashable, CaseIterable, Codable, CodeTableValue {
    /// 自然日.
    case naturalDays
    /// 工作日.
    case workingDays
    /// 月.
    case months
    /// 年.
    case years
}

/// A time limit (办理时限): so many units.
public struct TimeLimit: Sendable, Hashable, Codable {
    public var value: Int
    public var unit: TimeLimitUnit?

    public init(value: Int, unit: TimeLimitUnit?) {
        self.value = value
        self.unit = unit
    }
}

/// Online or at a hall (办理渠道, proChannel).
public enum HandlingChannel: String, Sendable, Hashable, CaseIterable, Codable, CodeTableValue {
    /// 线上.
    case online
    /// 线下.
    case offline
}

/// The handled matter (办件) as the source records it. Its completion time is the evaluation's
/// `serviceDeliveredAt` (办结时间), where a case has one.
public struct Matter: Sendable, Hashable, Codable {
    public var status: MatterStatus?
    /// When the matter was accepted (受理时间): required once it is accepted.
    public var acceptedAt: Date?
    public var kind: MatterKind?
    /// The promised limit (承诺时限): required for a promised matter.
    public var promisedLimit: TimeLimit?
    /// The statutory limit (法定时限).
    public var statutoryLimit: TimeLimit?
    public var handlingChannel: HandlingChannel?
    /// The official who handled it (经办人) and their staff number: public servants in office, not sensitive.
    public var handlerName: String
    public var handlerNumber: String
    /// The section that handled it (科室).
    public var officeCode: String
    public var officeName: String
    /// When the matter was completed (办结时间): required once it is completed, where the case does not carry it
    /// as an evaluation's `serviceDeliveredAt`.
    public var completedAt: Date?

    public init(
        status: MatterStatus? = nil, acceptedAt: Date? = nil, kind: MatterKind? = nil,
        promisedLimit: TimeLimit? = nil, statutoryLimit: TimeLimit? = nil, handlingChannel: HandlingChannel? = nil,
        handlerName: String = "", handlerNumber: String = "", officeCode: String = "", officeName: String = "",
        completedAt: Date? = nil
    ) {
        self.status = status
        self.acceptedAt = acceptedAt
        self.kind = kind
        self.promisedLimit = promisedLimit
        self.statutoryLimit = statutoryLimit
        self.handlingChannel = handlingChannel
        self.handlerName = handlerName
        self.handlerNumber = handlerNumber
        self.officeCode = officeCode
        self.officeName = officeName
        self.completedAt = completedAt
    }
}

/// Whom an evaluated member of staff serves (被评价人类型).
public enum EvaluatedPersonRole: String, Sendable, Hashable, CaseIterable, Codable, CodeTableValue {
    /// Window staff (窗口人员).
    case window
    /// Back-office staff (后台人员).
    case backOffice
}

/// A member of staff an evaluation rates (被评价人); public servants in office, so not sensitive.
public struct EvaluatedPerson: Sendable, Hashable, Codable {
    public var role: EvaluatedPersonRole?
    /// Staff number or login name (工号): required.
    public var staffNumber: String
    public var name: String
    /// Section (科室).
    public var office: String

    public init(role: EvaluatedPersonRole?, staffNumber: String, name: String = "", office: String = "") {
        self.role = role
        self.staffNumber = staffNumber
        self.name = name
        self.office = office
    }
}

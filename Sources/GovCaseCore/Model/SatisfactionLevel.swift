/// The five evaluation levels; raw values match the national 好差评 standard, where 5 is best.
public enum SatisfactionLevel: Int, Sendable, Hashable, CaseIterable, Comparable, Codable {
    /// 非常不满意 (很差).
    case veryDissatisfied = 1
    /// 不满意 (差).
    case dissatisfied = 2
    /// 基本满意 (一般); also the default rating.
    case basicallySatisfied = 3
    /// 满意 (好).
    case satisfied = 4
    /// 非常满意 (很好).
    case verySatisfied = 5

    /// 不满意 and 非常不满意 are bad reviews (差评).
    public var isBadReview: Bool { self <= .dissatisfied }

    /// 基本满意 and better count as good reviews (好评).
    public var isGoodReview: Bool { !isBadReview }

    /// The official Chinese name.
    public var chineseName: String {
        switch self {
        case .veryDissatisfied: "非常不满意"
        case .dissatisfied: "不满意"
        case .basicallySatisfied: "基本满意"
        case .satisfied: "满意"
        case .verySatisfied: "非常满意"
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Reads a level sent on the wire, where anything outside 1–5 is a violation of rule `level` at `field`.
    public static func parse(_ raw: Int, field: String) -> Result<SatisfactionLevel, FieldViolation> {
        guard let level = SatisfactionLevel(rawValue: raw) else {
            return .failure(FieldViolation(field: field, rule: .level, message: "level must be 1–5, got \(raw)"))
        }
        return .success(level)
    }
}

import Foundation

/// How an evaluation came to exist.
public enum EvaluationOrigin: String, Sendable, Hashable, CaseIterable, Codable {
    /// Given by the evaluator (主动评价).
    case active
    /// Default 基本满意 after the region's period without an evaluation (默认评价).
    case `default`
    /// Later supplementary evaluation of an on-site service (补充评价).
    case supplementary
    /// Back-filled by a system (系统补报) for a handled matter that had no evaluation: no person gave it.
    case backfilled
}

/// Dimensions of the national evaluation template (评价维度).
public enum EvaluationDimension: String, Sendable, Hashable, CaseIterable, Codable {
    /// 服务事项管理.
    case itemManagement
    /// 办事流程.
    case procedure
    /// 服务效率.
    case efficiency
    /// 服务水平.
    case serviceLevel
    /// 服务态度.
    case attitude
    /// 服务便民度.
    case convenience
}

/// A level given to one dimension.
public struct DimensionRating: Sendable, Hashable, Codable {
    /// The dimension.
    public var dimension: EvaluationDimension?
    /// Its level.
    public var level: SatisfactionLevel?

    public init(dimension: EvaluationDimension?, level: SatisfactionLevel?) {
        self.dimension = dimension
        self.level = level
    }
}

/// The online questionnaire of 网上"一事一评"; `nil` answers were not given.
public struct Questionnaire: Sendable, Hashable, Codable {
    /// 服务指引是否清晰.
    public var guidanceClear: Bool?
    /// 办事程序是否便利.
    public var procedureConvenient: Bool?
    /// 材料手续是否精简.
    public var paperworkLean: Bool?
    /// 操作界面是否友好.
    public var interfaceFriendly: Bool?
    /// 有何改进意见.
    public var improvementSuggestion: String

    public init(
        guidanceClear: Bool? = nil, procedureConvenient: Bool? = nil, paperworkLean: Bool? = nil,
        interfaceFriendly: Bool? = nil, improvementSuggestion: String = ""
    ) {
        self.guidanceClear = guidanceClear
        self.procedureConvenient = procedureConvenient
        self.paperworkLean = paperworkLean
        self.interfaceFriendly = interfaceFriendly
        self.improvementSuggestion = improvementSuggestion
    }
}

/// One evaluation of a service (好差评).
public struct Evaluation: Sendable, Hashable, Codable {
    /// Overall level; required.
    public var level: SatisfactionLevel?
    /// Levels per dimension.
    public var dimensions: [DimensionRating]
    /// Questionnaire answers, when given.
    public var questionnaire: Questionnaire?
    /// Detail items chosen (评价详情/差评原因), as the source's codes or labels.
    public var detailItems: [String]
    /// Free text (文字评价).
    public var text: String
    /// Active, default or supplementary.
    public var origin: EvaluationOrigin?
    /// When given; required.
    public var evaluatedAt: Date?
    /// When the service was delivered; starts the default-rating period.
    public var serviceDeliveredAt: Date?
    /// Version of the detail-code list (evaversion); when set, detail items are codes led by their level digit.
    public var detailVersion: String
    /// The source marked the evaluation invalid (无效评价): stored, left out of statistics.
    public var invalidAtSource: Bool
    /// The source's data-source code (数据来源), as sent.
    public var dataSource: String

    public init(
        level: SatisfactionLevel?, dimensions: [DimensionRating] = [], questionnaire: Questionnaire? = nil,
        detailItems: [String] = [], text: String = "", origin: EvaluationOrigin? = .active,
        evaluatedAt: Date?, serviceDeliveredAt: Date? = nil, detailVersion: String = "",
        invalidAtSource: Bool = false, dataSource: String = ""
    ) {
        self.level = level
        self.dimensions = dimensions
        self.questionnaire = questionnaire
        self.detailItems = detailItems
        self.text = text
        self.origin = origin
        self.evaluatedAt = evaluatedAt
        self.serviceDeliveredAt = serviceDeliveredAt
        self.detailVersion = detailVersion
        self.invalidAtSource = invalidAtSource
        self.dataSource = dataSource
    }

    /// Whether this is a bad review (不满意 or 非常不满意).
    public var isBadReview: Bool { level?.isBadReview ?? false }
}

extension Evaluation {
    enum CodingKeys: String, CodingKey {
        case level, dimensions, questionnaire, detailItems, text, origin, evaluatedAt, serviceDeliveredAt
        case detailVersion, invalidAtSource, dataSource
    }

    /// Decodes v1 JSON payloads (`Schema`'s v2 migration), which had no detail version, validity or data source.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            level: try c.decodeIfPresent(SatisfactionLevel.self, forKey: .level),
            dimensions: try c.decode([DimensionRating].self, forKey: .dimensions),
            questionnaire: try c.decodeIfPresent(Questionnaire.self, forKey: .questionnaire),
            detailItems: try c.decode([String].self, forKey: .detailItems),
            text: try c.decode(String.self, forKey: .text),
            origin: try c.decodeIfPresent(EvaluationOrigin.self, forKey: .origin),
            evaluatedAt: try c.decodeIfPresent(Date.self, forKey: .evaluatedAt),
            serviceDeliveredAt: try c.decodeIfPresent(Date.self, forKey: .serviceDeliveredAt),
            detailVersion: try c.decodeIfPresent(String.self, forKey: .detailVersion) ?? "",
            invalidAtSource: try c.decodeIfPresent(Bool.self, forKey: .invalidAtSource) ?? false,
            dataSource: try c.decodeIfPresent(String.self, forKey: .dataSource) ?? "")
    }
}

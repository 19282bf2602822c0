import Foundation

/// What is being evaluated (评价对象类型).
public enum EvaluatedObjectKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// Hall, centre or window (服务机构).
    case organisation
    /// Web site, app, terminal or hotline (服务平台).
    case platform
    /// An individual staff member (工作人员).
    case staff
}

/// An organisation that implements or handles a service (实施机构/承办单位).
public struct Organisation: Sendable, Hashable, Codable {
    /// Official name.
    public var name: String
    /// Unified social credit code (统一社会信用代码), GB 32100.
    public var creditCode: String

    public init(name: String = "", creditCode: String = "") {
        self.name = name
        self.creditCode = creditCode
    }
}

/// The government service evaluated or concerned.
public struct ServiceReference: Sendable, Hashable, Codable {
    /// Item code in the national item list (事项编码).
    public var itemCode: String
    /// Item name (事项名称).
    public var itemName: String
    /// Handled-matter id (办件编号).
    public var matterID: String
    /// Implementing organisation (实施机构).
    public var organisation: Organisation
    /// Service window (窗口).
    public var window: String
    /// Staff work id (工号).
    public var staffID: String
    /// Staff name; public servants in office, not sensitive.
    public var staffName: String
    /// Channel of delivery or evaluation.
    public var channel: Channel?
    /// What is evaluated.
    public var objectKind: EvaluatedObjectKind?
    /// The service node of the matter (一事多评), when the source names one.
    public var node: ServiceNode?
    /// Business handling item code (业务办理项编码): 33 digits or capital letters.
    public var handleItemCode = ""
    /// The item's type (事项类型).
    public var itemType: ItemType?
    /// The item's subject (事项主题).
    public var itemSubject = ""
    /// The item's version in the item list (事项版本), kept as sent.
    public var itemVersion = ""
    /// The handled matter (办件信息), when the source gives it.
    public var matter: Matter?
    /// The staff rated (被评价人), window and back office; `staffID`/`staffName` name one where a source has only one.
    public var evaluatedPeople: [EvaluatedPerson] = []
    /// The evaluator device's number (评价器编号).
    public var deviceNumber = ""
    /// The service hall (办事大厅编码), beside `window`: a window number is unique only within its hall.
    public var hallCode = ""

    public init(
        itemCode: String = "", itemName: String = "", matterID: String = "", organisation: Organisation = .init(),
        window: String = "", staffID: String = "", staffName: String = "", channel: Channel? = nil,
        objectKind: EvaluatedObjectKind? = nil, node: ServiceNode? = nil
    ) {
        self.itemCode = itemCode
        self.itemName = itemName
        self.matterID = matterID
        self.organisation = organisation
        self.window = window
        self.staffID = staffID
        self.staffName = staffName
        self.channel = channel
        self.objectKind = objectKind
        self.node = node
    }
}

extension ServiceReference {
    enum CodingKeys: String, CodingKey {
        case itemCode, itemName, matterID, organisation, window, staffID, staffName, channel, objectKind, node
        case handleItemCode, itemType, itemSubject, itemVersion, matter, evaluatedPeople, deviceNumber, hallCode
    }

    /// Decodes payloads written before the item, matter and evaluated-staff fields (they read as empty).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            itemCode: try c.decode(String.self, forKey: .itemCode),
            itemName: try c.decode(String.self, forKey: .itemName),
            matterID: try c.decode(String.self, forKey: .matterID),
            organisation: try c.decode(Organisation.self, forKey: .organisation),
            window: try c.decode(String.self, forKey: .window), staffID: try c.decode(String.self, forKey: .staffID),
            staffName: try c.decode(String.self, forKey: .staffName),
            channel: try c.decodeIfPresent(Channel.self, forKey: .channel),
            objectKind: try c.decodeIfPresent(EvaluatedObjectKind.self, forKey: .objectKind),
            node: try c.decodeIfPresent(ServiceNode.self, forKey: .node))
        handleItemCode = try c.decodeIfPresent(String.self, forKey: .handleItemCode) ?? ""
        itemType = try c.decodeIfPresent(ItemType.self, forKey: .itemType)
        itemSubject = try c.decodeIfPresent(String.self, forKey: .itemSubject) ?? ""
        itemVersion = try c.decodeIfPresent(String.self, forKey: .itemVersion) ?? ""
        matter = try c.decodeIfPresent(Matter.self, forKey: .matter)
        evaluatedPeople = try c.decodeIfPresent([EvaluatedPerson].self, forKey: .evaluatedPeople) ?? []
        deviceNumber = try c.decodeIfPresent(String.self, forKey: .deviceNumber) ?? ""
        hallCode = try c.decodeIfPresent(String.self, forKey: .hallCode) ?? ""
    }
}

/// One step of a handled matter at which the applicant was served and may evaluate (一事多评). Each evaluation is
/// its own case naming its node; one evaluation per (matter, node).
public struct ServiceNode: Sendable, Hashable, Codable {
    /// 1 for the first service … at most 99 (服务次序).
    public var number: Int
    /// E.g. 咨询, 申报, 受理, 办结 (服务名称).
    public var name: String
    /// When the service was given (服务时间).
    public var servedAt: Date?

    public init(number: Int, name: String = "", servedAt: Date? = nil) {
        self.number = number
        self.name = name
        self.servedAt = servedAt
    }
}

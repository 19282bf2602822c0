import Foundation

/// Handling track of a request; mediation and law enforcement are kept apart from satisfaction rates.
public enum HandlingTrack: String, Sendable, Hashable, CaseIterable, Codable {
    /// Ordinary handling by a designated unit.
    case ordinary
    /// Mediation of a dispute (调解), e.g. a tourism complaint.
    case mediation
    /// Administrative law enforcement (执法), e.g. a culture-market violation report.
    case lawEnforcement

    /// Whether cases on this track are reported apart from satisfaction rates (不片面追求满意率).
    public var isSetApartFromSatisfaction: Bool { self != .ordinary }
}

/// Where the matter took place (事发地点).
public struct Location: Sendable, Hashable, Codable {
    /// Six-digit division code of the place.
    public var regionCode: String
    /// Street address.
    public var address: String
    /// WGS-84 longitude, when known.
    public var longitude: Double?
    /// WGS-84 latitude, when known.
    public var latitude: Double?
    /// Street or township (街道/乡镇), in the source's words.
    public var street: String = ""
    /// Community or village (社区/村), in the source's words.
    public var community: String = ""

    public init(
        regionCode: String = "", address: String = "", longitude: Double? = nil, latitude: Double? = nil,
        street: String = "", community: String = ""
    ) {
        self.regionCode = regionCode
        self.address = address
        self.longitude = longitude
        self.latitude = latitude
        self.street = street
        self.community = community
    }
}

/// How urgent a request is (紧急程度), as 12345 platforms grade it.
public enum Urgency: String, Sendable, Hashable, CaseIterable, Codable {
    /// Ordinary (一般).
    case normal
    /// Urgent (紧急).
    case urgent
    /// Very urgent (特急): a matter of safety or of many people.
    case veryUrgent
}

/// The substance of a citizen's request (诉求).
public struct Request: Sendable, Hashable, Codable {
    /// Short title (标题).
    public var title: String
    /// What the requester said (诉求内容); required.
    public var content: String
    /// Business category, in the source's vocabulary.
    public var category: String
    /// Whether it alleges a violation (是否涉嫌违法违规).
    public var allegesViolation: Bool
    /// Handling track.
    public var track: HandlingTrack
    /// Who the report or complaint is about.
    public var respondent: Respondent?
    /// What the requester asks for (诉求请求).
    public var demand: String
    /// Where it took place.
    public var location: Location?
    /// When it took place.
    public var occurredAt: Date?
    /// The evaluation this request was opened from (差评工单), by its evaluation id at the source.
    public var originEvaluationID: String = ""
    /// The source's classification from the first level down (一级分类 … 四级分类); `category` is the finest.
    public var categoryLevels: [String] = []
    /// How urgent the source rated it (紧急程度); `nil` when it did not say.
    public var urgency: Urgency?
    /// For a tourism complaint: the day the travel contract ended (旅游合同终止日期), `YYYY-MM-DD`, China time.
    public var contractEndedOn = ""
    /// Files attached (附件), by reference.
    public var attachments: [Attachment] = []

    public init(
        title: String = "", content: String, category: String = "", allegesViolation: Bool = false,
        track: HandlingTrack = .ordinary, respondent: Respondent? = nil, demand: String = "",
        location: Location? = nil, occurredAt: Date? = nil
    ) {
        self.title = title
        self.content = content
        self.category = category
        self.allegesViolation = allegesViolation
        self.track = track
        self.respondent = respondent
        self.demand = demand
        self.location = location
        self.occurredAt = occurredAt
    }
}

extension Request {
    enum CodingKeys: String, CodingKey {
        case title, content, category, allegesViolation, track, respondent, demand, location, occurredAt
        case originEvaluationID, categoryLevels, urgency, contractEndedOn, attachments
    }

    /// Decodes v1 JSON payloads (`Schema`'s v2 migration), which had no origin evaluation, classification
    /// levels or urgency.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            title: try c.decode(String.self, forKey: .title), content: try c.decode(String.self, forKey: .content),
            category: try c.decode(String.self, forKey: .category),
            allegesViolation: try c.decode(Bool.self, forKey: .allegesViolation),
            track: try c.decode(HandlingTrack.self, forKey: .track),
            respondent: try c.decodeIfPresent(Respondent.self, forKey: .respondent),
            demand: try c.decode(String.self, forKey: .demand),
            location: try c.decodeIfPresent(Location.self, forKey: .location),
            occurredAt: try c.decodeIfPresent(Date.self, forKey: .occurredAt))
        originEvaluationID = try c.decodeIfPresent(String.self, forKey: .originEvaluationID) ?? ""
        categoryLevels = try c.decodeIfPresent([String].self, forKey: .categoryLevels) ?? []
        urgency = try c.decodeIfPresent(Urgency.self, forKey: .urgency)
        contractEndedOn = try c.decodeIfPresent(String.self, forKey: .contractEndedOn) ?? ""
        attachments = try c.decodeIfPresent([Attachment].self, forKey: .attachments) ?? []
    }
}

extension Location {
    enum CodingKeys: String, CodingKey { case regionCode, address, longitude, latitude, street, community }

    /// Decodes v1 JSON payloads (`Schema`'s v2 migration), which had no street or community.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            regionCode: try c.decode(String.self, forKey: .regionCode),
            address: try c.decode(String.self, forKey: .address),
            longitude: try c.decodeIfPresent(Double.self, forKey: .longitude),
            latitude: try c.decodeIfPresent(Double.self, forKey: .latitude),
            street: try c.decodeIfPresent(String.self, forKey: .street) ?? "",
            community: try c.decodeIfPresent(String.self, forKey: .community) ?? "")
    }
}

/// A file attached to a request, by reference: where the source keeps it, never its content (附件).
public struct Attachment: Sendable, Hashable, Codable {
    public var name: String
    /// An absolute URI.
    public var uri: String
    public var mediaType: String
    public var sizeBytes: UInt64
    /// SHA-256 of the content, 64 lowercase hexadecimal digits, or empty.
    public var sha256: String

    public init(name: String, uri: String, mediaType: String = "", sizeBytes: UInt64 = 0, sha256: String = "") {
        self.name = name
        self.uri = uri
        self.mediaType = mediaType
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
    }
}

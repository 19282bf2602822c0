/// Kind of party (评价主体/诉求主体类型).
public enum PartyKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// Natural person (自然人).
    case naturalPerson
    /// Legal person (法人).
    case legalPerson
    /// Other organisation (其他组织).
    case otherOrganisation
    /// Public institution (事业法人).
    case publicInstitution
    /// Social organisation (社会组织法人).
    case socialOrganisation
    /// Unincorporated enterprise (非法人企业).
    case unincorporatedEnterprise
    /// Government body (行政机关).
    case governmentBody
}

/// Type of identity document (证件类型).
public enum IdentityDocumentType: String, Sendable, Hashable, CaseIterable, Codable {
    /// Resident identity card (居民身份证), checked against GB 11643.
    case residentIDCard
    /// Passport (护照).
    case passport
    /// Mainland travel permit for Hong Kong and Macao residents (港澳居民来往内地通行证).
    case hkMacaoPermit
    /// Mainland travel permit for Taiwan residents (台湾居民来往大陆通行证).
    case taiwanPermit
    /// Foreigner's permanent residence ID card (外国人永久居留身份证).
    case foreignPermanentResident
    /// Unified social credit code of an organisation (统一社会信用代码), checked against GB 32100.
    case unifiedSocialCreditCode
    /// Organisation code (组织机构代码): GB 11714's 9 characters, or the unified social credit code replacing it.
    case organisationCode
    /// Business licence (营业执照).
    case businessLicence
    /// Military officer's card (军官证).
    case militaryOfficerCard
    /// Soldier's card (士兵证).
    case soldierCard
    /// Another document (其他证件).
    case other
}

/// The evaluator or requester (评价人/诉求人). `name`, `phone` and `documentNumber` are sensitive:
/// never log them, and mask them for callers without the privacy-reader role.
public struct Party: Sendable, Hashable, Codable {
    /// Kind of party.
    public var kind: PartyKind?
    /// Whether the party identified themselves (实名).
    public var realName: Bool
    /// Name (姓名/名称). Sensitive.
    public var name: String
    /// Mainland mobile or landline number (联系电话); a mobile as its 11 digits (`PhoneNumber.normalized`).
    /// Sensitive.
    public var phone: String
    /// Type of `documentNumber`.
    public var documentType: IdentityDocumentType?
    /// Identity document number (证件号码). Sensitive.
    public var documentNumber: String
    /// The national identity system's key (certKey): a hash of ID number and name, for statistics and
    /// de-duplication. Shown in masked views only, never beside the full name.
    public var identityKey: String
    /// Who acted for the party (代办人), if anyone did. Its name and document number are sensitive.
    public var agent: Agent?

    public init(
        kind: PartyKind? = nil, realName: Bool = false, name: String = "", phone: String = "",
        documentType: IdentityDocumentType? = nil, documentNumber: String = "", identityKey: String = "",
        agent: Agent? = nil
    ) {
        self.kind = kind
        self.realName = realName
        self.name = name
        self.phone = PhoneNumber.normalized(phone)
        self.documentType = documentType
        self.documentNumber = documentNumber
        self.identityKey = identityKey
        self.agent = agent
    }
}

/// A person acting for a party (代办人). `name` and `documentNumber` are sensitive.
public struct Agent: Sendable, Hashable, Codable {
    /// Name (姓名). Sensitive.
    public var name: String
    /// Type of `documentNumber`.
    public var documentType: IdentityDocumentType?
    /// Identity document number (证件号码). Sensitive.
    public var documentNumber: String

    public init(name: String = "", documentType: IdentityDocumentType? = nil, documentNumber: String = "") {
        self.name = name
        self.documentType = documentType
        self.documentNumber = documentNumber
    }
}

/// The party a report or complaint is about (被举报/被投诉对象).
public struct Respondent: Sendable, Hashable, Codable {
    /// Name (名称).
    public var name: String
    /// Unified social credit code, when an organisation.
    public var creditCode: String
    /// Business address.
    public var address: String
    /// Trade, in the source's vocabulary.
    public var trade: String

    public init(name: String = "", creditCode: String = "", address: String = "", trade: String = "") {
        self.name = name
        self.creditCode = creditCode
        self.address = address
        self.trade = trade
    }
}

extension Party {
    enum CodingKeys: String, CodingKey {
        case kind, realName, name, phone, documentType, documentNumber, identityKey, agent
    }

    /// Decodes v1 JSON payloads (`Schema`'s v2 migration), which had no identity key.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            kind: try c.decodeIfPresent(PartyKind.self, forKey: .kind),
            realName: try c.decode(Bool.self, forKey: .realName), name: try c.decode(String.self, forKey: .name),
            phone: try c.decode(String.self, forKey: .phone),
            documentType: try c.decodeIfPresent(IdentityDocumentType.self, forKey: .documentType),
            documentNumber: try c.decode(String.self, forKey: .documentNumber),
            identityKey: try c.decodeIfPresent(String.self, forKey: .identityKey) ?? "",
            agent: try c.decodeIfPresent(Agent.self, forKey: .agent))
    }
}

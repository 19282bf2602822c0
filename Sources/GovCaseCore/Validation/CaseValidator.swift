import Foundation

/// Checks a case against every rule and returns all violations at once, in field order.
public struct CaseValidator: Sendable {
    /// Time and limits.
    public var context: ValidationContext

    public init(context: ValidationContext) { self.context = context }

    /// Every violation in `c`; empty when it is valid.
    public func violations(in c: Case) -> [FieldViolation] {
        var check = Checker(context: context)
        check.required("source.external_id", c.source.externalID)
        check.maxLength("source.external_id", c.source.externalID, context.limits.shortText)
        check.regionCode("region_code", c.regionCode)
        check.service(c.service, kind: c.kind)
        check.serviceDetails(c)
        check.evaluation(c.evaluation, kind: c.kind)
        check.evaluationAfterService(c.evaluation, service: c.service)
        check.request(c.request, kind: c.kind)
        check.requester(c.requester, kind: c.kind)
        check.lifecycle(c)
        check.notInFuture("received_at", c.receivedAt, required: true)
        return check.found
    }

    /// Throws `CaseError.invalidArgument` with every violation unless `c` is valid.
    public func validate(_ c: Case) throws(CaseError) {
        let found = violations(in: c)
        if !found.isEmpty { throw CaseError.invalidArgument(found) }
    }
}

/// Accumulates violations; one method per part of the case.
private struct Checker {
    let context: ValidationContext
    var found: [FieldViolation] = []

    init(context: ValidationContext) { self.context = context }

    mutating func add(_ field: String, _ rule: ValidationRule, _ message: String) {
        found.append(FieldViolation(field: field, rule: rule, message: message))
    }

    mutating func required(_ field: String, _ value: String, _ why: String = "is required") {
        if value.isBlank { add(field, .required, why) }
    }

    mutating func required(_ field: String, _ value: (some Any)?, _ why: String = "is required") {
        if value == nil { add(field, .required, why) }
    }

    mutating func maxLength(_ field: String, _ value: String, _ limit: Int) {
        if value.count > limit { add(field, .maxLength, "is \(value.count) characters, at most \(limit) allowed") }
    }

    mutating func regionCode(_ field: String, _ value: String, required: Bool = true) {
        if value.isEmpty {
            if required { add(field, .required, "is required") }
        } else if !RegionCode.isValidInRecord(value) {
            add(
                field, .regionCode,
                "\"\(value)\" is not a division code: 6 digits (GB/T 2260) or 12 (the 6 padded with zeros, or a "
                    + "统计用区划代码), starting with a real province prefix")
        }
    }

    mutating func creditCode(_ field: String, _ value: String) {
        if !value.isEmpty, !UnifiedSocialCreditCode.isValid(value) {
            add(
                field, .creditCode,
                "\"\(value)\" is not a unified social credit code with a valid GB 32100 check character")
        }
    }

    /// Sensitive: the message never quotes the value.
    mutating func phone(_ field: String, _ value: String) {
        if !value.isEmpty, !PhoneNumber.isValid(value) {
            add(field, .phone, "is not a mainland mobile or landline number")
        }
    }

    mutating func notInFuture(_ field: String, _ time: Date?, required: Bool = false) {
        guard let time else {
            if required { add(field, .required, "is required") }
            return
        }
        if time > context.now.addingTimeInterval(context.clockSkew) {
            add(field, .futureTime, "is in the future beyond the allowed clock skew of \(Int(context.clockSkew)) s")
        }
    }

    mutating func service(_ s: ServiceReference, kind: CaseKind) {
        if kind == .evaluation {
            if s.itemCode.isBlank && s.matterID.isBlank {
                add("service.item_code", .required, "an evaluation needs the item code or the matter id")
            }
            required(
                "service.organisation.name", s.organisation.name,
                "is required for an evaluation: the organisation (实施机构) is what it rates, and statistics are kept by it")
        }
        if kind == .serviceNode {
            // A node pushed on its own: which step of which matter, and when it was served.
            if s.node == nil { add("service.node", .required, "a service-node case names its node") }
            if let node = s.node, node.servedAt == nil {
                add("service.node.served_at", .required, "is required: the default rating runs from it")
            }
        } else {
            required("service.channel", s.channel)
        }
        if let node = s.node {
            if !(1...99).contains(node.number) {
                add(
                    "service.node.number", .serviceNode,
                    "is \(node.number): a service node is numbered 1 for the first service, at most 99")
            }
            if s.matterID.isBlank {
                add("service.matter_id", .required, "is required with a service node: a node belongs to a matter")
            }
            maxLength("service.node.name", node.name, context.limits.shortText)
            notInFuture("service.node.served_at", node.servedAt)
        }
        for (field, value) in [
            ("service.item_code", s.itemCode), ("service.item_name", s.itemName), ("service.matter_id", s.matterID),
            ("service.organisation.name", s.organisation.name), ("service.window", s.window),
            ("service.staff_id", s.staffID), ("service.staff_name", s.staffName),
        ] {
            maxLength(field, value, context.limits.shortText)
        }
        creditCode("service.organisation.credit_code", s.organisation.creditCode)
    }

    /// Attachments are references: a name, an absolute URI, and a digest that can be checked when given.
    mutating func attachments(_ attachments: [Attachment]) {
        if attachments.count > 20 {
            add("request.attachments", .maxLength, "has \(attachments.count) attachments, at most 20 allowed")
        }
        for (index, a) in attachments.enumerated() {
            let at = "request.attachments[\(index)]"
            required("\(at).name", a.name)
            maxLength("\(at).name", a.name, context.limits.shortText)
            maxLength("\(at).media_type", a.mediaType, context.limits.shortText)
            if a.uri.isBlank {
                add("\(at).uri", .required, "is required: where the source keeps the file")
            } else if a.uri.utf8.count > 2000 || URLComponents(string: a.uri)?.scheme == nil {
                add("\(at).uri", .inconsistent, "is not an absolute URI of at most 2000 characters")
            }
            if !a.sha256.isEmpty,
                a.sha256.utf8.count != 64
                    || !a.sha256.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
            {
                add("\(at).sha256", .inconsistent, "is not a SHA-256 in 64 lowercase hexadecimal digits")
            }
        }
    }

    /// The item's codes, the handled matter and the staff rated (FIELDS.md §1.2–1.3): a status needs its dates,
    /// a promised matter its limit, a rated member of staff a number to be told apart by.
    mutating func serviceDetails(_ c: Case) {
        let s = c.service
        if !s.handleItemCode.isEmpty,
            s.handleItemCode.utf8.count != 33
                || !s.handleItemCode.utf8.allSatisfy({ (48...57).contains($0) || (65...90).contains($0) })
        {
            add(
                "service.handle_item_code", .itemCode,
                "\"\(s.handleItemCode)\" is not a business handling item code: 33 digits or capital letters")
        }
        for (field, value) in [
            ("service.item_subject", s.itemSubject), ("service.item_version", s.itemVersion),
            ("service.device_number", s.deviceNumber), ("service.hall_code", s.hallCode),
        ] {
            maxLength(field, value, context.limits.shortText)
        }
        for (index, person) in s.evaluatedPeople.enumerated() {
            let at = "service.evaluated_people[\(index)]"
            required("\(at).role", person.role, "is required: window or back-office staff")
            required("\(at).staff_number", person.staffNumber, "is required: staff are told apart by number, not name")
            for (field, value) in [
                ("staff_number", person.staffNumber), ("name", person.name), ("office", person.office),
            ] {
                maxLength("\(at).\(field)", value, context.limits.shortText)
            }
        }
        guard let m = s.matter else { return }
        if m.status == .accepted || m.status == .completed {
            required("service.matter.accepted_at", m.acceptedAt, "is required once the matter is accepted")
        }
        notInFuture("service.matter.accepted_at", m.acceptedAt)
        if m.status == .completed, c.kind == .evaluation {
            required(
                "evaluation.service_delivered_at", c.evaluation?.serviceDeliveredAt,
                "is required for a completed matter: when it was completed (办结时间)")
        } else if m.status == .completed {
            required(
                "service.matter.completed_at", m.completedAt,
                "is required for a completed matter: when it was completed (办结时间)")
        }
        notInFuture("service.matter.completed_at", m.completedAt)
        if let accepted = m.acceptedAt, let completed = m.completedAt, completed < accepted {
            add("service.matter.completed_at", .inconsistent, "is before the matter was accepted (accepted_at)")
        }
        if c.kind == .evaluation, let accepted = m.acceptedAt, let completed = c.evaluation?.serviceDeliveredAt,
            m.status == .completed, completed < accepted
        {
            add(
                "evaluation.service_delivered_at", .inconsistent,
                "is before the matter was accepted (service.matter.accepted_at)")
        }
        if m.kind == .promised {
            required("service.matter.promised_limit", m.promisedLimit, "is required for a promised matter (承诺件)")
        }
        for (field, limit) in [("promised_limit", m.promisedLimit), ("statutory_limit", m.statutoryLimit)] {
            guard let limit else { continue }
            if limit.value < 1 { add("service.matter.\(field).value", .required, "is at least one unit") }
            required("service.matter.\(field).unit", limit.unit)
        }
        for (field, value) in [
            ("handler_name", m.handlerName), ("handler_number", m.handlerNumber), ("office_code", m.officeCode),
            ("office_name", m.officeName),
        ] {
            maxLength("service.matter.\(field)", value, context.limits.shortText)
        }
    }

    mutating func evaluation(_ e: Evaluation?, kind: CaseKind) {
        if kind == .serviceNode, e != nil {
            add(
                "evaluation", .inconsistent, "a service node carries no evaluation: its evaluation is a case of its own"
            )
            return
        }
        guard let e else {
            if kind == .evaluation { add("evaluation", .required, "an evaluation case needs its evaluation") }
            return
        }
        required("evaluation.level", e.level)
        required("evaluation.origin", e.origin)
        for (index, rating) in e.dimensions.enumerated() {
            required("evaluation.dimensions[\(index)].dimension", rating.dimension)
            required("evaluation.dimensions[\(index)].level", rating.level)
        }
        if e.isBadReview, e.detailItems.isEmpty, e.text.isBlank {
            add("evaluation.detail_items", .badReviewDetail, "a bad review needs detail items or text")
        }
        for (index, item) in e.detailItems.enumerated() {
            required("evaluation.detail_items[\(index)]", item)
            maxLength("evaluation.detail_items[\(index)]", item, context.limits.shortText)
            // A versioned code list scopes each code to a level by its first digit (1xx … 5xx).
            if !e.detailVersion.isEmpty, let level = e.level, !item.isEmpty,
                !(item.allSatisfy { $0.isASCII && $0.isNumber } && item.first == Character("\(level.rawValue)"))
            {
                add(
                    "evaluation.detail_items[\(index)]", .detailLevel,
                    "\"\(item)\" is not a code of level \(level.rawValue) (\(level.chineseName)) in detail list "
                        + "\(e.detailVersion): its first digit must be the level")
            }
        }
        maxLength("evaluation.detail_version", e.detailVersion, 32)
        maxLength("evaluation.text", e.text, context.limits.evaluationText)
        if let q = e.questionnaire {
            maxLength(
                "evaluation.questionnaire.improvement_suggestion", q.improvementSuggestion,
                context.limits.evaluationText)
        }
        notInFuture("evaluation.evaluated_at", e.evaluatedAt, required: true)
        notInFuture("evaluation.service_delivered_at", e.serviceDeliveredAt)
    }

    /// An evaluation rates a service already given: one timed before the service it rates (the matter's
    /// completion, or the node's service time) is refused; times within the clock skew of each other pass, as
    /// sources round them to the minute.
    mutating func evaluationAfterService(_ e: Evaluation?, service: ServiceReference) {
        guard let e, let evaluated = e.evaluatedAt else { return }
        for (field, served) in [
            ("evaluation.service_delivered_at", e.serviceDeliveredAt), ("service.node.served_at", service.node?.servedAt),
        ] {
            // A service time in the future is refused as such already.
            guard let served, served <= context.now.addingTimeInterval(context.clockSkew),
                evaluated < served.addingTimeInterval(-context.clockSkew)
            else { continue }
            add("evaluation.evaluated_at", .inconsistent, "is before the service it rates (\(field))")
            return
        }
    }

    mutating func request(_ r: Request?, kind: CaseKind) {
        guard let r else {
            if kind.isRequest { add("request", .required, "a \(kind.rawValue) case needs its request") }
            return
        }
        if !kind.isRequest { add("request", .inconsistent, "a \(kind.rawValue) case carries no request") }
        required("request.content", r.content)
        maxLength("request.title", r.title, context.limits.title)
        maxLength("request.content", r.content, context.limits.content)
        maxLength("request.demand", r.demand, context.limits.content)
        maxLength("request.category", r.category, context.limits.shortText)
        // 一级 … 四级分类: deeper levels are not part of any hotline's published catalogue.
        if r.categoryLevels.count > 4 {
            add("request.category_levels", .maxLength, "has \(r.categoryLevels.count) levels, at most 4 allowed")
        }
        for (index, level) in r.categoryLevels.enumerated() {
            maxLength("request.category_levels[\(index)]", level, context.limits.shortText)
        }
        if !r.contractEndedOn.isEmpty, CivilDate(r.contractEndedOn) == nil {
            add("request.contract_ended_on", .civilDate, "\"\(r.contractEndedOn)\" is not a day YYYY-MM-DD")
        }
        attachments(r.attachments)
        if kind == .complaint || kind == .report {
            let respondent = r.respondent ?? Respondent()
            // A report may point at a place when the wrongdoer is unknown; a complaint always names its respondent.
            if respondent.name.isBlank && (kind == .complaint || (r.location?.address ?? "").isBlank) {
                add("request.respondent.name", .required, "a \(kind.rawValue) needs the party it is about")
            }
        }
        if let respondent = r.respondent {
            maxLength("request.respondent.name", respondent.name, context.limits.address)
            creditCode("request.respondent.credit_code", respondent.creditCode)
            maxLength("request.respondent.address", respondent.address, context.limits.address)
        }
        if let location = r.location {
            regionCode("request.location.region_code", location.regionCode, required: false)
            maxLength("request.location.address", location.address, context.limits.address)
            maxLength("request.location.street", location.street, context.limits.shortText)
            maxLength("request.location.community", location.community, context.limits.shortText)
        }
        notInFuture("request.occurred_at", r.occurredAt)
    }

    /// An identity document: its type is needed with a number, and the number must fit the type.
    mutating func document(_ typeField: String, _ numberField: String, _ type: IdentityDocumentType?, _ number: String)
    {
        if !number.isEmpty {
            switch type {
            case nil:
                add(typeField, .required, "a document number needs its document type")
            case .residentIDCard?:
                let today = CivilDate(context.now, utcOffsetSeconds: context.utcOffsetSeconds)
                if let problem = ResidentIDNumber.problem(with: number, today: today) {
                    add(numberField, .residentID, "is not a valid resident ID number: \(problem)")
                }
            case .unifiedSocialCreditCode?:
                if !UnifiedSocialCreditCode.isValid(number) {
                    add(
                        numberField, .creditCode,
                        "is not a unified social credit code with a valid check character")
                }
            case .organisationCode?:
                // GB 11714's 8 characters and a check character (often written with a hyphen before it), or the
                // unified social credit code that has replaced it.
                let code = number.replacingOccurrences(of: "-", with: "")
                let isOrganisationCode =
                    code.count == 9 && code.allSatisfy { $0.isASCII && ($0.isNumber || $0.isUppercase) }
                if !isOrganisationCode && !UnifiedSocialCreditCode.isValid(number) {
                    add(
                        numberField, .creditCode,
                        "is neither a 9-character organisation code (GB 11714) nor a unified social credit code")
                }
            default:
                maxLength(numberField, number, 32)
            }
        }
    }

    mutating func requester(_ p: Party?, kind: CaseKind) {
        // Anyone may stay anonymous: the hotline accepts anonymous requests, leaving a call-back number at most,
        // and whether a complaint body takes an anonymous complaint is its decision, recorded in the case, not a
        // refusal here (POLICY.md §4). A party that gives its identity (real_name) is held to it.
        guard let p else { return }
        required("requester.kind", p.kind)
        if p.realName {
            required("requester.name", p.name, "is required when real_name is set (实名): a real-name party is named")
            if kind == .complaint || kind == .helpRequest {
                required(
                    "requester.phone", p.phone,
                    "is required for a real-name \(kind.rawValue): the handling body answers it by phone (回复); "
                        + "an anonymous caller (real_name false) may leave none")
            }
        }
        maxLength("requester.name", p.name, context.limits.shortText)
        phone("requester.phone", p.phone)
        document("requester.document_type", "requester.document_number", p.documentType, p.documentNumber)
        if let agent = p.agent {
            required("requester.agent.name", agent.name, "is required: an agent (代办人) acts by name")
            maxLength("requester.agent.name", agent.name, context.limits.shortText)
            document(
                "requester.agent.document_type", "requester.agent.document_number", agent.documentType,
                agent.documentNumber)
        }
        if !p.identityKey.isEmpty,
            p.identityKey.count > 128 || !p.identityKey.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline })
        {
            add(
                "requester.identity_key", .identityKey,
                "the identity key (certKey) is a hash: at most 128 printable ASCII characters without spaces")
        }
    }

    mutating func lifecycle(_ c: Case) {
        let fits: Bool =
            switch c.lifecycle {
            case .evaluation:
                (c.kind == .evaluation && !(c.evaluation?.isBadReview ?? false)) || c.kind == .serviceNode
            case .badReview: c.kind == .evaluation && (c.evaluation?.isBadReview ?? false)
            case .request: c.kind.isRequest
            case .tourismComplaint: c.kind == .complaint
            }
        if !fits {
            add(
                "lifecycle", .inconsistent,
                "a \(c.kind.rawValue) case cannot follow the \(c.lifecycle.rawValue) lifecycle")
        } else if !c.lifecycle.statuses.contains(c.status) {
            add(
                "status", .inconsistent, "\(c.status.rawValue) is not a status of the \(c.lifecycle.rawValue) lifecycle"
            )
        }
    }
}

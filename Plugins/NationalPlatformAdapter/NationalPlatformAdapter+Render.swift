import Foundation
import GovCaseCore
import GovCaseProto
import SwiftProtobuf

extension NationalPlatformAdapter {
    /// An evaluation case as the national `EvaluationRecord`; a service-node case as the `ServiceNodeRecord`.
    public func render(_ c: Case) throws(CaseError) -> [SourceRecord] {
        if c.kind == .serviceNode {
            let node = try serviceNode(c)
            return [.with { $0.serviceNode = node }]
        }
        guard c.kind == .evaluation, let e = c.evaluation else {
            throw CaseError.invalidArgument([
                FieldViolation(
                    field: "kind", rule: .inconsistent, message: "the national platform carries evaluations only")
            ])
        }
        let table = codes.table(for: c.source.sourceSystem)
        var r = Govcase_Sources_National_V1_EvaluationRecord()
        r.evaluationID = c.source.externalID
        r.revision = c.source.revision
        r.matterID = c.service.matterID
        r.item = try item(of: c.service, table: table)
        if let m = c.service.matter { r.matter = try NationalShapes.matterInfo(m, table: table) }
        r.evaluatedPersons = try NationalShapes.evaluatedPersons(c.service.evaluatedPeople, table: table)
        r.deviceNumber = c.service.deviceNumber
        r.hallCode = c.service.hallCode
        r.regionCode = c.regionCode
        if let node = c.service.node {
            r.serviceNumber = UInt32(clamping: node.number)
            r.serviceName = node.name
            if let at = node.servedAt { r.serviceTime = Google_Protobuf_Timestamp(date: at) }
        }
        r.channel = try table.renderCode("channel", for: c.service.channel, field: "service.channel")
        r.level = Int32(e.level?.rawValue ?? 0)
        r.detailItems = e.detailItems
        r.detailVersion = e.detailVersion
        r.invalid = e.invalidAtSource
        r.dataSource = e.dataSource
        r.text = e.text
        if let p = c.requester {
            r.evaluator = .with {
                $0.realName = p.realName
                $0.name = p.name
                $0.phone = p.phone
                $0.documentNumber = p.documentNumber
                $0.certKey = p.identityKey
                $0.agentName = p.agent?.name ?? ""
                $0.agentDocumentNumber = p.agent?.documentNumber ?? ""
            }
            if let agent = p.agent {
                r.evaluator.agentDocumentType = try table.renderCode(
                    "documentType", for: agent.documentType, field: "requester.agent.document_type")
            }
            r.evaluator.partyType = try table.renderCode("partyType", for: p.kind, field: "requester.kind")
            r.evaluator.documentType = try table.renderCode(
                "documentType", for: p.documentType, field: "requester.document_type")
        }
        r.evaluationType = try table.renderCode("evaluationType", for: e.origin, field: "evaluation.origin")
        r.window = c.service.window
        r.staffID = c.service.staffID
        r.staffName = c.service.staffName
        if let delivered = e.serviceDeliveredAt { r.matterCompletedAt = Google_Protobuf_Timestamp(date: delivered) }
        if let evaluated = e.evaluatedAt { r.evaluatedAt = Google_Protobuf_Timestamp(date: evaluated) }
        return [.with { $0.evaluation = r }]
    }

    /// The service item (事项) in the national shape.
    func item(of s: ServiceReference, table: CodeTable) throws(CaseError) -> Govcase_Sources_National_V1_ServiceItem {
        var item = Govcase_Sources_National_V1_ServiceItem()
        item.itemCode = s.itemCode
        item.itemName = s.itemName
        item.orgName = s.organisation.name
        item.orgCreditCode = s.organisation.creditCode
        item.handleItemCode = s.handleItemCode
        item.subject = s.itemSubject
        item.itemVersion = s.itemVersion
        item.itemType = try table.renderCode("itemType", for: s.itemType, field: "service.item_type")
        return item
    }

    /// A service-node case as the national `ServiceNodeRecord`.
    func serviceNode(_ c: Case) throws(CaseError) -> Govcase_Sources_National_V1_ServiceNodeRecord {
        let table = codes.table(for: c.source.sourceSystem)
        var r = Govcase_Sources_National_V1_ServiceNodeRecord()
        r.nodeID = c.source.externalID
        r.revision = c.source.revision
        r.matterID = c.service.matterID
        if let node = c.service.node {
            r.serviceNumber = UInt32(clamping: node.number)
            r.serviceName = node.name
            if let at = node.servedAt { r.serviceTime = Google_Protobuf_Timestamp(date: at) }
        }
        r.regionCode = c.regionCode
        r.item = try item(of: c.service, table: table)
        if let m = c.service.matter { r.matter = try NationalShapes.matterInfo(m, table: table) }
        r.evaluatedPersons = try NationalShapes.evaluatedPersons(c.service.evaluatedPeople, table: table)
        r.hallCode = c.service.hallCode
        return r
    }

    /// A bad-review event as the follow-up record it belongs to: every event that came from the same source
    /// record is folded back into one `RectificationFeedback` or `AppealRecord`. Events of other lifecycles
    /// have no national record.
    static let rectificationKinds: Set<LifecycleActionKind> = [
        .verify, .fixImmediately, .fixByDeadline, .completeRectification, .explain, .giveFeedback, .rateFeedback,
    ]

    public func render(_ event: LifecycleEvent, of c: Case) throws(CaseError) -> [SourceRecord] {
        let table = codes.table(for: c.source.sourceSystem)
        var siblings = event.sourceRecord.map { ref in c.events.filter { $0.sourceRecord == ref } } ?? [event]
        var id = event.sourceRecord?.externalID ?? "\(c.source.externalID)-\(event.sequence)"
        var revision = event.sourceRecord?.revision ?? 1
        if event.sourceRecord == nil, Self.rectificationKinds.contains(event.step.action.kind) {
            // Steps made through the case service (a handler's transitions) have no source record. They travel as
            // one feedback record per loop that grows a revision per step: each revision carries every step so
            // far (the receiver needs the verification with the outcome) and applies only the new one, as a later
            // revision of a follow-up does.
            siblings = c.events.filter {
                $0.sourceRecord == nil && $0.sequence <= event.sequence
                    && Self.rectificationKinds.contains($0.step.action.kind)
            }
            id = "\(c.source.externalID)-rectification"
            revision = UInt64(siblings.count)
        }
        switch event.step.action.kind {
        case .appeal, .upholdAppeal, .rejectAppeal:
            var r = Govcase_Sources_National_V1_AppealRecord()
            r.appealID = id
            r.revision = revision
            r.evaluationID = c.source.externalID
            for e in siblings {
                let a = e.step.action
                let at = Google_Protobuf_Timestamp(date: e.step.occurredAt)
                switch a.kind {
                case .appeal:
                    r.appellantUnit = e.step.actor.unit
                    r.reason = a.note
                    r.filedAt = at
                case .upholdAppeal, .rejectAppeal:
                    let decision: AppealDecision = a.kind == .upholdAppeal ? .upheld : .rejected
                    r.reviewResult = try table.renderCode("reviewResult", for: decision, field: "action.kind")
                    r.notAdoptedReason = try table.renderCode(
                        "notAdoptedReason", for: a.notAdoptedReason, field: "action.not_adopted_reason")
                    r.reviewOpinion = a.note
                    r.reviewer = e.step.actor.person
                    r.reviewedAt = at
                default: break
                }
            }
            return [.with { $0.appeal = r }]
        case .verify, .fixImmediately, .fixByDeadline, .completeRectification, .explain, .giveFeedback,
            .rateFeedback:
            var r = Govcase_Sources_National_V1_RectificationFeedback()
            r.feedbackID = id
            r.revision = revision
            r.evaluationID = c.source.externalID
            for e in siblings {
                let a = e.step.action
                let at = Google_Protobuf_Timestamp(date: e.step.occurredAt)
                switch a.kind {
                case .verify:
                    r.verifier = e.step.actor.person
                    r.verificationFinding = a.note
                    r.verifiedAt = at
                case .fixImmediately:
                    r.outcome = try table.renderCode(
                        "outcome", for: BadReviewOutcome.immediateFix, field: "action.kind")
                    r.measures = a.note
                    r.rectifiedAt = at
                case .fixByDeadline:
                    r.outcome = try table.renderCode(
                        "outcome", for: BadReviewOutcome.fixByDeadline, field: "action.kind")
                    if let deadline = a.deadline { r.rectifyBy = Google_Protobuf_Timestamp(date: deadline) }
                    if !a.note.isEmpty { r.measures = a.note }
                case .completeRectification:
                    if !a.note.isEmpty { r.measures = a.note }
                    r.rectifiedAt = at
                case .explain:
                    r.outcome = try table.renderCode("outcome", for: BadReviewOutcome.explanation, field: "action.kind")
                    r.measures = a.note
                case .giveFeedback:
                    r.feedbackMethod = try table.renderCode(
                        "feedbackMethod", for: a.feedbackMethod, field: "action.feedback_method")
                    r.feedbackContent = a.note
                    r.feedbackAt = at
                case .rateFeedback:
                    r.evaluatorRating = Int32(a.level?.rawValue ?? 0)
                    r.ratedAt = at
                default: break
                }
            }
            return [.with { $0.rectificationFeedback = r }]
        default:
            return []
        }
    }
}

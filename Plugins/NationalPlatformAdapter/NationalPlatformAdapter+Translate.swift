import Foundation
import GovCaseCore
import GovCaseProto
import SwiftProtobuf

extension NationalPlatformAdapter {
    /// Core paths → `EvaluationRecord` paths, for the core validator's violations.
    public static let evaluationPaths = FieldPathMap([
        "source.external_id": "evaluation_id", "region_code": "region_code",
        "service.item_code": "item.item_code", "service.item_name": "item.item_name",
        "service.organisation.name": "item.org_name", "service.organisation.credit_code": "item.org_credit_code",
        "service.matter_id": "matter_id", "service.window": "window", "service.staff_id": "staff_id",
        "service.staff_name": "staff_name", "service.channel": "channel", "service.node.number": "service_number",
        "service.node.name": "service_name", "service.node.served_at": "service_time", "evaluation.level": "level",
        "evaluation.detail_items": "detail_items", "evaluation.detail_version": "detail_version",
        "evaluation.text": "text", "evaluation.origin": "evaluation_type",
        "evaluation.evaluated_at": "evaluated_at", "evaluation.service_delivered_at": "matter_completed_at",
        "received_at": "evaluated_at", "requester": "evaluator", "requester.kind": "evaluator.party_type",
        "requester.identity_key": "evaluator.cert_key", "requester.agent.name": "evaluator.agent_name",
        "requester.agent.document_type": "evaluator.agent_document_type",
        "requester.agent.document_number": "evaluator.agent_document_number",
        "service.handle_item_code": "item.handle_item_code", "service.item_type": "item.item_type",
        "service.item_subject": "item.subject", "service.item_version": "item.item_version",
        "service.matter": "matter",
        "service.evaluated_people": "evaluated_persons", "service.device_number": "device_number",
        "service.hall_code": "hall_code",
    ])

    /// An evaluation of a handled matter becomes an evaluation case; a bad review enters the bad-review loop.
    func translate(
        _ r: Govcase_Sources_National_V1_EvaluationRecord, reader: RecordReader, context: TranslationContext
    ) -> Translation {
        var reader = reader
        reader.required(r.evaluationID, at: "evaluation_id")
        reader.revision(r.revision)
        let channel: Channel? = reader.code("channel", r.channel, at: "channel")
        let level = reader.level(Int(r.level), at: "level")
        let origin: EvaluationOrigin? = reader.code("evaluationType", r.evaluationType, at: "evaluation_type")
        let evaluator = r.hasEvaluator ? party(r.evaluator, reader: &reader) : nil
        let evaluatedAt = r.hasEvaluatedAt ? r.evaluatedAt.date : nil
        // The completion time (办结时间) comes as matter_completed_at or inside the matter; both, only if equal.
        let completedAt = r.hasMatterCompletedAt ? r.matterCompletedAt.date : r.matter.hasCompletedAt ? r.matter.completedAt.date : nil
        if r.hasMatterCompletedAt, r.matter.hasCompletedAt, r.matterCompletedAt != r.matter.completedAt {
            reader.report(
                FieldViolation(
                    field: "matter.completed_at", rule: .inconsistent,
                    message: "differs from matter_completed_at: one matter has one completion time"))
        }
        var c = Case(
            source: SourceIdentity(
                sourceSystem: context.sourceSystem, adapterID: info.id, externalID: r.evaluationID,
                revision: r.revision),
            kind: .evaluation,
            regionCode: r.regionCode,
            service: ServiceReference(
                itemCode: r.item.itemCode, itemName: r.item.itemName, matterID: r.matterID,
                organisation: Organisation(name: r.item.orgName, creditCode: r.item.orgCreditCode),
                window: r.window, staffID: r.staffID, staffName: r.staffName, channel: channel,
                objectKind: Self.objectKind(staff: r.staffID + r.staffName, channel: channel),
                node: NationalShapes.node(
                    number: r.serviceNumber, name: r.serviceName, time: r.hasServiceTime ? r.serviceTime : nil)),
            evaluation: Evaluation(
                level: level, detailItems: r.detailItems, text: r.text, origin: origin, evaluatedAt: evaluatedAt,
                serviceDeliveredAt: completedAt,
                detailVersion: r.detailVersion, invalidAtSource: r.invalid, dataSource: r.dataSource),
            requester: evaluator,
            receivedAt: evaluatedAt)
        Self.read(r.item, into: &c.service, reader: &reader)
        c.service.matter = r.hasMatter ? NationalShapes.matter(r.matter, reader: &reader) : nil
        c.service.evaluatedPeople = NationalShapes.evaluatedPeople(r.evaluatedPersons, reader: &reader)
        c.service.deviceNumber = r.deviceNumber
        c.service.hallCode = r.hallCode
        reader.validate(
            c, with: CaseValidator(context: context.validation), paths: Self.evaluationPaths)
        reader.checkDetailItems(r.detailItems, version: r.detailVersion, at: "detail_items")
        return reader.violations.isEmpty ? .newCase(c) : .rejected(reader.violations)
    }

    /// Core paths → `ServiceNodeRecord` paths.
    public static let nodePaths = FieldPathMap([
        "source.external_id": "node_id", "region_code": "region_code", "service.matter_id": "matter_id",
        "service.node": "service_number", "service.node.number": "service_number",
        "service.node.name": "service_name", "service.node.served_at": "service_time",
        "service.item_code": "item.item_code", "service.item_name": "item.item_name",
        "service.organisation.name": "item.org_name", "service.organisation.credit_code": "item.org_credit_code",
        "service.handle_item_code": "item.handle_item_code", "service.matter": "matter",
        "service.evaluated_people": "evaluated_persons", "received_at": "service_time",
        "service.hall_code": "hall_code",
    ])

    /// A service node pushed before its evaluation (办件服务) becomes a case of kind `serviceNode`: the node of its
    /// matter, with the item, the matter and the staff who served; its region's default-rating time is set at
    /// ingest.
    func translate(
        _ r: Govcase_Sources_National_V1_ServiceNodeRecord, reader: RecordReader, context: TranslationContext
    ) -> Translation {
        var reader = reader
        reader.required(r.nodeID, at: "node_id")
        reader.revision(r.revision)
        reader.required(r.matterID, at: "matter_id")
        if r.serviceNumber == 0 {
            reader.report(FieldViolation(field: "service_number", rule: .required, message: "is required: 1–99"))
        }
        let servedAt = r.hasServiceTime ? r.serviceTime.date : nil
        var c = Case(
            source: SourceIdentity(
                sourceSystem: context.sourceSystem, adapterID: info.id, externalID: r.nodeID, revision: r.revision),
            kind: .serviceNode, regionCode: r.regionCode,
            service: ServiceReference(
                itemCode: r.item.itemCode, itemName: r.item.itemName, matterID: r.matterID,
                organisation: Organisation(name: r.item.orgName, creditCode: r.item.orgCreditCode),
                node: ServiceNode(number: Int(r.serviceNumber), name: r.serviceName, servedAt: servedAt)),
            receivedAt: servedAt)
        Self.read(r.item, into: &c.service, reader: &reader)
        c.service.matter = r.hasMatter ? NationalShapes.matter(r.matter, reader: &reader) : nil
        c.service.evaluatedPeople = NationalShapes.evaluatedPeople(r.evaluatedPersons, reader: &reader)
        c.service.hallCode = r.hallCode
        reader.validate(c, with: CaseValidator(context: context.validation), paths: Self.nodePaths)
        return reader.violations.isEmpty ? .newCase(c) : .rejected(reader.violations)
    }

    /// The item's fields beyond code, name and organisation (业务办理项编码, 事项类型, 事项主题, version).
    static func read(
        _ item: Govcase_Sources_National_V1_ServiceItem, into service: inout ServiceReference,
        reader: inout RecordReader
    ) {
        service.handleItemCode = item.handleItemCode
        service.itemType = reader.optionalCode("itemType", item.itemType, at: "item.item_type")
        service.itemSubject = item.subject
        service.itemVersion = item.itemVersion
    }

    /// What is evaluated: a named staff member, else the platform for online channels, else the organisation.
    static func objectKind(staff: String, channel: Channel?) -> EvaluatedObjectKind {
        if !staff.isEmpty { return .staff }
        return channel == .web || channel == .mobileApp ? .platform : .organisation
    }

    func party(_ e: Govcase_Sources_National_V1_Evaluator, reader: inout RecordReader) -> Party {
        Party(
            kind: reader.code("partyType", e.partyType, at: "evaluator.party_type"), realName: e.realName,
            name: e.name, phone: e.phone,
            documentType: reader.optionalCode("documentType", e.documentType, at: "evaluator.document_type"),
            documentNumber: e.documentNumber, identityKey: e.certKey,
            agent: e.agentName.isEmpty && e.agentDocumentNumber.isEmpty && e.agentDocumentType.isEmpty
                ? nil
                : Agent(
                    name: e.agentName,
                    documentType: reader.optionalCode(
                        "documentType", e.agentDocumentType, at: "evaluator.agent_document_type"),
                    documentNumber: e.agentDocumentNumber))
    }

    /// Rectification feedback becomes the bad-review loop's steps, in the order they happened:
    /// verification, the outcome, completion of a fix by deadline, feedback, and the evaluator's rating.
    func translate(_ r: Govcase_Sources_National_V1_RectificationFeedback, reader: RecordReader) -> Translation {
        var reader = reader
        reader.required(r.feedbackID, at: "feedback_id")
        reader.required(r.evaluationID, at: "evaluation_id")
        reader.revision(r.revision)
        var steps: [LifecycleStep] = []
        let verifiedAt = r.hasVerifiedAt ? r.verifiedAt.date : nil
        if let verifiedAt {
            reader.required(r.verifier, at: "verifier")
            steps.append(
                LifecycleStep(
                    LifecycleAction(.verify, note: r.verificationFinding), actor: Actor(person: r.verifier),
                    occurredAt: verifiedAt))
        }
        let rectifiedAt = r.hasRectifiedAt ? r.rectifiedAt.date : nil
        if let outcome: BadReviewOutcome = reader.optionalCode("outcome", r.outcome, at: "outcome"),
            let decidedAt = reader.required(verifiedAt, at: "verified_at")
        {
            switch outcome {
            case .immediateFix:
                if let rectifiedAt = reader.required(rectifiedAt, at: "rectified_at") {
                    steps.append(
                        LifecycleStep(LifecycleAction(.fixImmediately, note: r.measures), occurredAt: rectifiedAt))
                }
            case .fixByDeadline:
                let deadline = r.hasRectifyBy ? r.rectifyBy.date : nil
                // Planned measures ride on the decision until the fix is completed.
                let planned = rectifiedAt == nil ? r.measures : ""
                steps.append(
                    LifecycleStep(
                        LifecycleAction(.fixByDeadline, deadline: deadline, note: planned), occurredAt: decidedAt))
                if let rectifiedAt {
                    steps.append(
                        LifecycleStep(
                            LifecycleAction(.completeRectification, note: r.measures), occurredAt: rectifiedAt))
                }
            case .explanation:
                steps.append(LifecycleStep(LifecycleAction(.explain, note: r.measures), occurredAt: decidedAt))
            case .notAdopted:
                reader.report(
                    FieldViolation(
                        field: "outcome", rule: .inconsistent, message: "not adopted comes from an upheld appeal"))
            }
        }
        if r.hasFeedbackAt {
            let method: FeedbackMethod? = reader.code("feedbackMethod", r.feedbackMethod, at: "feedback_method")
            steps.append(
                LifecycleStep(
                    LifecycleAction(.giveFeedback, note: r.feedbackContent, feedbackMethod: method),
                    occurredAt: r.feedbackAt.date))
        }
        if let rating = reader.level(Int(r.evaluatorRating), at: "evaluator_rating", required: false),
            let ratedAt = reader.required(r.hasRatedAt ? r.ratedAt.date : nil, at: "rated_at")
        {
            steps.append(LifecycleStep(LifecycleAction(.rateFeedback, level: rating), occurredAt: ratedAt))
        }
        if steps.isEmpty && reader.violations.isEmpty {
            reader.report(
                FieldViolation(field: "verified_at", rule: .required, message: "the feedback records no step"))
        }
        guard reader.violations.isEmpty else { return .rejected(reader.violations) }
        return .followUp(
            FollowUp(
                targetExternalID: r.evaluationID,
                targetRecordType: Govcase_Sources_National_V1_EvaluationRecord.protoMessageName,
                externalID: r.feedbackID, revision: r.revision, steps: steps))
    }

    /// An appeal becomes the appeal step and, once reviewed, the review's decision.
    func translate(_ r: Govcase_Sources_National_V1_AppealRecord, reader: RecordReader) -> Translation {
        var reader = reader
        reader.required(r.appealID, at: "appeal_id")
        reader.required(r.evaluationID, at: "evaluation_id")
        reader.revision(r.revision)
        reader.required(r.appellantUnit, at: "appellant_unit")
        reader.required(r.reason, at: "reason")
        var steps: [LifecycleStep] = []
        if let filedAt = reader.required(r.hasFiledAt ? r.filedAt.date : nil, at: "filed_at") {
            steps.append(
                LifecycleStep(
                    LifecycleAction(.appeal, note: r.reason), actor: Actor(unit: r.appellantUnit), occurredAt: filedAt))
        }
        if let decision: AppealDecision = reader.optionalCode("reviewResult", r.reviewResult, at: "review_result"),
            let reviewedAt = reader.required(r.hasReviewedAt ? r.reviewedAt.date : nil, at: "reviewed_at")
        {
            let actor = Actor(person: r.reviewer)
            switch decision {
            case .upheld:
                let reason: NotAdoptedReason? = reader.code(
                    "notAdoptedReason", r.notAdoptedReason, at: "not_adopted_reason")
                steps.append(
                    LifecycleStep(
                        LifecycleAction(.upholdAppeal, notAdoptedReason: reason, note: r.reviewOpinion), actor: actor,
                        occurredAt: reviewedAt))
            case .rejected:
                steps.append(
                    LifecycleStep(
                        LifecycleAction(.rejectAppeal, note: r.reviewOpinion), actor: actor, occurredAt: reviewedAt))
            }
        }
        guard reader.violations.isEmpty else { return .rejected(reader.violations) }
        return .followUp(
            FollowUp(
                targetExternalID: r.evaluationID,
                targetRecordType: Govcase_Sources_National_V1_EvaluationRecord.protoMessageName, externalID: r.appealID,
                revision: r.revision, steps: steps))
    }
}

import Foundation
import GovCaseCore
import GovCaseProto
import SwiftProtobuf

// Wire → core: the inverse of `Case.proto`, for cases the gateway itself wrote (the store keeps each case as a
// serialized `govcase.core.v1.Case`). Proto3 scalars have no presence, so a coordinate of 0 reads as unknown.

/// A stored message that does not make a core value, e.g. a required enum left unspecified.
public struct WireDecodingError: Error, CustomStringConvertible {
    public var field: String
    public var description: String { "\(field): missing or not known to this build" }
}

extension ProtoMirroredEnum {
    /// The core value of a proto enum field that must be set.
    static func required(_ proto: Proto, _ field: String) throws -> Self {
        guard let value = Self(proto: proto) else { throw WireDecodingError(field: field) }
        return value
    }
}

extension Google_Protobuf_Timestamp {
    fileprivate func date(if present: Bool) -> Date? { present ? date : nil }
}

extension Case {
    /// The core case of a `govcase.core.v1.Case` written by `proto`.
    public init(proto m: Govcase_Core_V1_Case) throws {
        let badReview = m.hasBadReview ? BadReviewLoop(proto: m.badReview) : nil
        self.init(
            caseID: m.caseID,
            source: SourceIdentity(
                sourceSystem: m.source.sourceSystem, adapterID: m.source.adapterID,
                externalID: m.source.externalID, revision: m.source.revision,
                recordType: m.source.recordType.isEmpty ? nil : m.source.recordType,
                contentDigest: m.source.contentDigest.isEmpty ? nil : m.source.contentDigest),
            kind: try CaseKind.required(m.kind, "kind"), regionCode: m.regionCode,
            service: ServiceReference(proto: m.service),
            evaluation: m.hasEvaluation ? Evaluation(proto: m.evaluation) : nil,
            request: m.hasRequest ? try Request(proto: m.request) : nil,
            requester: m.hasRequester ? Party(proto: m.requester) : nil, handling: try Handling(proto: m.handling),
            badReview: badReview,
            lifecycle: try Lifecycle.required(m.lifecycle, "lifecycle"),
            status: try CaseStatus.required(m.status, "status"),
            events: try m.events.map(LifecycleEvent.init(proto:)),
            receivedAt: m.receivedAt.date(if: m.hasReceivedAt))
        // The initializer fills a bad-review loop for a bad-review lifecycle; keep exactly what was stored.
        self.badReview = badReview
    }
}

extension ServiceReference {
    init(proto m: Govcase_Core_V1_ServiceReference) {
        self.init(
            itemCode: m.itemCode, itemName: m.itemName, matterID: m.matterID,
            organisation: Organisation(name: m.organisation.name, creditCode: m.organisation.creditCode),
            window: m.window, staffID: m.staffID, staffName: m.staffName, channel: Channel(proto: m.channel),
            objectKind: EvaluatedObjectKind(proto: m.objectKind))
        node =
            m.hasNode
            ? ServiceNode(
                number: Int(m.node.number), name: m.node.name, servedAt: m.node.servedAt.date(if: m.node.hasServedAt))
            : nil
        handleItemCode = m.handleItemCode
        itemType = ItemType(proto: m.itemType)
        itemSubject = m.itemSubject
        itemVersion = m.itemVersion
        matter = m.hasMatter ? Matter(proto: m.matter) : nil
        evaluatedPeople = m.evaluatedPeople.map {
            EvaluatedPerson(
                role: EvaluatedPersonRole(proto: $0.role), staffNumber: $0.staffNumber, name: $0.name, office: $0.office
            )
        }
        deviceNumber = m.deviceNumber
        hallCode = m.hallCode
    }
}

extension Matter {
    init(proto m: Govcase_Core_V1_Matter) {
        self.init(
            status: MatterStatus(proto: m.status), acceptedAt: m.acceptedAt.date(if: m.hasAcceptedAt),
            kind: MatterKind(proto: m.kind),
            promisedLimit: m.hasPromisedLimit ? TimeLimit(proto: m.promisedLimit) : nil,
            statutoryLimit: m.hasStatutoryLimit ? TimeLimit(proto: m.statutoryLimit) : nil,
            handlingChannel: HandlingChannel(proto: m.handlingChannel), handlerName: m.handlerName,
            handlerNumber: m.handlerNumber, officeCode: m.officeCode, officeName: m.officeName,
            completedAt: m.completedAt.date(if: m.hasCompletedAt))
    }
}

extension TimeLimit {
    init(proto m: Govcase_Core_V1_TimeLimit) {
        self.init(value: Int(m.value), unit: TimeLimitUnit(proto: m.unit))
    }
}

extension Evaluation {
    init(proto m: Govcase_Core_V1_Evaluation) {
        self.init(
            level: SatisfactionLevel(proto: m.level),
            dimensions: m.dimensions.map {
                DimensionRating(
                    dimension: EvaluationDimension(proto: $0.dimension), level: SatisfactionLevel(proto: $0.level))
            },
            questionnaire: m.hasQuestionnaire ? Questionnaire(proto: m.questionnaire) : nil,
            detailItems: m.detailItems, text: m.text, origin: EvaluationOrigin(proto: m.origin),
            evaluatedAt: m.evaluatedAt.date(if: m.hasEvaluatedAt),
            serviceDeliveredAt: m.serviceDeliveredAt.date(if: m.hasServiceDeliveredAt),
            detailVersion: m.detailVersion, invalidAtSource: m.invalidAtSource, dataSource: m.dataSource)
    }
}

extension Questionnaire {
    init(proto m: Govcase_Core_V1_Questionnaire) {
        func answer(_ value: Govcase_Core_V1_QuestionnaireAnswer) -> Bool? {
            switch value {
            case .yes: true
            case .no: false
            default: nil
            }
        }
        self.init(
            guidanceClear: answer(m.guidanceClear), procedureConvenient: answer(m.procedureConvenient),
            paperworkLean: answer(m.paperworkLean), interfaceFriendly: answer(m.interfaceFriendly),
            improvementSuggestion: m.improvementSuggestion)
    }
}

extension Request {
    init(proto m: Govcase_Core_V1_Request) throws {
        self.init(
            title: m.title, content: m.content, category: m.category, allegesViolation: m.allegesViolation,
            track: try HandlingTrack.required(m.track, "request.track"),
            respondent: m.hasRespondent
                ? Respondent(
                    name: m.respondent.name, creditCode: m.respondent.creditCode, address: m.respondent.address,
                    trade: m.respondent.trade) : nil,
            demand: m.demand,
            location: m.hasLocation
                ? Location(
                    regionCode: m.location.regionCode, address: m.location.address,
                    longitude: m.location.longitude == 0 ? nil : m.location.longitude,
                    latitude: m.location.latitude == 0 ? nil : m.location.latitude, street: m.location.street,
                    community: m.location.community) : nil,
            occurredAt: m.occurredAt.date(if: m.hasOccurredAt))
        originEvaluationID = m.originEvaluationID
        categoryLevels = m.categoryLevels
        urgency = Urgency(proto: m.urgency)
        contractEndedOn = m.contractEndedOn
        attachments = m.attachments.map {
            Attachment(name: $0.name, uri: $0.uri, mediaType: $0.mediaType, sizeBytes: $0.sizeBytes, sha256: $0.sha256)
        }
    }
}

extension Party {
    init(proto m: Govcase_Core_V1_Party) {
        self.init(
            kind: PartyKind(proto: m.kind), realName: m.realName, name: m.name, phone: m.phone,
            documentType: IdentityDocumentType(proto: m.documentType), documentNumber: m.documentNumber,
            identityKey: m.identityKey,
            agent: m.hasAgent
                ? Agent(
                    name: m.agent.name, documentType: IdentityDocumentType(proto: m.agent.documentType),
                    documentNumber: m.agent.documentNumber) : nil)
    }
}

extension Handling {
    init(proto m: Govcase_Core_V1_Handling) throws {
        let d = m.deadlines
        self.init(
            assignedUnit: m.assignedUnit,
            transfers: m.transfers.map {
                Transfer(fromUnit: $0.fromUnit, toUnit: $0.toUnit, transferredAt: $0.transferredAt.date, note: $0.note)
            },
            deadlines: Deadlines(
                acceptBy: d.acceptBy.date(if: d.hasAcceptBy), handleBy: d.handleBy.date(if: d.hasHandleBy),
                rectifyBy: d.rectifyBy.date(if: d.hasRectifyBy),
                defaultRatingAt: d.defaultRatingAt.date(if: d.hasDefaultRatingAt),
                mediateBy: d.mediateBy.date(if: d.hasMediateBy), unavailable: d.unavailable,
                defaultRatingLevel: SatisfactionLevel(proto: d.defaultRatingLevel)),
            extensions: Int(m.extensions),
            replies: m.replies.map { Reply(unit: $0.unit, content: $0.content, repliedAt: $0.repliedAt.date) },
            returnVisits: try m.returnVisits.map {
                ReturnVisit(
                    satisfaction: try SatisfactionLevel.required(
                        $0.satisfaction, "handling.return_visits.satisfaction"),
                    resolved: $0.resolved, comment: $0.comment, visitedAt: $0.visitedAt.date,
                    outcome: RequestOutcome(proto: $0.outcome), dissatisfactionReason: $0.dissatisfactionReason,
                    sourceSatisfaction: $0.sourceSatisfaction)
            },
            closedAt: m.closedAt.date(if: m.hasClosedAt), acceptance: ComplaintAcceptance(proto: m.acceptance),
            mediationOutcome: MediationOutcome(proto: m.mediationOutcome))
        urgings = Int(m.urgings)
        supervisions = Int(m.supervisions)
        coUnits = m.coUnits
        joint = m.joint
        restarts = Int(m.restarts)
        returns = Int(m.returns)
    }
}

extension BadReviewLoop {
    init(proto m: Govcase_Core_V1_BadReviewLoop) {
        self.init()
        verifier = m.verification.verifier
        finding = m.verification.finding
        verifiedAt = m.verification.verifiedAt.date(if: m.verification.hasVerifiedAt)
        outcome = BadReviewOutcome(proto: m.outcome)
        rectificationMeasures = m.rectification.measures
        rectificationDeadline = m.rectification.deadline.date(if: m.rectification.hasDeadline)
        rectifiedAt = m.rectification.completedAt.date(if: m.rectification.hasCompletedAt)
        feedbackMethod = FeedbackMethod(proto: m.feedback.method)
        feedbackContent = m.feedback.content
        feedbackAt = m.feedback.deliveredAt.date(if: m.feedback.hasDeliveredAt)
        evaluatorRating = SatisfactionLevel(proto: m.feedback.evaluatorRating)
        ratedAt = m.feedback.ratedAt.date(if: m.feedback.hasRatedAt)
        appealReason = m.appeal.reason
        appealFiledAt = m.appeal.filedAt.date(if: m.appeal.hasFiledAt)
        appealDecision = AppealDecision(proto: m.appeal.decision)
        notAdoptedReason = NotAdoptedReason(proto: m.appeal.notAdoptedReason)
        reviewOpinion = m.appeal.reviewOpinion
        reviewedAt = m.appeal.reviewedAt.date(if: m.appeal.hasReviewedAt)
    }
}

extension LifecycleAction {
    init(proto m: Govcase_Core_V1_LifecycleAction) throws {
        self.init(
            try LifecycleActionKind.required(m.kind, "action.kind"), unit: m.unit,
            deadline: m.deadline.date(if: m.hasDeadline), level: SatisfactionLevel(proto: m.level),
            notAdoptedReason: NotAdoptedReason(proto: m.notAdoptedReason), note: m.note,
            feedbackMethod: FeedbackMethod(proto: m.feedbackMethod), resolved: m.resolved,
            outcome: RequestOutcome(proto: m.outcome), dissatisfactionReason: m.dissatisfactionReason,
            sourceSatisfaction: m.sourceSatisfaction)
        byLeader = m.byLeader
        coUnits = m.coUnits
        joint = m.joint
        statutoryLimit = m.hasStatutoryLimit ? TimeLimit(proto: m.statutoryLimit) : nil
        review = ReviewResult(proto: m.review)
    }
}

extension LifecycleEvent {
    /// The event of a `govcase.core.v1.LifecycleEvent` written by `proto`.
    public init(proto m: Govcase_Core_V1_LifecycleEvent) throws {
        self.init(
            sequence: Int(m.sequence),
            step: LifecycleStep(
                try LifecycleAction(proto: m.action),
                actor: Actor(system: m.actor.system, unit: m.actor.unit, person: m.actor.person),
                occurredAt: m.occurredAt.date),
            from: try CaseStatus.required(m.fromStatus, "events.from_status"),
            to: try CaseStatus.required(m.toStatus, "events.to_status"), recordedAt: m.recordedAt.date,
            sourceRecord: m.sourceRecordID.isEmpty
                ? nil : SourceRecordReference(externalID: m.sourceRecordID, revision: m.sourceRecordRevision))
    }
}

extension Case {
    /// A new case as an adapter plugin describes it (plugin.proto, `TranslateResponse.case`): what the record
    /// says is taken, with the lifecycle and starting status if the plugin chose them (derived otherwise); what
    /// the gateway owns (case id, bad-review loop, events) is derived here, never read. The caller checks
    /// first that the plugin left those unset and that the status belongs to the lifecycle.
    public init(translatedByPlugin m: Govcase_Core_V1_Case) throws {
        self.init(
            source: SourceIdentity(
                sourceSystem: m.source.sourceSystem, adapterID: m.source.adapterID,
                externalID: m.source.externalID, revision: m.source.revision),
            kind: try CaseKind.required(m.kind, "kind"), regionCode: m.regionCode,
            service: ServiceReference(proto: m.service),
            evaluation: m.hasEvaluation ? Evaluation(proto: m.evaluation) : nil,
            request: m.hasRequest ? try Request(proto: m.request) : nil,
            requester: m.hasRequester ? Party(proto: m.requester) : nil, handling: try Handling(proto: m.handling),
            lifecycle: m.lifecycle == .unspecified ? nil : try Lifecycle.required(m.lifecycle, "lifecycle"),
            status: m.status == .unspecified ? nil : try CaseStatus.required(m.status, "status"),
            receivedAt: m.receivedAt.date(if: m.hasReceivedAt))
    }
}

extension FollowUp {
    /// A follow-up read from the wire, e.g. an adapter plugin's answer.
    public init(proto m: Govcase_Core_V1_FollowUp) throws {
        self.init(
            targetExternalID: m.targetExternalID,
            targetRecordType: m.targetRecordType.isEmpty ? nil : m.targetRecordType, externalID: m.externalID,
            revision: m.revision,
            steps: try m.steps.enumerated().map { index, step in
                do {
                    return LifecycleStep(
                        try LifecycleAction(proto: step.action),
                        actor: Actor(system: step.actor.system, unit: step.actor.unit, person: step.actor.person),
                        occurredAt: step.occurredAt.date)
                } catch let error as WireDecodingError {
                    throw WireDecodingError(field: "steps[\(index)].\(error.field)")
                }
            })
    }
}

import Foundation
import GovCaseCore
import GovCaseProto
import SwiftProtobuf

// Core → wire. Each core type has a `proto` property giving its generated message.

extension Case {
    /// The case as `govcase.core.v1.Case`.
    public var proto: Govcase_Core_V1_Case {
        var m = Govcase_Core_V1_Case()
        m.caseID = caseID
        m.source = source.proto
        m.kind = kind.proto
        m.regionCode = regionCode
        m.service = service.proto
        m.set(\.evaluation, evaluation?.proto)
        m.set(\.request, request?.proto)
        m.set(\.requester, requester?.proto)
        m.handling = handling.proto
        m.set(\.badReview, badReview?.proto)
        m.lifecycle = lifecycle.proto
        m.status = status.proto
        m.events = events.map(\.proto)
        m.set(\.receivedAt, receivedAt.timestamp)
        m.set(\.createdAt, createdAt.timestamp)
        if links != CaseLinks() {
            m.links = .with {
                $0.originEvaluationCaseID = links.originEvaluationCaseID ?? ""
                $0.workOrderCaseIds = links.workOrderCaseIDs
                $0.serviceNodeCaseID = links.serviceNodeCaseID ?? ""
                $0.nodeEvaluationCaseIds = links.nodeEvaluationCaseIDs
            }
        }
        return m
    }
}

extension SourceIdentity {
    var proto: Govcase_Core_V1_SourceIdentity {
        .with {
            $0.sourceSystem = sourceSystem
            $0.adapterID = adapterID
            $0.externalID = externalID
            $0.revision = revision
            $0.recordType = recordType ?? ""
            $0.contentDigest = contentDigest ?? Data()
        }
    }
}

extension ServiceReference {
    var proto: Govcase_Core_V1_ServiceReference {
        .with {
            $0.itemCode = itemCode
            $0.itemName = itemName
            $0.matterID = matterID
            if organisation != Organisation() {
                $0.organisation = .with {
                    $0.name = organisation.name
                    $0.creditCode = organisation.creditCode
                }
            }
            $0.window = window
            $0.staffID = staffID
            $0.staffName = staffName
            $0.channel = channel.proto
            $0.objectKind = objectKind.proto
            if let node {
                $0.node = .with {
                    $0.number = UInt32(clamping: node.number)
                    $0.name = node.name
                    $0.set(\.servedAt, node.servedAt.timestamp)
                }
            }
            $0.handleItemCode = handleItemCode
            $0.itemType = itemType.proto
            $0.itemSubject = itemSubject
            $0.itemVersion = itemVersion
            if let matter { $0.matter = matter.proto }
            $0.evaluatedPeople = evaluatedPeople.map { person in
                .with {
                    $0.role = person.role.proto
                    $0.staffNumber = person.staffNumber
                    $0.name = person.name
                    $0.office = person.office
                }
            }
            $0.deviceNumber = deviceNumber
            $0.hallCode = hallCode
        }
    }
}

extension Matter {
    var proto: Govcase_Core_V1_Matter {
        .with {
            $0.status = status.proto
            $0.set(\.acceptedAt, acceptedAt.timestamp)
            $0.kind = kind.proto
            if let promisedLimit { $0.promisedLimit = promisedLimit.proto }
            if let statutoryLimit { $0.statutoryLimit = statutoryLimit.proto }
            $0.handlingChannel = handlingChannel.proto
            $0.handlerName = handlerName
            $0.handlerNumber = handlerNumber
            $0.officeCode = officeCode
            $0.officeName = officeName
            $0.set(\.completedAt, completedAt.timestamp)
        }
    }
}

extension TimeLimit {
    var proto: Govcase_Core_V1_TimeLimit {
        .with {
            $0.value = UInt32(clamping: value)
            $0.unit = unit.proto
        }
    }
}

extension Evaluation {
    var proto: Govcase_Core_V1_Evaluation {
        var m = Govcase_Core_V1_Evaluation()
        m.level = level.proto
        m.dimensions = dimensions.map { rating in
            .with {
                $0.dimension = rating.dimension.proto
                $0.level = rating.level.proto
            }
        }
        m.set(\.questionnaire, questionnaire?.proto)
        m.detailItems = detailItems
        m.text = text
        m.origin = origin.proto
        m.set(\.evaluatedAt, evaluatedAt.timestamp)
        m.set(\.serviceDeliveredAt, serviceDeliveredAt.timestamp)
        m.detailVersion = detailVersion
        m.invalidAtSource = invalidAtSource
        m.dataSource = dataSource
        return m
    }
}

extension Questionnaire {
    var proto: Govcase_Core_V1_Questionnaire {
        func answer(_ value: Bool?) -> Govcase_Core_V1_QuestionnaireAnswer {
            switch value {
            case true?: .yes
            case false?: .no
            case nil: .unspecified
            }
        }
        return .with {
            $0.guidanceClear = answer(guidanceClear)
            $0.procedureConvenient = answer(procedureConvenient)
            $0.paperworkLean = answer(paperworkLean)
            $0.interfaceFriendly = answer(interfaceFriendly)
            $0.improvementSuggestion = improvementSuggestion
        }
    }
}

extension Request {
    var proto: Govcase_Core_V1_Request {
        var m = Govcase_Core_V1_Request()
        m.title = title
        m.content = content
        m.category = category
        m.allegesViolation = allegesViolation
        m.track = track.proto
        m.set(\.respondent, respondent?.proto)
        m.demand = demand
        m.set(\.location, location?.proto)
        m.set(\.occurredAt, occurredAt.timestamp)
        m.originEvaluationID = originEvaluationID
        m.categoryLevels = categoryLevels
        m.urgency = urgency.proto
        m.contractEndedOn = contractEndedOn
        m.attachments = attachments.map { a in
            .with {
                $0.name = a.name
                $0.uri = a.uri
                $0.mediaType = a.mediaType
                $0.sizeBytes = a.sizeBytes
                $0.sha256 = a.sha256
            }
        }
        return m
    }
}

extension Respondent {
    var proto: Govcase_Core_V1_Respondent {
        .with {
            $0.name = name
            $0.creditCode = creditCode
            $0.address = address
            $0.trade = trade
        }
    }
}

extension Location {
    var proto: Govcase_Core_V1_Location {
        .with {
            $0.regionCode = regionCode
            $0.address = address
            $0.longitude = longitude ?? 0
            $0.latitude = latitude ?? 0
            $0.street = street
            $0.community = community
        }
    }
}

extension Party {
    var proto: Govcase_Core_V1_Party {
        .with {
            $0.kind = kind.proto
            $0.realName = realName
            $0.name = name
            $0.phone = phone
            $0.documentType = documentType.proto
            $0.documentNumber = documentNumber
            $0.identityKey = identityKey
            if let agent {
                $0.agent = .with {
                    $0.name = agent.name
                    $0.documentType = agent.documentType.proto
                    $0.documentNumber = agent.documentNumber
                }
            }
        }
    }
}

extension Handling {
    var proto: Govcase_Core_V1_Handling {
        var m = Govcase_Core_V1_Handling()
        m.assignedUnit = assignedUnit
        m.transfers = transfers.map { t in
            .with {
                $0.fromUnit = t.fromUnit
                $0.toUnit = t.toUnit
                $0.transferredAt = Google_Protobuf_Timestamp(date: t.transferredAt)
                $0.note = t.note
            }
        }
        if deadlines != Deadlines() {
            var d = Govcase_Core_V1_Deadlines()
            d.set(\.acceptBy, deadlines.acceptBy.timestamp)
            d.set(\.handleBy, deadlines.handleBy.timestamp)
            d.set(\.rectifyBy, deadlines.rectifyBy.timestamp)
            d.set(\.defaultRatingAt, deadlines.defaultRatingAt.timestamp)
            d.set(\.mediateBy, deadlines.mediateBy.timestamp)
            d.unavailable = deadlines.unavailable
            d.defaultRatingLevel = deadlines.defaultRatingLevel.proto
            // Beside each exclusive instant, its last day in China Standard Time: what an official reads.
            func lastDay(_ instant: Date?) -> String {
                instant.map { CivilDate($0.addingTimeInterval(-1), utcOffsetSeconds: 8 * 3600).description } ?? ""
            }
            d.acceptLastDay = lastDay(deadlines.acceptBy)
            d.handleLastDay = lastDay(deadlines.handleBy)
            d.rectifyLastDay = lastDay(deadlines.rectifyBy)
            d.ratingLastDay = lastDay(deadlines.defaultRatingAt)
            d.mediateLastDay = lastDay(deadlines.mediateBy)
            m.deadlines = d
        }
        m.extensions = UInt32(extensions)
        m.urgings = UInt32(urgings)
        m.supervisions = UInt32(supervisions)
        m.coUnits = coUnits
        m.joint = joint
        m.restarts = UInt32(restarts)
        m.returns = UInt32(returns)
        m.replies = replies.map { r in
            .with {
                $0.unit = r.unit
                $0.content = r.content
                $0.repliedAt = Google_Protobuf_Timestamp(date: r.repliedAt)
            }
        }
        m.returnVisits = returnVisits.map { v in
            .with {
                $0.satisfaction = v.satisfaction.proto
                $0.resolved = v.resolved
                $0.comment = v.comment
                $0.visitedAt = Google_Protobuf_Timestamp(date: v.visitedAt)
                $0.outcome = v.outcome.proto
                $0.dissatisfactionReason = v.dissatisfactionReason
                $0.sourceSatisfaction = v.sourceSatisfaction
            }
        }
        m.set(\.closedAt, closedAt.timestamp)
        m.acceptance = acceptance.proto
        m.mediationOutcome = mediationOutcome.proto
        return m
    }
}

extension BadReviewLoop {
    var proto: Govcase_Core_V1_BadReviewLoop {
        var m = Govcase_Core_V1_BadReviewLoop()
        if verifiedAt != nil || !verifier.isEmpty || !finding.isEmpty {
            m.verification = .with {
                $0.verifier = verifier
                $0.finding = finding
                $0.set(\.verifiedAt, verifiedAt.timestamp)
            }
        }
        m.outcome = outcome.proto
        if !rectificationMeasures.isEmpty || rectificationDeadline != nil || rectifiedAt != nil {
            m.rectification = .with {
                $0.measures = rectificationMeasures
                $0.set(\.deadline, rectificationDeadline.timestamp)
                $0.set(\.completedAt, rectifiedAt.timestamp)
            }
        }
        if feedbackMethod != nil || !feedbackContent.isEmpty || feedbackAt != nil || evaluatorRating != nil
            || ratedAt != nil
        {
            m.feedback = .with {
                $0.method = feedbackMethod.proto
                $0.content = feedbackContent
                $0.set(\.deliveredAt, feedbackAt.timestamp)
                $0.evaluatorRating = evaluatorRating.proto
                $0.set(\.ratedAt, ratedAt.timestamp)
            }
        }
        if !appealReason.isEmpty || appealFiledAt != nil || appealDecision != nil || notAdoptedReason != nil
            || !reviewOpinion.isEmpty || reviewedAt != nil
        {
            m.appeal = .with {
                $0.reason = appealReason
                $0.set(\.filedAt, appealFiledAt.timestamp)
                $0.decision = appealDecision.proto
                $0.notAdoptedReason = notAdoptedReason.proto
                $0.reviewOpinion = reviewOpinion
                $0.set(\.reviewedAt, reviewedAt.timestamp)
            }
        }
        return m
    }
}

extension LifecycleAction {
    /// The action as `govcase.core.v1.LifecycleAction`.
    public var proto: Govcase_Core_V1_LifecycleAction {
        var m = Govcase_Core_V1_LifecycleAction()
        m.kind = kind.proto
        m.unit = unit
        m.set(\.deadline, deadline.timestamp)
        m.level = level.proto
        m.notAdoptedReason = notAdoptedReason.proto
        m.note = note
        m.feedbackMethod = feedbackMethod.proto
        m.resolved = resolved
        m.outcome = outcome.proto
        m.dissatisfactionReason = dissatisfactionReason
        m.sourceSatisfaction = sourceSatisfaction
        m.byLeader = byLeader
        m.coUnits = coUnits
        m.joint = joint
        if let statutoryLimit { m.statutoryLimit = statutoryLimit.proto }
        m.review = review.proto
        return m
    }
}

extension Actor {
    var proto: Govcase_Core_V1_Actor {
        .with {
            $0.system = system
            $0.unit = unit
            $0.person = person
        }
    }
}

extension LifecycleStep {
    /// The step as `govcase.core.v1.LifecycleStep`.
    public var proto: Govcase_Core_V1_LifecycleStep {
        .with {
            $0.action = action.proto
            if actor != Actor() { $0.actor = actor.proto }
            $0.occurredAt = Google_Protobuf_Timestamp(date: occurredAt)
        }
    }
}

extension LifecycleEvent {
    /// The event as `govcase.core.v1.LifecycleEvent`.
    public var proto: Govcase_Core_V1_LifecycleEvent {
        .with {
            $0.sequence = UInt64(sequence)
            $0.action = step.action.proto
            if step.actor != Actor() { $0.actor = step.actor.proto }
            $0.occurredAt = Google_Protobuf_Timestamp(date: step.occurredAt)
            $0.fromStatus = from.proto
            $0.toStatus = to.proto
            $0.recordedAt = Google_Protobuf_Timestamp(date: recordedAt)
            $0.sourceRecordID = sourceRecord?.externalID ?? ""
            $0.sourceRecordRevision = sourceRecord?.revision ?? 0
        }
    }
}

extension FollowUp {
    /// The follow-up as `govcase.core.v1.FollowUp`.
    public var proto: Govcase_Core_V1_FollowUp {
        .with {
            $0.targetExternalID = targetExternalID
            $0.targetRecordType = targetRecordType ?? ""
            $0.externalID = externalID
            $0.revision = revision
            $0.steps = steps.map(\.proto)
        }
    }
}

extension FieldViolation {
    /// The violation as `govcase.core.v1.FieldViolation`.
    public var proto: Govcase_Core_V1_FieldViolation {
        .with {
            $0.field = field
            $0.rule = rule.rawValue
            $0.message = message
        }
    }

    /// A violation read from the wire.
    public init(proto: Govcase_Core_V1_FieldViolation) {
        self.init(field: proto.field, rule: ValidationRule(rawValue: proto.rule), message: proto.message)
    }
}

extension Array where Element == FieldViolation {
    /// The violations as `govcase.core.v1.Rejection`.
    public var rejection: Govcase_Core_V1_Rejection { .with { $0.violations = map(\.proto) } }
}

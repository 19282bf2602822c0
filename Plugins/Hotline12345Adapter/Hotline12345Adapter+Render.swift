import Foundation
import GovCaseCore
import GovCaseProto
import SwiftProtobuf

extension Hotline12345Adapter {
    /// A request case as a 12345 `WorkOrder`.
    public func render(_ c: Case) throws(CaseError) -> [SourceRecord] {
        guard let request = c.request else {
            throw CaseError.invalidArgument([
                FieldViolation(field: "kind", rule: .inconsistent, message: "12345 carries requests only")
            ])
        }
        let table = codes.table(for: c.source.sourceSystem)
        var r = Govcase_Sources_Hotline12345_V1_WorkOrder()
        r.orderID = c.source.externalID
        r.revision = c.source.revision
        r.regionCode = c.regionCode
        r.requestKind = try table.renderCode("requestKind", for: c.kind, field: "kind")
        r.channel = try table.renderCode("channel", for: c.service.channel, field: "service.channel")
        if let p = c.requester {
            r.caller = .with {
                $0.realName = p.realName
                $0.name = p.name
                $0.phone = p.phone
                $0.documentNumber = p.documentNumber
            }
            r.caller.partyType = try table.renderCode("partyType", for: p.kind, field: "requester.kind")
            r.caller.documentType = try table.renderCode(
                "documentType", for: p.documentType, field: "requester.document_type")
        }
        r.title = request.title
        r.content = request.content
        r.category = request.category
        r.allegesViolation = request.allegesViolation
        r.respondent = request.respondent?.name ?? ""
        if let place = request.location {
            r.place = .with {
                $0.regionCode = place.regionCode
                $0.address = place.address
                $0.longitude = place.longitude ?? 0
                $0.latitude = place.latitude ?? 0
                $0.street = place.street
                $0.community = place.community
            }
        }
        r.handlingUnit = c.handling.assignedUnit
        r.originEvaluationID = c.request?.originEvaluationID ?? ""
        r.categoryLevels = request.categoryLevels
        r.urgency =
            request.urgency == nil
            ? "" : try table.renderCode("urgency", for: request.urgency, field: "request.urgency")
        if let received = c.receivedAt { r.receivedAt = Google_Protobuf_Timestamp(date: received) }
        if let due = c.handling.deadlines.handleBy { r.handleBy = Google_Protobuf_Timestamp(date: due) }
        return [.with { $0.workOrder = r }]
    }

    /// An event as a `StatusUpdate`, or a `ReturnVisitEvaluation` for a return visit.
    public func render(_ event: LifecycleEvent, of c: Case) throws(CaseError) -> [SourceRecord] {
        let table = codes.table(for: c.source.sourceSystem)
        let id = event.sourceRecord?.externalID ?? "\(c.source.externalID)-\(event.sequence)"
        let revision = event.sourceRecord?.revision ?? 1
        let a = event.step.action
        let at = Google_Protobuf_Timestamp(date: event.step.occurredAt)
        if a.kind == .returnVisit {
            var r = Govcase_Sources_Hotline12345_V1_ReturnVisitEvaluation()
            r.visitID = id
            r.revision = revision
            r.orderID = c.source.externalID
            // The source's own code when kept: a scale with two codes for one level renders as it came.
            r.satisfaction =
                a.sourceSatisfaction.isEmpty
                ? try table.renderCode("satisfaction", for: a.level, field: "action.level") : a.sourceSatisfaction
            r.outcome = a.outcome == nil ? "" : try table.renderCode("outcome", for: a.outcome, field: "action.outcome")
            r.dissatisfactionReason = a.dissatisfactionReason
            r.resolved = a.resolved
            r.comment = a.note
            r.visitor = event.step.actor.person
            r.visitedAt = at
            return [.with { $0.returnVisit = r }]
        }
        guard table.code("status", for: a.kind) != nil else { return [] }  // no 12345 status for this action
        var r = Govcase_Sources_Hotline12345_V1_StatusUpdate()
        r.updateID = id
        r.revision = revision
        r.orderID = c.source.externalID
        r.status = try table.renderCode("status", for: a.kind, field: "action.kind")
        r.unit = a.kind == .dispatch || a.kind == .transfer ? a.unit : event.step.actor.unit
        r.operator = event.step.actor.person
        r.note = a.note
        if let deadline = a.deadline { r.extendedTo = Google_Protobuf_Timestamp(date: deadline) }
        r.occurredAt = at
        r.byLeader = a.byLeader
        r.coUnits = a.coUnits
        r.joint = a.joint
        if let review = a.review {
            r.reviewResult = try table.renderCode("reviewResult", for: review, field: "action.review")
        }
        if let limit = a.statutoryLimit {
            r.statutoryLimit = UInt32(clamping: limit.value)
            r.statutoryLimitUnit = try table.renderCode(
                "timeLimitUnit", for: limit.unit, field: "action.statutory_limit.unit")
        }
        return [.with { $0.statusUpdate = r }]
    }
}

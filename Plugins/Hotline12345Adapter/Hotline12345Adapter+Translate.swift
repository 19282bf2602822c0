import Foundation
import GovCaseCore
import GovCaseProto
import SwiftProtobuf

extension Hotline12345Adapter {
    /// Core paths → `WorkOrder` paths.
    static let workOrderPaths = FieldPathMap([
        "source.external_id": "order_id", "region_code": "region_code", "kind": "request_kind",
        "service.channel": "channel", "request.title": "title", "request.content": "content",
        "request.category": "category", "request.respondent.name": "respondent", "request.location": "place",
        "requester": "caller", "requester.kind": "caller.party_type", "received_at": "received_at",
        "request.category_levels": "category_levels", "request.urgency": "urgency",
    ])

    /// Core action paths → `StatusUpdate` paths.
    static let statusPaths = FieldPathMap([
        "action.unit": "unit", "action.note": "note", "action.deadline": "extended_to", "action.kind": "status",
        "action.co_units": "co_units", "action.statutory_limit.value": "statutory_limit",
        "action.statutory_limit.unit": "statutory_limit_unit", "action.review": "review_result",
    ])

    /// A work order becomes a request case. Reports and orders alleging a violation go to law enforcement,
    /// which is kept apart from satisfaction rates.
    func translate(
        _ r: Govcase_Sources_Hotline12345_V1_WorkOrder, reader: RecordReader, context: TranslationContext
    ) -> Translation {
        var reader = reader
        reader.required(r.orderID, at: "order_id")
        reader.revision(r.revision)
        let kind: CaseKind? = reader.code("requestKind", r.requestKind, at: "request_kind")
        let channel: Channel? = reader.code("channel", r.channel, at: "channel")
        let urgency: Urgency? = reader.optionalCode("urgency", r.urgency, at: "urgency")
        let caller = r.hasCaller ? party(r.caller, reader: &reader) : nil
        guard let kind else { return .rejected(reader.violations) }
        let receivedAt = r.hasReceivedAt ? r.receivedAt.date : nil
        var c = Case(
            source: SourceIdentity(
                sourceSystem: context.sourceSystem, adapterID: info.id, externalID: r.orderID, revision: r.revision),
            kind: kind,
            regionCode: r.regionCode,
            service: ServiceReference(channel: channel),
            request: Request(
                title: r.title, content: r.content, category: r.category, allegesViolation: r.allegesViolation,
                track: kind == .report || r.allegesViolation ? .lawEnforcement : .ordinary,
                respondent: r.respondent.isEmpty ? nil : Respondent(name: r.respondent),
                location: r.hasPlace
                    ? Location(
                        regionCode: r.place.regionCode, address: r.place.address,
                        longitude: r.place.longitude == 0 ? nil : r.place.longitude,
                        latitude: r.place.latitude == 0 ? nil : r.place.latitude, street: r.place.street,
                        community: r.place.community) : nil),
            requester: caller,
            receivedAt: receivedAt)
        c.request?.originEvaluationID = r.originEvaluationID
        c.request?.categoryLevels = r.categoryLevels
        c.request?.urgency = urgency
        c.handling.assignedUnit = r.handlingUnit
        c.handling.deadlines.handleBy = r.hasHandleBy ? r.handleBy.date : nil
        reader.validate(
            c, with: CaseValidator(context: context.validation), paths: Self.workOrderPaths)
        return reader.violations.isEmpty ? .newCase(c) : .rejected(reader.violations)
    }

    func party(_ p: Govcase_Sources_Hotline12345_V1_Caller, reader: inout RecordReader) -> Party {
        Party(
            kind: reader.code("partyType", p.partyType, at: "caller.party_type"), realName: p.realName, name: p.name,
            phone: p.phone,
            documentType: reader.optionalCode("documentType", p.documentType, at: "caller.document_type"),
            documentNumber: p.documentNumber)
    }

    /// A status update becomes one lifecycle step of its order.
    func translate(_ r: Govcase_Sources_Hotline12345_V1_StatusUpdate, reader: RecordReader) -> Translation {
        var reader = reader
        reader.required(r.updateID, at: "update_id")
        reader.required(r.orderID, at: "order_id")
        reader.revision(r.revision)
        let kind: LifecycleActionKind? = reader.code("status", r.status, at: "status")
        let at = reader.required(r.hasOccurredAt ? r.occurredAt.date : nil, at: "occurred_at")
        guard let kind, let at else { return .rejected(reader.violations) }
        let targetsUnit = kind == .dispatch || kind == .transfer
        var action = LifecycleAction(
            kind, unit: targetsUnit ? r.unit : "", deadline: r.hasExtendedTo ? r.extendedTo.date : nil, note: r.note)
        action.byLeader = r.byLeader
        action.coUnits = r.coUnits
        action.joint = r.joint
        action.review = reader.optionalCode("reviewResult", r.reviewResult, at: "review_result")
        if r.statutoryLimit != 0 || !r.statutoryLimitUnit.isEmpty {
            action.statutoryLimit = TimeLimit(
                value: Int(r.statutoryLimit),
                unit: reader.code("timeLimitUnit", r.statutoryLimitUnit, at: "statutory_limit_unit"))
        }
        reader.report(action.violations(), renamedBy: Self.statusPaths)
        guard reader.violations.isEmpty else { return .rejected(reader.violations) }
        let actor = Actor(unit: targetsUnit ? "" : r.unit, person: r.operator)
        return .followUp(
            FollowUp(
                targetExternalID: r.orderID,
                targetRecordType: Govcase_Sources_Hotline12345_V1_WorkOrder.protoMessageName, externalID: r.updateID,
                revision: r.revision,
                steps: [LifecycleStep(action, actor: actor, occurredAt: at)]))
    }

    /// A return-visit evaluation becomes the return-visit step; 不满意 or worse reopens the order.
    func translate(_ r: Govcase_Sources_Hotline12345_V1_ReturnVisitEvaluation, reader: RecordReader) -> Translation {
        var reader = reader
        reader.required(r.visitID, at: "visit_id")
        reader.required(r.orderID, at: "order_id")
        reader.revision(r.revision)
        let level: SatisfactionLevel? = reader.code("satisfaction", r.satisfaction, at: "satisfaction")
        let at = reader.required(r.hasVisitedAt ? r.visitedAt.date : nil, at: "visited_at")
        guard let level, let at, reader.violations.isEmpty else { return .rejected(reader.violations) }
        let outcome: RequestOutcome? = reader.optionalCode("outcome", r.outcome, at: "outcome")
        guard reader.violations.isEmpty else { return .rejected(reader.violations) }
        let action = LifecycleAction(
            .returnVisit, level: level, note: r.comment, resolved: r.resolved, outcome: outcome,
            dissatisfactionReason: r.dissatisfactionReason, sourceSatisfaction: r.satisfaction)
        return .followUp(
            FollowUp(
                targetExternalID: r.orderID,
                targetRecordType: Govcase_Sources_Hotline12345_V1_WorkOrder.protoMessageName, externalID: r.visitID,
                revision: r.revision,
                steps: [LifecycleStep(action, actor: Actor(person: r.visitor), occurredAt: at)]))
    }
}

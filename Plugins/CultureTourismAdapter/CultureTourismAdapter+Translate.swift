import Foundation
import GovCaseCore
import GovCaseProto
import NationalPlatformAdapter
import SwiftProtobuf

extension CultureTourismAdapter {
    /// Core paths → `ApprovalEvaluation` paths.
    public static let approvalPaths = FieldPathMap([
        "source.external_id": "evaluation_id", "region_code": "region_code", "service.item_code": "item_code",
        "service.item_name": "item_name", "service.matter_id": "matter_id", "service.organisation.name": "department",
        "service.organisation.credit_code": "department_credit_code", "service.channel": "channel",
        "evaluation.level": "level", "evaluation.detail_items": "detail_items", "evaluation.text": "text",
        "evaluation.evaluated_at": "evaluated_at", "evaluation.service_delivered_at": "approved_at",
        "received_at": "evaluated_at", "requester": "evaluator", "requester.kind": "evaluator.party_type",
        "evaluation.origin": "evaluation_type", "evaluation.detail_version": "detail_version",
        "service.node.number": "service_number", "service.node.name": "service_name",
        "service.node.served_at": "service_time", "service.matter": "matter",
        "service.evaluated_people": "evaluated_persons", "service.device_number": "device_number",
    ])

    /// Core paths → paths of the request-like messages; `person` names the party field of each.
    static func requestPaths(id: String, person: String, extra: [String: String] = [:]) -> FieldPathMap {
        FieldPathMap(
            [
                "source.external_id": id, "region_code": "region_code", "kind": "request_kind",
                "service.channel": "channel", "request.title": "title", "request.content": "content",
                "request.category": "category", "request.demand": "demand", "request.occurred_at": "occurred_at",
                "received_at": "received_at", "requester": person, "requester.kind": "\(person).party_type",
            ].merging(extra) { $1 })
    }

    /// Core action paths → progress record paths.
    static let progressPaths = FieldPathMap([
        "action.unit": "unit", "action.note": "note", "action.deadline": "extended_to", "action.level": "satisfaction",
    ])

    func translate(
        _ r: Govcase_Sources_Culturetourism_V1_ApprovalEvaluation, reader: RecordReader, context: TranslationContext
    ) -> Translation {
        var reader = reader
        reader.required(r.evaluationID, at: "evaluation_id")
        reader.revision(r.revision)
        let channel: Channel? = reader.code("channel", r.channel, at: "channel")
        let level = reader.level(Int(r.level), at: "level")
        let origin: EvaluationOrigin? =
            r.evaluationType.isEmpty ? .active : reader.code("evaluationType", r.evaluationType, at: "evaluation_type")
        let evaluatedAt = r.hasEvaluatedAt ? r.evaluatedAt.date : nil
        var c = Case(
            source: source(r.evaluationID, r.revision, context),
            kind: .evaluation, regionCode: r.regionCode,
            service: ServiceReference(
                itemCode: r.itemCode, itemName: r.itemName, matterID: r.matterID,
                organisation: Organisation(name: r.department, creditCode: r.departmentCreditCode), channel: channel,
                objectKind: .organisation,
                node: NationalShapes.node(
                    number: r.serviceNumber, name: r.serviceName, time: r.hasServiceTime ? r.serviceTime : nil)),
            evaluation: Evaluation(
                level: level, detailItems: r.detailItems, text: r.text, origin: origin, evaluatedAt: evaluatedAt,
                serviceDeliveredAt: r.hasApprovedAt ? r.approvedAt.date : nil, detailVersion: r.detailVersion),
            requester: r.hasEvaluator ? party(r.evaluator, at: "evaluator", reader: &reader) : nil,
            receivedAt: evaluatedAt)
        c.service.matter = r.hasMatter ? NationalShapes.matter(r.matter, reader: &reader) : nil
        c.service.evaluatedPeople = NationalShapes.evaluatedPeople(r.evaluatedPersons, reader: &reader)
        c.service.deviceNumber = r.deviceNumber
        reader.checkDetailItems(r.detailItems, version: r.detailVersion, at: "detail_items")
        return finish(c, reader: reader, paths: Self.approvalPaths, context: context)
    }

    /// A culture-market report is a law-enforcement matter, handled by the enforcement body it names.
    func translate(
        _ r: Govcase_Sources_Culturetourism_V1_MarketReport, reader: RecordReader, context: TranslationContext
    ) -> Translation {
        var reader = reader
        reader.required(r.reportID, at: "report_id")
        reader.revision(r.revision)
        var c = Case(
            source: source(r.reportID, r.revision, context), kind: .report, regionCode: r.regionCode,
            service: ServiceReference(channel: reader.code("channel", r.channel, at: "channel")),
            request: Request(
                content: r.content, category: r.category, allegesViolation: true, track: .lawEnforcement,
                respondent: r.hasReported ? respondent(r.reported) : nil,
                location: r.place.isEmpty ? nil : Location(address: r.place),
                occurredAt: r.hasOccurredAt ? r.occurredAt.date : nil),
            requester: r.hasReporter ? party(r.reporter, at: "reporter", reader: &reader) : nil,
            receivedAt: r.hasReceivedAt ? r.receivedAt.date : nil)
        c.handling.assignedUnit = r.enforcementUnit
        let paths = Self.requestPaths(
            id: "report_id", person: "reporter",
            extra: ["request.respondent": "reported", "request.location.address": "place"])
        return finish(c, reader: reader, paths: paths, context: context)
    }

    /// A tourism complaint follows the tourism-complaint lifecycle on the mediation track.
    func translate(
        _ r: Govcase_Sources_Culturetourism_V1_TourismComplaint, reader: RecordReader, context: TranslationContext
    ) -> Translation {
        var reader = reader
        reader.required(r.complaintID, at: "complaint_id")
        reader.revision(r.revision)
        var c = Case(
            source: source(r.complaintID, r.revision, context), kind: .complaint, regionCode: r.regionCode,
            service: ServiceReference(channel: reader.code("channel", r.channel, at: "channel")),
            request: Request(
                content: r.content, category: r.category, track: .mediation,
                respondent: r.hasRespondent ? respondent(r.respondent) : nil, demand: r.demand,
                occurredAt: r.hasOccurredAt ? r.occurredAt.date : nil),
            requester: r.hasComplainant ? party(r.complainant, at: "complainant", reader: &reader) : nil,
            lifecycle: .tourismComplaint,
            receivedAt: r.hasReceivedAt ? r.receivedAt.date : nil)
        c.handling.assignedUnit = r.handlingUnit
        c.request?.contractEndedOn = r.contractEndedOn
        c.request?.attachments = r.attachments.map {
            Attachment(name: $0.name, uri: $0.uri, mediaType: $0.mediaType, sizeBytes: $0.sizeBytes, sha256: $0.sha256)
        }
        let paths = Self.requestPaths(
            id: "complaint_id", person: "complainant",
            extra: [
                "request.respondent": "respondent", "request.contract_ended_on": "contract_ended_on",
                "request.attachments": "attachments",
            ])
        return finish(c, reader: reader, paths: paths, context: context)
    }

    /// A 12345 order handed over, routed by kind (see the type's documentation).
    func translate(
        _ r: Govcase_Sources_Culturetourism_V1_HotlineHandover, reader: RecordReader, context: TranslationContext
    ) -> Translation {
        var reader = reader
        reader.required(r.orderID, at: "order_id")
        reader.revision(r.revision)
        let kind: CaseKind? = reader.code("requestKind", r.requestKind, at: "request_kind")
        let caller = r.hasCaller ? party(r.caller, at: "caller", reader: &reader) : nil
        let handedOverAt = reader.required(r.hasHandedOverAt ? r.handedOverAt.date : nil, at: "handed_over_at")
        guard let kind else { return .rejected(reader.violations) }
        let route = Self.route(
            kind: kind, allegesViolation: r.allegesViolation, tourismDispute: !r.outsideTourismDisputes)
        let unit = reader.codes.tables["routing"]?[route.unitKey] ?? ""
        if unit.isEmpty {
            reader.report(
                FieldViolation(
                    field: "request_kind", rule: .unknownCode,
                    message: "no unit is configured for routing.\(route.unitKey)"))
        }
        var c = Case(
            source: source(r.orderID, r.revision, context), kind: kind, regionCode: r.regionCode,
            service: ServiceReference(channel: .hotlineCall),
            request: Request(
                title: r.title, content: r.content, category: r.category, allegesViolation: r.allegesViolation,
                track: route.track, respondent: r.hasRespondent ? respondent(r.respondent) : nil),
            requester: caller, lifecycle: route.lifecycle,
            // 12345 has already transferred (转办) the order; a tourism dispute still awaits acceptance.
            status: route.lifecycle == .request ? .transferred : .received,
            receivedAt: r.hasReceivedAt ? r.receivedAt.date : nil)
        c.handling.assignedUnit = unit
        if let handedOverAt {
            c.handling.transfers = [Transfer(fromUnit: "12345", toUnit: unit, transferredAt: handedOverAt)]
        }
        c.handling.deadlines.handleBy = r.hasHandleBy ? r.handleBy.date : nil
        let paths = Self.requestPaths(id: "order_id", person: "caller", extra: ["request.respondent": "respondent"])
        return finish(c, reader: reader, paths: paths, context: context)
    }

    /// Where a handed-over order goes (POLICY.md §4): reports of violations to law enforcement, tourism disputes
    /// to the tourism complaint body, everything else (other complaints too) to the designated unit. Its
    /// lifecycle, track and the `routing` table key of its unit.
    static func route(kind: CaseKind, allegesViolation: Bool, tourismDispute: Bool = true)
        -> (lifecycle: Lifecycle, track: HandlingTrack, unitKey: String)
    {
        if kind == .report || allegesViolation { return (.request, .lawEnforcement, "enforcement") }
        if kind == .complaint && tourismDispute { return (.tourismComplaint, .mediation, "complaint") }
        return (.request, .ordinary, "designated")
    }

    /// Progress of a tourism complaint: one step.
    func translate(_ r: Govcase_Sources_Culturetourism_V1_ComplaintProgress, reader: RecordReader) -> Translation {
        var reader = reader
        reader.required(r.progressID, at: "progress_id")
        reader.required(r.complaintID, at: "complaint_id")
        reader.revision(r.revision)
        let kind: LifecycleActionKind? = reader.code("complaintStep", r.step, at: "step")
        let at = reader.required(r.hasOccurredAt ? r.occurredAt.date : nil, at: "occurred_at")
        let step = kind.flatMap { kind in
            at.map { progressStep(kind, unit: r.unit, note: r.note, operator: r.operator, at: $0, reader: &reader) }
        }
        guard let step, reader.violations.isEmpty else { return .rejected(reader.violations) }
        return .followUp(
            FollowUp(
                targetExternalID: r.complaintID,
                targetRecordType: Govcase_Sources_Culturetourism_V1_TourismComplaint.protoMessageName,
                externalID: r.progressID, revision: r.revision, steps: [step]))
    }

    /// Progress of a handed-over order: one step, a return visit carrying its satisfaction 1–5.
    func translate(_ r: Govcase_Sources_Culturetourism_V1_HandoverProgress, reader: RecordReader) -> Translation {
        var reader = reader
        reader.required(r.progressID, at: "progress_id")
        reader.required(r.orderID, at: "order_id")
        reader.revision(r.revision)
        let kind: LifecycleActionKind? = reader.code("handoverStep", r.step, at: "step")
        let at = reader.required(r.hasOccurredAt ? r.occurredAt.date : nil, at: "occurred_at")
        let level = satisfaction(r, reader: &reader)
        let step = kind.flatMap { kind in
            at.map {
                progressStep(
                    kind, unit: r.unit, note: r.content, operator: r.operator, at: $0, reader: &reader,
                    deadline: r.hasExtendedTo ? r.extendedTo.date : nil, level: level)
            }
        }
        guard let step, reader.violations.isEmpty else { return .rejected(reader.violations) }
        return .followUp(
            FollowUp(
                targetExternalID: r.orderID,
                targetRecordType: Govcase_Sources_Culturetourism_V1_HotlineHandover.protoMessageName,
                externalID: r.progressID, revision: r.revision, steps: [step]))
    }

    /// The return visit's satisfaction: the 12345 platform's code (`satisfaction_code`, through the code table,
    /// as the hotline's contract carries it) or the older number 1–5; both given must agree.
    func satisfaction(
        _ r: Govcase_Sources_Culturetourism_V1_HandoverProgress, reader: inout RecordReader
    ) -> SatisfactionLevel? {
        let number = reader.level(Int(r.satisfaction), at: "satisfaction", required: false)
        guard !r.satisfactionCode.isEmpty else { return number }
        let coded: SatisfactionLevel? = reader.code("satisfaction", r.satisfactionCode, at: "satisfaction_code")
        if let coded, let number, coded != number {
            reader.report(
                FieldViolation(
                    field: "satisfaction_code", rule: .inconsistent,
                    message: "code \(r.satisfactionCode) means \(coded.chineseName) but satisfaction \(r.satisfaction) "
                        + "means \(number.chineseName); send one of them"))
        }
        return coded
    }

    /// A progress step; the unit is the target of a transfer and otherwise the acting unit.
    func progressStep(
        _ kind: LifecycleActionKind, unit: String, note: String, operator person: String, at: Date,
        reader: inout RecordReader, deadline: Date? = nil, level: SatisfactionLevel? = nil
    ) -> LifecycleStep {
        let targetsUnit = kind == .transfer
        let action = LifecycleAction(
            kind, unit: targetsUnit ? unit : "", deadline: deadline, level: level, note: note)
        reader.report(action.violations(), renamedBy: Self.progressPaths)
        return LifecycleStep(action, actor: Actor(unit: targetsUnit ? "" : unit, person: person), occurredAt: at)
    }

    // MARK: Shared pieces

    func source(_ id: String, _ revision: UInt64, _ context: TranslationContext) -> SourceIdentity {
        SourceIdentity(sourceSystem: context.sourceSystem, adapterID: info.id, externalID: id, revision: revision)
    }

    func finish(_ c: Case, reader: RecordReader, paths: FieldPathMap, context: TranslationContext) -> Translation {
        var reader = reader
        reader.validate(c, with: CaseValidator(context: context.validation), paths: paths)
        return reader.violations.isEmpty ? .newCase(c) : .rejected(reader.violations)
    }

    func party(_ p: Govcase_Sources_Culturetourism_V1_Person, at field: String, reader: inout RecordReader) -> Party {
        Party(
            kind: reader.code("partyType", p.partyType, at: "\(field).party_type"), realName: p.realName, name: p.name,
            phone: p.phone,
            documentType: reader.optionalCode("documentType", p.documentType, at: "\(field).document_type"),
            documentNumber: p.documentNumber)
    }

    func respondent(_ b: Govcase_Sources_Culturetourism_V1_Business) -> Respondent {
        Respondent(name: b.name, creditCode: b.creditCode, address: b.address, trade: b.trade)
    }
}

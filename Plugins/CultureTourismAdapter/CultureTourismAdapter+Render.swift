import Foundation
import GovCaseCore
import GovCaseProto
import NationalPlatformAdapter
import SwiftProtobuf

extension CultureTourismAdapter {
    /// A case as the record that created it: an approval evaluation, a market report, a tourism complaint or
    /// a 12345 hand-over (a case that came from 12345, recognisable by its first transfer).
    public func render(_ c: Case) throws(CaseError) -> [SourceRecord] {
        let table = codes.table(for: c.source.sourceSystem)
        let handover = c.handling.transfers.first?.fromUnit == "12345"
        switch c.kind {
        case .evaluation:
            let r = try approvalEvaluation(c, table)
            return [.with { $0.approvalEvaluation = r }]
        case _ where handover:
            return [try renderHandover(c, table)]
        case .report:
            return [try renderReport(c, table)]
        case .complaint where c.lifecycle == .tourismComplaint:
            return [try renderComplaint(c, table)]
        default:
            throw CaseError.invalidArgument([
                FieldViolation(
                    field: "kind", rule: .inconsistent,
                    message:
                        "the culture-tourism platform has no record for a \(c.kind.rawValue) that did not come from 12345"
                )
            ])
        }
    }

    func approvalEvaluation(_ c: Case, _ table: CodeTable) throws(CaseError)
        -> Govcase_Sources_Culturetourism_V1_ApprovalEvaluation
    {
        var r = Govcase_Sources_Culturetourism_V1_ApprovalEvaluation()
        r.evaluationID = c.source.externalID
        r.revision = c.source.revision
        r.matterID = c.service.matterID
        r.itemCode = c.service.itemCode
        r.itemName = c.service.itemName
        r.department = c.service.organisation.name
        r.departmentCreditCode = c.service.organisation.creditCode
        r.regionCode = c.regionCode
        r.channel = try table.renderCode("channel", for: c.service.channel, field: "service.channel")
        r.level = Int32(c.evaluation?.level?.rawValue ?? 0)
        r.detailItems = c.evaluation?.detailItems ?? []
        r.text = c.evaluation?.text ?? ""
        if let p = c.requester { r.evaluator = try person(p, table) }
        if let at = c.evaluation?.serviceDeliveredAt { r.approvedAt = Google_Protobuf_Timestamp(date: at) }
        if let at = c.evaluation?.evaluatedAt { r.evaluatedAt = Google_Protobuf_Timestamp(date: at) }
        // The national record's fields: an evaluation given by the person is sent without a type, as it came.
        if let origin = c.evaluation?.origin, origin != .active {
            r.evaluationType = try table.renderCode("evaluationType", for: origin, field: "evaluation.origin")
        }
        r.detailVersion = c.evaluation?.detailVersion ?? ""
        if let node = c.service.node {
            r.serviceNumber = UInt32(clamping: node.number)
            r.serviceName = node.name
            if let at = node.servedAt { r.serviceTime = Google_Protobuf_Timestamp(date: at) }
        }
        if let m = c.service.matter { r.matter = try NationalShapes.matterInfo(m, table: table) }
        r.evaluatedPersons = try NationalShapes.evaluatedPersons(c.service.evaluatedPeople, table: table)
        r.deviceNumber = c.service.deviceNumber
        return r
    }

    func renderReport(_ c: Case, _ table: CodeTable) throws(CaseError) -> SourceRecord {
        var r = Govcase_Sources_Culturetourism_V1_MarketReport()
        r.reportID = c.source.externalID
        r.revision = c.source.revision
        r.regionCode = c.regionCode
        r.channel = try table.renderCode("channel", for: c.service.channel, field: "service.channel")
        if let p = c.requester { r.reporter = try person(p, table) }
        if let b = c.request?.respondent { r.reported = business(b) }
        r.category = c.request?.category ?? ""
        r.content = c.request?.content ?? ""
        r.place = c.request?.location?.address ?? ""
        if let at = c.request?.occurredAt { r.occurredAt = Google_Protobuf_Timestamp(date: at) }
        if let at = c.receivedAt { r.receivedAt = Google_Protobuf_Timestamp(date: at) }
        r.enforcementUnit = c.handling.assignedUnit
        return .with { $0.marketReport = r }
    }

    func renderComplaint(_ c: Case, _ table: CodeTable) throws(CaseError) -> SourceRecord {
        var r = Govcase_Sources_Culturetourism_V1_TourismComplaint()
        r.complaintID = c.source.externalID
        r.revision = c.source.revision
        r.regionCode = c.regionCode
        r.channel = try table.renderCode("channel", for: c.service.channel, field: "service.channel")
        if let p = c.requester { r.complainant = try person(p, table) }
        if let b = c.request?.respondent { r.respondent = business(b) }
        r.category = c.request?.category ?? ""
        r.content = c.request?.content ?? ""
        r.demand = c.request?.demand ?? ""
        if let at = c.request?.occurredAt { r.occurredAt = Google_Protobuf_Timestamp(date: at) }
        if let at = c.receivedAt { r.receivedAt = Google_Protobuf_Timestamp(date: at) }
        // The handling unit at creation: the first transfer's source if the complaint was transferred since.
        r.handlingUnit = c.handling.transfers.first?.fromUnit ?? c.handling.assignedUnit
        r.contractEndedOn = c.request?.contractEndedOn ?? ""
        r.attachments = (c.request?.attachments ?? []).map { a in
            .with {
                $0.name = a.name
                $0.uri = a.uri
                $0.mediaType = a.mediaType
                $0.sizeBytes = a.sizeBytes
                $0.sha256 = a.sha256
            }
        }
        return .with { $0.tourismComplaint = r }
    }

    func renderHandover(_ c: Case, _ table: CodeTable) throws(CaseError) -> SourceRecord {
        var r = Govcase_Sources_Culturetourism_V1_HotlineHandover()
        r.orderID = c.source.externalID
        r.revision = c.source.revision
        r.regionCode = c.regionCode
        r.requestKind = try table.renderCode("requestKind", for: c.kind, field: "kind")
        if let p = c.requester { r.caller = try person(p, table) }
        r.title = c.request?.title ?? ""
        r.content = c.request?.content ?? ""
        r.category = c.request?.category ?? ""
        r.allegesViolation = c.request?.allegesViolation ?? false
        // A complaint kept as an ordinary request was not a tourism dispute.
        r.outsideTourismDisputes = c.kind == .complaint && !r.allegesViolation && c.lifecycle == .request
        if let b = c.request?.respondent { r.respondent = business(b) }
        if let at = c.receivedAt { r.receivedAt = Google_Protobuf_Timestamp(date: at) }
        if let at = c.handling.transfers.first?.transferredAt { r.handedOverAt = Google_Protobuf_Timestamp(date: at) }
        if let at = c.handling.deadlines.handleBy { r.handleBy = Google_Protobuf_Timestamp(date: at) }
        return .with { $0.hotlineHandover = r }
    }

    /// An event as `ComplaintProgress` (tourism complaints) or `HandoverProgress` (12345 hand-overs); events
    /// the platform has no step code for render to nothing.
    public func render(_ event: LifecycleEvent, of c: Case) throws(CaseError) -> [SourceRecord] {
        let table = codes.table(for: c.source.sourceSystem)
        let id = event.sourceRecord?.externalID ?? "\(c.source.externalID)-\(event.sequence)"
        let revision = event.sourceRecord?.revision ?? 1
        let a = event.step.action
        let unit = a.kind == .transfer ? a.unit : event.step.actor.unit
        let at = Google_Protobuf_Timestamp(date: event.step.occurredAt)
        if c.lifecycle == .tourismComplaint, let step = table.code("complaintStep", for: a.kind) {
            return [
                .with {
                    $0.complaintProgress = .with {
                        $0.progressID = id
                        $0.revision = revision
                        $0.complaintID = c.source.externalID
                        $0.step = step
                        $0.unit = unit
                        $0.operator = event.step.actor.person
                        $0.note = a.note
                        $0.occurredAt = at
                    }
                }
            ]
        }
        guard c.lifecycle == .request, let step = table.code("handoverStep", for: a.kind) else { return [] }
        let satisfactionCode =
            a.level == nil ? "" : try table.renderCode("satisfaction", for: a.level, field: "action.level")
        return [
            .with {
                $0.handoverProgress = .with {
                    $0.progressID = id
                    $0.revision = revision
                    $0.orderID = c.source.externalID
                    $0.step = step
                    $0.unit = unit
                    $0.operator = event.step.actor.person
                    $0.content = a.note
                    if let deadline = a.deadline { $0.extendedTo = Google_Protobuf_Timestamp(date: deadline) }
                    $0.satisfaction = Int32(a.level?.rawValue ?? 0)
                    $0.satisfactionCode = satisfactionCode
                    $0.occurredAt = at
                }
            }
        ]
    }

    func person(_ p: Party, _ table: CodeTable) throws(CaseError) -> Govcase_Sources_Culturetourism_V1_Person {
        var m = Govcase_Sources_Culturetourism_V1_Person()
        m.partyType = try table.renderCode("partyType", for: p.kind, field: "requester.kind")
        m.realName = p.realName
        m.name = p.name
        m.phone = p.phone
        m.documentType = try table.renderCode("documentType", for: p.documentType, field: "requester.document_type")
        m.documentNumber = p.documentNumber
        return m
    }

    func business(_ b: Respondent) -> Govcase_Sources_Culturetourism_V1_Business {
        .with {
            $0.name = b.name
            $0.creditCode = b.creditCode
            $0.address = b.address
            $0.trade = b.trade
        }
    }
}

import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GovCaseProto
import SwiftProtobuf

/// What happens on the demo's day, in order, each call made by the identity that would make it in production.
/// Every outcome is checked against what a correct gateway does.
struct DemoScript {
    let day: DemoDay
    let clients: DemoClients
    /// Case ids by external id, from the acknowledgements.
    private var caseIDs: [String: String] = [:]

    init(day: DemoDay, clients: DemoClients) {
        self.day = day
        self.clients = clients
    }

    mutating func play() async throws {
        print("The day played: \(day.dateText), Beijing time.\n")
        try await morningEvaluations()
        try await badReviewLoop()
        try await hotlineHandover()
        try await resubmission()
        try await refusals()
        try await privacy()
    }

    // MARK: Steps

    private mutating func morningEvaluations() async throws {
        let national = day.nationalEvaluations
        step(
            "national-sc", "NationalIngestService/SubmitBatch",
            "\(national.count) evaluations (好差评), every level and 13 channels")
        let summary = try await clients.connect(as: "national-sc") { grpc in
            try await Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc).submitBatch(
                requestProducer: { try await $0.write(.with { $0.records = national }) })
        }
        try expect(Int(summary.accepted) == national.count && summary.rejected == 0, "all accepted", summary)
        record(summary.acks)
        say("\(summary.accepted) accepted; the 不满意 and 非常不满意 ones opened the bad-review loop (差评核实)")

        let approvals = day.approvalEvaluations
        step(
            "culture-tourism-sc", "CultureTourismIngestService/SubmitStream",
            "\(approvals.count) approval evaluations, one message each")
        record(try await stream(as: "culture-tourism-sc", approvals))
    }

    private mutating func badReviewLoop() async throws {
        let record = day.badReview
        step("national-sc", "NationalIngestService/Submit", "a 非常不满意 at the window, real-name, with detail items")
        let ack = try await clients.connect(as: "national-sc") { grpc in
            try await Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc).submit(record)
        }
        try expect(ack.outcome == .accepted, "accepted", ack)
        self.record([ack])
        say("case \(ack.caseID): AWAITING_VERIFICATION, rectification deadline set in working days")

        step("handler-jinjiang", "CaseService/TransitionCase", "the district closes the loop (差评整改闭环)")
        let actions: [(Govcase_Core_V1_LifecycleAction, Int, Govcase_Core_V1_CaseStatus)] = [
            (
                .with {
                    $0.kind = .verify; $0.note = "属实：窗口排队时间过长"
                }, 15, .verified
            ),
            (
                .with {
                    $0.kind = .fixByDeadline; $0.deadline = day.at(24 * 3 + 17)
                }, 15, .rectifying
            ),
            (
                .with {
                    $0.kind = .completeRectification; $0.note = "增开两个窗口并安排引导员"
                }, 17, .awaitingFeedback
            ),
            (
                .with {
                    $0.kind = .giveFeedback; $0.feedbackMethod = .phone
                }, 18, .awaitingRating
            ),
            (
                .with {
                    $0.kind = .rateFeedback; $0.level = .satisfied
                }, 19, .closed
            ),
        ]
        try await clients.connect(as: "handler-jinjiang") { grpc in
            let cases = Govcase_Gateway_V1_CaseService.Client(wrapping: grpc)
            for (action, hour, expected) in actions {
                let response = try await cases.transitionCase(
                    .with {
                        $0.caseID = ack.caseID
                        $0.action = action
                        $0.occurredAt = day.at(hour, 10)
                        $0.person = "李核查"
                    })
                try expect(response.case.status == expected, "\(expected)", response.case.status)
                say("\(name(action.kind)) → \(name(response.case.status))")
            }
        }
    }

    private mutating func hotlineHandover() async throws {
        step(
            "hotline-tongnan", "HotlineIngestService/SubmitStream",
            "a report by phone, handed over (转办) to culture and tourism")
        try await stream(as: "hotline-tongnan", day.hotlineMorning)
        step(
            "culture-tourism-cq", "CultureTourismIngestService/SubmitStream", "the hand-over received and handled to 办结"
        )
        try await stream(as: "culture-tourism-cq", day.handover)
        step(
            "hotline-tongnan", "HotlineIngestService/SubmitStream", "signed, handled, replied, return visit 满意, closed")
        try await stream(as: "hotline-tongnan", day.hotlineAfternoon)

        let order = day.orderID
        try await clients.connect(as: "auditor-sc") { grpc in
            let cases = Govcase_Gateway_V1_CaseService.Client(wrapping: grpc)
            for (adapter, source) in [("hotline-12345", "hotline-tongnan"), ("culture-tourism", "culture-tourism-cq")] {
                let found = try await cases.queryCases(
                    .with {
                        $0.filter.adapterIds = [adapter]; $0.filter.regionPrefixes = ["500151"]
                    })
                guard let c = found.cases.first(where: { $0.source.externalID == order }) else {
                    throw DemoFailure("no case for \(order) from \(source)")
                }
                try expect(c.status == .closed, "CLOSED", c.status)
                say(
                    "\(source)'s case for \(order): \(name(c.status)), routed to \(c.handling.assignedUnit.isEmpty ? "—" : c.handling.assignedUnit)"
                )
            }
        }
    }

    private func resubmission() async throws {
        let record = day.badReview
        step("national-sc", "NationalIngestService/Submit", "the same bad review again (a retry after a lost reply)")
        let ack = try await clients.connect(as: "national-sc") { grpc in
            try await Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc).submit(record)
        }
        let original = caseIDs[record.evaluation.evaluationID] ?? ""
        try expect(ack.outcome == .duplicate && ack.caseID == original, "DUPLICATE of \(original)", ack)
        say("DUPLICATE: the original case \(ack.caseID), nothing stored twice")
    }

    private func refusals() async throws {
        let malformed = day.malformedEvaluation
        step("national-sc", "NationalIngestService/Submit", "a record with bad fields")
        try await expectRefusal(as: "national-sc", code: .invalidArgument) { grpc in
            _ = try await Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc).submit(malformed)
        }

        var outside = day.workOrder
        outside.orderID = "GD-510104-\(day.dateText.filter(\.isNumber))-0009"
        outside.regionCode = "510104"
        step("hotline-tongnan", "HotlineIngestService/Submit", "a work order for Chengdu's Jinjiang district")
        try await expectRefusal(as: "hotline-tongnan", code: .permissionDenied) { grpc in
            _ = try await Govcase_Gateway_V1_HotlineIngestService.Client(wrapping: grpc).submit(
                .with { $0.workOrder = outside })
        }
        step("hotline-shenzhen", "HotlineIngestService/Submit", "a caller the policy grants nothing")
        try await expectRefusal(as: "hotline-shenzhen", code: .permissionDenied) { grpc in
            _ = try await Govcase_Gateway_V1_HotlineIngestService.Client(wrapping: grpc).submit(
                .with { $0.workOrder = day.workOrder })
        }
    }

    private func privacy() async throws {
        let caseID = caseIDs[day.badReview.evaluation.evaluationID] ?? ""
        for (reader, role) in [("national-sc", "reader"), ("auditor-sc", "privacy-reader, audited")] {
            step(reader, "CaseService/GetCase", "the bad review's evaluator, as a \(role)")
            let c = try await clients.connect(as: reader) { grpc in
                try await Govcase_Gateway_V1_CaseService.Client(wrapping: grpc).getCase(.with { $0.caseID = caseID })
            }
            say("evaluator \(c.requester.name), \(c.requester.phone), \(c.requester.documentNumber)")
        }
    }

    // MARK: Helpers

    /// Sends each record as its own message on one bidirectional stream; every ack must say ACCEPTED.
    @discardableResult
    private func stream(as identity: String, _ records: [Govcase_Gateway_V1_HotlineRecord]) async throws
        -> [Govcase_Gateway_V1_RecordAck]
    {
        let acks = try await clients.connect(as: identity) { grpc in
            try await Govcase_Gateway_V1_HotlineIngestService.Client(wrapping: grpc).submitStream(
                requestProducer: { writer in for r in records { try await writer.write(.with { $0.records = [r] }) } }
            ) { response in try await response.messages.reduce(into: []) { $0 += $1.acks } }
        }
        return try allAccepted(acks, count: records.count)
    }

    @discardableResult
    private func stream(as identity: String, _ records: [Govcase_Gateway_V1_CultureTourismRecord]) async throws
        -> [Govcase_Gateway_V1_RecordAck]
    {
        let acks = try await clients.connect(as: identity) { grpc in
            try await Govcase_Gateway_V1_CultureTourismIngestService.Client(wrapping: grpc).submitStream(
                requestProducer: { writer in for r in records { try await writer.write(.with { $0.records = [r] }) } }
            ) { response in try await response.messages.reduce(into: []) { $0 += $1.acks } }
        }
        return try allAccepted(acks, count: records.count)
    }

    private func allAccepted(_ acks: [Govcase_Gateway_V1_RecordAck], count: Int) throws
        -> [Govcase_Gateway_V1_RecordAck]
    {
        try expect(acks.count == count && acks.allSatisfy { $0.outcome == .accepted }, "\(count) accepted", acks)
        say("acks, each after its commit: " + acks.map { "\($0.externalID) ACCEPTED" }.joined(separator: ", "))
        return acks
    }

    private func expectRefusal(
        as identity: String, code: RPCError.Code,
        _ call: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Void
    ) async throws {
        do {
            try await clients.connect(as: identity, call)
            throw DemoFailure("\(identity)'s call was accepted; expected \(code)")
        } catch let error as RPCError {
            try expect(error.code == code, "\(code)", error.code)
            let violations = error.fieldViolations
            say("refused: \(name(error.code))" + (violations.isEmpty ? " — \(error.message)" : ", field by field:"))
            for violation in violations { say("  \(violation.field): \(violation.rule): \(violation.message)") }
        }
    }

    private mutating func record(_ acks: [Govcase_Gateway_V1_RecordAck]) {
        for ack in acks where !ack.caseID.isEmpty { caseIDs[ack.externalID] = ack.caseID }
    }

    private func step(_ identity: String, _ call: String, _ what: String) {
        print("▸ \(identity) → \(call): \(what)")
    }

    private func say(_ line: String) { print("    \(line)") }

    private func expect(_ condition: Bool, _ expected: String, _ actual: Any) throws {
        guard condition else { throw DemoFailure("expected \(expected), got \(actual)") }
    }

    private func name(_ value: Any) -> String {
        "\(value)".replacingOccurrences(of: "([a-z])([A-Z])", with: "$1_$2", options: .regularExpression).uppercased()
    }
}

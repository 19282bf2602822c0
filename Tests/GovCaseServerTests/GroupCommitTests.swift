import Foundation
import GRPCCore
import GovCasePKI
import GovCaseProto
import SwiftProtobuf
import Testing

/// Group commit and stream pipelining must not change what a caller sees: a stream's messages still take
/// effect in order, and concurrent submits of one record still store it once.
extension MutualTLSTests {
    static func badReview(_ id: String, revision: UInt64, text: String) -> Govcase_Gateway_V1_NationalRecord {
        var record = evaluation(id, level: 1)
        record.evaluation.revision = revision
        record.evaluation.text = text
        return record
    }

    @Test func aPipelinedStreamKeepsItsMessagesInOrder() async throws {
        let client = try ca.issueClient(commonName: "national-sc", uri: Self.spiffe("national-sc"))
        let feedback: Govcase_Gateway_V1_NationalRecord = .with {
            $0.rectificationFeedback = .with {
                $0.feedbackID = "ZG-order-1"
                $0.revision = 1
                $0.evaluationID = "PJ-order"
                $0.verifiedAt = Google_Protobuf_Timestamp(date: Date().addingTimeInterval(-30))
                $0.verifier = "赵核实"
                $0.verificationFinding = "属实"
            }
        }
        // Revision 2 right after revision 1, then a follow-up naming the case: each message depends on the
        // one before, and all are written before any acknowledgement is read.
        let messages = [
            Self.badReview("PJ-order", revision: 1, text: "排队两小时"),
            Self.badReview("PJ-order", revision: 2, text: "排队两小时无人引导"), feedback,
        ]
        try await withGateway(client: client) { gateway in
            try await gateway.submitStream { writer in
                for record in messages { try await writer.write(.with { $0.records = [record] }) }
            } onResponse: { response in
                var acks: [Govcase_Gateway_V1_RecordAck] = []
                for try await message in response.messages { acks += message.acks }
                #expect(acks.map(\.outcome) == [.accepted, .accepted, .accepted], "\(acks)")
                #expect(Set(acks.map(\.caseID)).count == 1, "one case, updated, then followed up")
                #expect(acks.map(\.index) == [0, 1, 2])
            }
        }
    }

    @Test func concurrentSubmitsOfOneRecordStoreItOnce() async throws {
        let client = try ca.issueClient(commonName: "national-sc", uri: Self.spiffe("national-sc"))
        try await withGateway(client: client) { gateway in
            let acks = try await withThrowingTaskGroup(of: Govcase_Gateway_V1_RecordAck.self) { group in
                let record = Self.evaluation("PJ-same")  // one record, sent sixteen times at once
                for _ in 0..<16 { group.addTask { try await gateway.submit(record) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(acks.filter { $0.outcome == .accepted }.count == 1)
            #expect(acks.filter { $0.outcome == .duplicate }.count == 15)
            #expect(Set(acks.map(\.caseID)).count == 1)
        }
    }
}

import Foundation
import GRPCCore
import GovCaseClient
import GovCaseProto
import SwiftProtobuf
import Synchronization
import GovCaseTestSupport
import Testing

/// A gateway killed with SIGKILL in the middle of a stream of submits loses nothing it acknowledged and
/// stores nothing twice.
@Suite(.heavy) struct CrashTests {
    @Test func everyAcknowledgedRecordSurvivesSIGKILLExactlyOnce() async throws {
        let deployment = try await Deployment.make()
        let gateway = try deployment.serve()
        let port = try await gateway.servingPort()
        let acknowledged = Mutex<Set<String>>([])
        let source = GatewayClientIdentity.development("national-sc", in: deployment.folder)

        // Batches of five records, one after another, until the process dies under the stream.
        do {
            try await withGatewayClient(host: "127.0.0.1", port: port, as: source) { grpc in
                try await Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc).submitStream(
                    requestProducer: { writer in
                        for batch in 0..<100_000 {
                            let records = (0..<5).map { SampleRecords.nationalEvaluation("PJ-crash-\(batch)-\($0)") }
                            try await writer.write(.with { $0.records = records })
                        }
                    }
                ) { response in
                    var killed = false
                    for try await message in response.messages {
                        let count = acknowledged.withLock { seen in
                            for ack in message.acks where ack.outcome == .accepted { seen.insert(ack.externalID) }
                            return seen.count
                        }
                        if count >= 500 && !killed {
                            killed = true
                            gateway.send(SIGKILL)
                        }
                    }
                }
            }
            Issue.record("the stream ended normally; the gateway was not killed under it")
        } catch {
            // The connection dies with the process.
        }
        #expect(try await gateway.exitStatus() == 128 + SIGKILL)

        let restarted = try deployment.serve()
        let newPort = try await restarted.servingPort()
        let stored = try await deployment.storedNationalExternalIDs(port: newPort)
        restarted.send(SIGTERM)
        #expect(try await restarted.exitStatus() == 0)

        let acked = acknowledged.withLock { $0 }
        #expect(acked.count >= 500)
        #expect(Set(stored).count == stored.count, "a record stored twice")
        #expect(acked.isSubset(of: Set(stored)), "\(acked.subtracting(stored).count) acknowledged records lost")
    }
}

import GRPCCore
import GovCaseProto
import SwiftProtobuf
import Testing

/// The standard health service, as a load balancer or grpcurl asks it.
extension MutualTLSTests {
    @Test func healthReportsServingForTheServerAndEachService() async throws {
        try await withRunningGateway { address in
            try await connect(to: address, as: try client("auditor-sc", region: "510000")) { grpc in
                let health = Grpc_Health_V1_Health.Client(wrapping: grpc)
                #expect(try await health.check(.with { $0.service = "" }).status == .serving)
                #expect(
                    try await health.check(.with { $0.service = "govcase.gateway.v1.CaseService" }).status == .serving)
                await #expect {
                    _ = try await health.check(.with { $0.service = "no.such.Service" })
                } throws: { ($0 as? RPCError)?.code == .notFound }
                let all = try await health.list(.init())
                #expect(all.statuses.keys.contains("govcase.gateway.v1.NationalIngestService"))
                #expect(all.statuses.values.allSatisfy { $0.status == .serving })
                let first = try await health.watch(.with { $0.service = "no.such.Service" }) { response in
                    for try await status in response.messages { return status.status }
                    return .unknown
                }
                #expect(first == .serviceUnknown)
            }
        }
    }
}

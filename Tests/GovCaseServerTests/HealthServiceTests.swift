import GRPCCore
import GovCasePKI
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

/// Identity is decided once, by one interceptor, for every service: health is open to every certificate the
/// handshake verified; reflection and the rest need an identity the policy admits.
extension MutualTLSTests {
    @Test func healthIsOpenToAnyVerifiedCertificateAndReflectionIsNot() async throws {
        let stranger = try ca.issueClient(commonName: "lb", uri: "spiffe://elsewhere.test/region/510104/system/lb")
        try await withRunningGateway { address in
            try await connect(to: address, as: stranger) { grpc in
                let health = Grpc_Health_V1_Health.Client(wrapping: grpc)
                #expect(try await health.check(.with { $0.service = "" }).status == .serving)
                let reflection = Grpc_Reflection_V1_ServerReflection.Client(wrapping: grpc)
                do {
                    let answers: Int = try await reflection.serverReflectionInfo(
                        requestProducer: { writer in try await writer.write(.with { $0.listServices = "" }) }
                    ) { response in
                        var count = 0
                        for try await _ in response.messages { count += 1 }
                        return count
                    }
                    Issue.record("reflection answered \(answers) question(s) to an unknown identity")
                } catch let error as RPCError {
                    #expect(error.code == .unauthenticated && error.message.contains("trust domain"), "\(error)")
                }
                let adapters = Govcase_Gateway_V1_AdapterService.Client(wrapping: grpc)
                await #expect {
                    _ = try await adapters.listAdapters(.init())
                } throws: { ($0 as? RPCError)?.code == .unauthenticated }
            }
        }
    }
}

import GRPCCore
import GovCaseProto
import SwiftProtobuf
import Testing

/// Server reflection, as grpcurl asks it: list the services, then fetch a service's file with its imports.
extension MutualTLSTests {
    @Test func reflectionListsServicesAndServesFilesWithTheirImports() async throws {
        try await withRunningGateway { address in
            try await connect(to: address, as: try client("auditor-sc", region: "510000")) { grpc in
                let reflection = Grpc_Reflection_V1_ServerReflection.Client(wrapping: grpc)
                let questions: [Grpc_Reflection_V1_ServerReflectionRequest] = [
                    .with { $0.listServices = "" },
                    .with { $0.fileContainingSymbol = "govcase.gateway.v1.CaseService" },
                    .with { $0.fileContainingSymbol = "govcase.gateway.v1.CaseService.TransitionCase" },
                    .with { $0.fileByFilename = "govcase/core/v1/party.proto" },
                    .with { $0.fileContainingSymbol = "no.such.Symbol" },
                    .with { $0.allExtensionNumbersOfType = "google.protobuf.FieldOptions" },
                    .init(),
                ]
                let answers = try await reflection.serverReflectionInfo(
                    requestProducer: { writer in try await writer.write(contentsOf: questions) }
                ) { response in try await response.messages.reduce(into: []) { $0.append($1) } }
                try #require(answers.count == questions.count)
                #expect(answers.map(\.originalRequest) == questions)

                let services = answers[0].listServicesResponse.service.map(\.name)
                #expect(services.contains("govcase.gateway.v1.CaseService"))
                #expect(services.contains("grpc.health.v1.Health"))
                #expect(services.contains("grpc.reflection.v1alpha.ServerReflection"))
                #expect(!services.contains("govcase.plugin.v1.AdapterPluginService"), "not served by the gateway")

                let files = try answers[1].fileDescriptorResponse.fileDescriptorProto.map {
                    try Google_Protobuf_FileDescriptorProto(serializedBytes: $0)
                }
                #expect(files.first?.name == "govcase/gateway/v1/cases.proto")
                #expect(files.contains { $0.name == "govcase/core/v1/case.proto" }, "imports travel with the file")
                #expect(Set(files.map(\.name)).count == files.count, "each file once")
                #expect(answers[2].fileDescriptorResponse == answers[1].fileDescriptorResponse)
                #expect(answers[3].fileDescriptorResponse.fileDescriptorProto.count >= 1)

                #expect(answers[4].errorResponse.errorCode == 5)
                #expect(answers[4].errorResponse.errorMessage.contains("no.such.Symbol"))
                // The `(govcase.core.v1.sensitive)` field option.
                #expect(!answers[5].allExtensionNumbersResponse.extensionNumber.isEmpty)
                #expect(answers[6].errorResponse.errorCode == 3)
            }
        }
    }

    @Test func reflectionAnswersTheOlderV1AlphaToo() async throws {
        try await withRunningGateway { address in
            try await connect(to: address, as: try client("auditor-sc", region: "510000")) { grpc in
                let reflection = Grpc_Reflection_V1alpha_ServerReflection.Client(wrapping: grpc)
                let names = try await reflection.serverReflectionInfo(
                    requestProducer: { try await $0.write(.with { $0.listServices = "" }) }
                ) { response in
                    try await response.messages.reduce(into: []) { $0 += $1.listServicesResponse.service.map(\.name) }
                }
                #expect(names.contains("govcase.gateway.v1.NationalIngestService"))
            }
        }
    }
}

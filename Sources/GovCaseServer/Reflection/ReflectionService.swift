import GRPCCore
import GovCaseProto
import SwiftProtobuf

/// The standard gRPC server reflection service, in both versions clients ask for (grpcurl and grpcio-reflection
/// try `v1` first, older tools only know `v1alpha`), so integrators can explore the gateway without the
/// protos. grpc-swift-extras, which ships one, is not in the package mirror.
///
/// Reflection reveals only the contracts, which are public; it is still served over mutual TLS only.
struct ReflectionServiceV1: Grpc_Reflection_V1_ServerReflection.SimpleServiceProtocol {
    let catalog: ReflectionCatalog

    func serverReflectionInfo(
        request: RPCAsyncSequence<Grpc_Reflection_V1_ServerReflectionRequest, any Error>,
        response: RPCWriter<Grpc_Reflection_V1_ServerReflectionResponse>, context: ServerContext
    ) async throws {
        for try await question in request { try await response.write(catalog.index.answer(question)) }
    }
}

/// `grpc.reflection.v1alpha`: the same messages under an older package, so each is converted through its wire
/// form, which the two versions share, and answered by the v1 index.
struct ReflectionServiceV1Alpha: Grpc_Reflection_V1alpha_ServerReflection.SimpleServiceProtocol {
    let catalog: ReflectionCatalog

    func serverReflectionInfo(
        request: RPCAsyncSequence<Grpc_Reflection_V1alpha_ServerReflectionRequest, any Error>,
        response: RPCWriter<Grpc_Reflection_V1alpha_ServerReflectionResponse>, context: ServerContext
    ) async throws {
        for try await question in request {
            let answer = catalog.index.answer(
                try Grpc_Reflection_V1_ServerReflectionRequest(serializedBytes: question.serializedBytes() as [UInt8]))
            try await response.write(
                Grpc_Reflection_V1alpha_ServerReflectionResponse(serializedBytes: answer.serializedBytes() as [UInt8]))
        }
    }
}

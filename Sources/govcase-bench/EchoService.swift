import GRPCCore

/// Floor A: a bare grpc-swift 2 echo service on raw bytes (no protobuf, no work in the handler), served with
/// the gateway's own mutual-TLS transport configuration. What the transport alone costs.
struct EchoService: RegistrableRPCService {
    static let unary = MethodDescriptor(fullyQualifiedService: "govcase.bench.Echo", method: "Unary")
    static let stream = MethodDescriptor(fullyQualifiedService: "govcase.bench.Echo", method: "Stream")

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(
            forMethod: Self.unary, deserializer: RawBytes(), serializer: RawBytes()
        ) { request, _ in
            let message = try await request.messages.first { _ in true } ?? []
            return StreamingServerResponse(single: ServerResponse(message: message))
        }
        router.registerHandler(
            forMethod: Self.stream, deserializer: RawBytes(), serializer: RawBytes()
        ) { request, _ in
            StreamingServerResponse { writer in
                for try await message in request.messages { try await writer.write(message) }
                return [:]
            }
        }
    }
}

/// Messages as they are on the wire.
struct RawBytes: MessageSerializer, MessageDeserializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
    func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> [UInt8] {
        bytes.withUnsafeBytes { Array($0) }
    }
}

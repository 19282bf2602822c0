import GRPCCore
import GovCasePolicy

/// Resolves the caller once, for every RPC of every service, before any handler runs, and hands the identity to
/// handlers as `RequestCaller.current`. No handler can forget to ask who is calling, and none can ask twice.
///
/// Health is open to every connection the TLS handshake verified (load balancers probe it with whatever
/// certificate they hold); every other service, reflection included, requires an identity the policy admits.
struct CallerInterceptor: ServerInterceptor {
    let callers: any CallerResolver

    /// Services any verified connection may call.
    static let openServices: Set<String> = ["grpc.health.v1.Health"]

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard !Self.openServices.contains(context.descriptor.service.fullyQualifiedService) else {
            return try await next(request, context)
        }
        let identity = try callers.caller(of: context)
        var response = try await RequestCaller.$current.withValue(identity) { try await next(request, context) }
        // Streaming responses (and every handler that reads a request stream) run in the producer, after this
        // returns: the identity must reach it too.
        if case .success(var contents) = response.accepted {
            let producer = contents.producer
            contents.producer = { writer in
                try await RequestCaller.$current.withValue(identity) { try await producer(writer) }
            }
            response.accepted = .success(contents)
        }
        return response
    }
}

/// The caller of the RPC being handled, as `CallerInterceptor` resolved it.
enum RequestCaller {
    @TaskLocal static var current: CallerIdentity?

    /// The caller; UNAUTHENTICATED if none was resolved, so a service served without the interceptor serves
    /// nobody rather than everybody.
    static func resolved() throws -> CallerIdentity {
        guard let current else {
            throw RPCError(code: .unauthenticated, message: "no caller identity was resolved for this call")
        }
        return current
    }
}

extension AccessDenial: RPCErrorConvertible {
    /// UNAUTHENTICATED (who are you?) or PERMISSION_DENIED (not allowed).
    public var rpcErrorCode: RPCError.Code {
        switch self {
        case .unauthenticated: .unauthenticated
        case .permissionDenied: .permissionDenied
        }
    }

    /// The reason alone: it names the certificate's problem or the missing grant, never internal state.
    public var rpcErrorMessage: String { reason }
}

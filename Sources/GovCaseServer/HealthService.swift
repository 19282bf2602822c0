import GRPCCore
import GovCaseProto
import SwiftProtobuf
import Synchronization

/// Whether the gateway still takes new work: set to draining when a graceful shutdown begins, so load
/// balancers watching health move callers elsewhere before the listener closes.
public final class ServingState: Sendable {
    private let draining = Mutex(false)

    public init() {}

    /// Marks the gateway as draining; health reports NOT_SERVING from now on.
    public func beginDraining() { draining.withLock { $0 = true } }

    /// Whether a graceful shutdown has begun.
    public var isDraining: Bool { draining.withLock { $0 } }

    var status: Grpc_Health_V1_HealthCheckResponse.ServingStatus { isDraining ? .notServing : .serving }
}

/// The standard `grpc.health.v1.Health` service, so load balancers, grpcurl and grpcio's health client can ask
/// whether the gateway serves. grpc-swift-extras, which ships one, is not in the package mirror.
///
/// Every registered service is SERVING while the gateway runs and NOT_SERVING once it drains; the empty name
/// stands for the whole server.
struct HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    /// Names of the services the gateway serves.
    let services: [String]
    /// Serving or draining.
    let state: ServingState
    /// How long Watch waits between looks at a service's status.
    let pollInterval: Duration

    func status(of service: String) -> Grpc_Health_V1_HealthCheckResponse.ServingStatus? {
        service.isEmpty || services.contains(service) ? state.status : nil
    }

    func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws
        -> Grpc_Health_V1_HealthCheckResponse
    {
        guard let status = status(of: request.service) else {
            throw RPCError(code: .notFound, message: "unknown service \"\(request.service)\"")
        }
        return .with { $0.status = status }
    }

    func list(request: Grpc_Health_V1_HealthListRequest, context: ServerContext) async throws
        -> Grpc_Health_V1_HealthListResponse
    {
        .with { response in
            let status = state.status
            for name in [""] + services { response.statuses[name] = .with { $0.status = status } }
        }
    }

    /// Sends the status now and again on every change, until the caller cancels or, once NOT_SERVING has
    /// been sent, the gateway drains.
    func watch(
        request: Grpc_Health_V1_HealthCheckRequest, response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        var last: Grpc_Health_V1_HealthCheckResponse.ServingStatus?
        while !Task.isCancelled {
            // Read before the status, so the last status sent is NOT_SERVING when the stream ends for draining
            // (a draining transport cancels open RPCs).
            let ending = state.isDraining || context.cancellation.isCancelled
            let now = status(of: request.service) ?? .serviceUnknown
            if now != last {
                try await response.write(.with { $0.status = now })
                last = now
            }
            if ending { return }
            try await Task.sleep(for: pollInterval)
        }
    }
}

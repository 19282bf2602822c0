import GRPCCore
import Logging
import NIOCore
import GRPCNIOTransportHTTP2
import GovCaseAdapters
import GovCaseCore
import GovCasePlugins
import GovCasePolicy
import GovCaseProto
import GovCaseStore

/// Where the gateway's TLS material lives. The client CA is the province's own bundle: the system trust
/// store is never used.
public struct GatewayTLS: Sendable, Hashable {
    /// Server certificate chain, PEM.
    public var certificatePath: String
    /// Server private key, PEM.
    public var keyPath: String
    /// CA bundle that client certificates must chain to, PEM.
    public var clientCAPath: String

    public init(certificatePath: String, keyPath: String, clientCAPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.clientCAPath = clientCAPath
    }
}

/// Limits a deployment sets.
public struct GatewayLimits: Sendable, Hashable {
    /// Largest request message, bytes; larger ones fail with RESOURCE_EXHAUSTED.
    public var maxMessageBytes: Int = 4 << 20
    /// Most records in one batch message; more fail with RESOURCE_EXHAUSTED.
    public var maxBatchRecords: Int = 1000
    /// Most concurrent streams per connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS).
    public var maxConcurrentStreams: Int = 4096
    /// Seconds a new connection has to complete its TLS handshake before it is closed.
    public var handshakeTimeoutSeconds: Int = 10
    /// Seconds a connection may stay open with no call before the gateway closes it (HTTP/2 GOAWAY).
    public var idleTimeoutSeconds: Int = 300
    /// Most connections open at once; more are closed as they arrive.
    public var maxConnections: Int = 4096
    /// Most connections open at once from one IP address.
    public var maxConnectionsPerPeer: Int = 512

    public init() {}
}

/// Wires the gateway: its services over one mutual-TLS listener.
public enum GatewayServer {
    /// A server for `services` on `transport` in which `CallerInterceptor` resolves the caller of every RPC.
    /// The only way the gateway builds a server: no service can be served without it.
    public static func server<Transport: ServerTransport>(
        transport: Transport, services: [any RegistrableRPCService], callers: any CallerResolver
    ) -> GRPCServer<Transport> {
        GRPCServer(transport: transport, services: services, interceptors: [CallerInterceptor(callers: callers)])
    }

    /// The gRPC services, sharing one pipeline, with the standard health and reflection services.
    public static func services(
        pipeline: IngestPipeline, adapters: [AnySourceAdapter], limits: GatewayLimits,
        state: ServingState = ServingState(), watchPollInterval: Duration = .milliseconds(200)
    ) throws -> [any RegistrableRPCService] {
        let plugins = pipeline.plugins
        let endpoint = IngestEndpoint(
            pipeline: pipeline, maxBatchRecords: limits.maxBatchRecords, maxMessageBytes: limits.maxMessageBytes)
        let gateway: [any RegistrableRPCService] =
            [
                NationalIngestService(endpoint: endpoint), CultureTourismIngestService(endpoint: endpoint),
                HotlineIngestService(endpoint: endpoint),
                GenericIngestService(
                    endpoint: endpoint, adapters: Dictionary(uniqueKeysWithValues: adapters.map { ($0.info.id, $0) }),
                    plugins: plugins),
                AdapterService(adapters: adapters, plugins: plugins),
                CaseService(
                    store: pipeline.store, policy: pipeline.policy, deadlines: pipeline.deadlines,
                    clock: pipeline.clock, watchPollInterval: watchPollInterval),
            ] + (plugins.map { [AdapterAdminService(plugins: $0, policy: pipeline.policy)] } ?? [])
        let admin: [ServiceDescriptor] = plugins == nil ? [] : [Govcase_Gateway_V1_AdapterAdminService.descriptor]
        let names =
            (admin + [
                Govcase_Gateway_V1_NationalIngestService.descriptor,
                Govcase_Gateway_V1_CultureTourismIngestService.descriptor,
                Govcase_Gateway_V1_HotlineIngestService.descriptor, Govcase_Gateway_V1_GenericIngestService.descriptor,
                Govcase_Gateway_V1_AdapterService.descriptor, Govcase_Gateway_V1_CaseService.descriptor,
                Grpc_Health_V1_Health.descriptor, Grpc_Reflection_V1_ServerReflection.descriptor,
                Grpc_Reflection_V1alpha_ServerReflection.descriptor,
            ]).map(\.fullyQualifiedService)
        let reflection = try ReflectionCatalog(
            contracts: ContractDescriptors.fileDescriptorSet(), services: names, plugins: plugins)
        return gateway + [
            HealthService(services: names, state: state, pollInterval: watchPollInterval),
            ReflectionServiceV1(catalog: reflection), ReflectionServiceV1Alpha(catalog: reflection),
        ]
    }

    /// An HTTP/2 listener that requires a client certificate verified against `tls.clientCAPath`.
    public static func mutualTLSTransport(
        host: String, port: Int, tls: GatewayTLS, limits: GatewayLimits,
        logger: Logger = Logger(label: "govcase.transport")
    ) -> HTTP2ServerTransport.Posix {
        mutualTLSTransport(
            host: host, port: port, tls: tls, limits: limits,
            connections: ConnectionGuard(limits: limits, usesTLS: true, logger: logger))
    }

    static func mutualTLSTransport(
        host: String, port: Int, tls: GatewayTLS, limits: GatewayLimits, connections: ConnectionGuard
    ) -> HTTP2ServerTransport.Posix {
        transport(
            host: host, port: port, limits: limits, connections: connections,
            security: .mTLS(
                certificateChain: [.file(path: tls.certificatePath, format: .pem)],
                privateKey: .file(path: tls.keyPath, format: .pem)
            ) {
                $0.trustRoots = .certificates([.file(path: tls.clientCAPath, format: .pem)])
                // Clients are identified by their URI SAN, not a host name.
                $0.clientCertificateVerification = .noHostnameVerification
            })
    }

    /// A plaintext HTTP/2 listener, for `--insecure-loopback` development only: callers must check the host.
    static func plaintextTransport(
        host: String, port: Int, limits: GatewayLimits, connections: ConnectionGuard
    ) -> HTTP2ServerTransport.Posix {
        transport(host: host, port: port, limits: limits, connections: connections, security: .plaintext)
    }

    private static func transport(
        host: String, port: Int, limits: GatewayLimits, connections: ConnectionGuard,
        security: HTTP2ServerTransport.Posix.TransportSecurity
    ) -> HTTP2ServerTransport.Posix {
        HTTP2ServerTransport.Posix(
            address: .ipv4(host: host, port: port), transportSecurity: security,
            config: .defaults {
                // A hard cap above the configured limit: up to it callers get RESOURCE_EXHAUSTED with sizes
                // (see `IngestEndpoint.checkSize`); beyond it the transport resets the stream unread.
                $0.rpc.maxRequestPayloadSize = limits.maxMessageBytes * 2
                $0.http2.maxConcurrentStreams = limits.maxConcurrentStreams
                $0.connection.maxIdleTime = .seconds(limits.idleTimeoutSeconds)
                $0.channelDebuggingCallbacks.onAcceptTCPConnection = connections.accept
                $0.channelDebuggingCallbacks.onAcceptHTTP2Stream = connections.acceptStream
            })
    }
}

import GRPCCore
import Logging
import NIOCore
import GRPCNIOTransportHTTP2
import GovCaseAdapters
import GovCaseCore
import GovCaseForwarding
import GovCasePlugins
import GovCasePolicy
import GovCaseProto
import GovCaseStore
import GovCaseTrust

/// Where the gateway's TLS material lives. The client CA is the province's own bundle: the system trust
/// store is never used. Every file is re-read every `reloadSeconds`, so a rotated certificate, CA bundle or
/// CRL takes effect for new connections without a restart.
public struct GatewayTLS: Sendable, Hashable {
    /// Server certificate chain, PEM.
    public var certificatePath: String
    /// Server private key, PEM.
    public var keyPath: String
    /// CA bundle that client certificates must chain to, PEM.
    public var clientCAPath: String
    /// Certificate revocation lists (PEM or DER), at most one per CA of the bundle, each signed by it.
    public var crlPaths: [String]
    /// What a CRL past its `nextUpdate` means: refuse the certificates its CA issued (the default) or accept.
    public var expiredCRLs: ExpiredCRLHandling
    /// Seconds between re-reads of the files above.
    public var reloadSeconds: Int
    /// `tls.require_crl`: every CA of the bundle must have its CRL, at start and at every reload.
    public var requireCRL = false

    public init(
        certificatePath: String, keyPath: String, clientCAPath: String, crlPaths: [String] = [],
        expiredCRLs: ExpiredCRLHandling = .refuse, reloadSeconds: Int = 30
    ) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.clientCAPath = clientCAPath
        self.crlPaths = crlPaths
        self.expiredCRLs = expiredCRLs
        self.reloadSeconds = reloadSeconds
    }

    /// The files client trust is read from.
    public var clientTrustSources: ClientTrustSources {
        var sources = ClientTrustSources(caBundlePath: clientCAPath, crlPaths: crlPaths, expiredCRLs: expiredCRLs)
        // Carried with the files, so the running trust store's reloads hold to it too, not only the start.
        sources.requireCRL = requireCRL
        return sources
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
    /// Most bytes of ingest messages in flight in the whole gateway (`IngestBudget`); past it messages are shed
    /// with RESOURCE_EXHAUSTED and `grpc-retry-pushback-ms`. 256 MiB is 64 largest messages (4 MiB, 1,000 records
    /// each): over six seconds of the store's work at the 10k rows a second it commits (BENCHMARKS.md), so more in
    /// flight would only wait longer, not go faster, while decoded and translated it stays within the memory of a
    /// small virtual machine (three clients' streams once took the gateway from 102 to 896 MiB). Idle streams hold
    /// none of it.
    public var maxIngestBytes: Int = 256 << 20
    /// Most bytes of ingest messages in flight from one connection, all its calls together: a quarter of
    /// `maxIngestBytes`, so that one client, however many streams it opens, leaves three quarters to the others; and
    /// eight streams' worth of largest messages (a stream holds two of them: `IngestEndpoint.windowIsFull`).
    public var maxIngestBytesPerConnection: Int = 64 << 20
    /// How long a shed client is asked to wait before it sends again (`grpc-retry-pushback-ms`): about twice what
    /// the store takes to commit a largest message (1,000 rows at some 10k rows a second), long enough for the
    /// calls in flight to make room. The conformance kit's sandbox sets a long one of its own, drawn for each
    /// session, so that a sender which waits a fixed time instead cannot pass for one that reads the header.
    public var retryPushbackMilliseconds: Int = 250

    public init() {}

    /// Why the ingest budgets cannot hold one stream of the largest messages, and the key to raise; nil if they can.
    var ingestBudgetProblem: (key: CodingKeys, message: String)? {
        // A stream alone on its connection and its gateway is never shed: it holds at most this in flight.
        let stream = maxMessageBytes + max(maxMessageBytes, IngestEndpoint.streamWindowBytes)
        if maxIngestBytesPerConnection < stream {
            return (
                .maxIngestBytesPerConnection,
                "must be at least \(stream): what one stream may hold in flight (two messages of max_message_bytes)"
            )
        }
        let total = max(maxIngestBytesPerConnection, (stream * 8 + 6) / 7)
        if maxIngestBytes < total {
            return (
                .maxIngestBytes,
                "must be at least \(total): max_ingest_bytes_per_connection, and one stream's messages in flight "
                    + "besides the eighth kept for connections holding nothing"
            )
        }
        return nil
    }
}

/// Wires the gateway: its services over one mutual-TLS listener.
public enum GatewayServer {
    /// A server for `services` on `transport` in which `CallerInterceptor` resolves the caller of every RPC and
    /// `CancellationInterceptor` ends each call at its deadline.
    /// The only way the gateway builds a server: no service can be served without it.
    public static func server<Transport: ServerTransport>(
        transport: Transport, services: [any RegistrableRPCService], callers: any CallerResolver
    ) -> GRPCServer<Transport> {
        GRPCServer(
            transport: transport, services: services,
            interceptors: [CancellationInterceptor(), CallerInterceptor(callers: callers)])
    }

    /// The gRPC services, sharing one pipeline and one ingest budget (`limits`' unless given), with the standard
    /// health and reflection services.
    public static func services(
        pipeline: IngestPipeline, adapters: [AnySourceAdapter], limits: GatewayLimits,
        state: ServingState = ServingState(), watchPollInterval: Duration = .milliseconds(200),
        budget: IngestBudget? = nil, forwarders: [Forwarder] = []
    ) throws -> [any RegistrableRPCService] {
        let plugins = pipeline.plugins
        let endpoint = IngestEndpoint(
            pipeline: pipeline, maxBatchRecords: limits.maxBatchRecords, maxMessageBytes: limits.maxMessageBytes,
            budget: budget ?? IngestBudget(limits: limits, logger: pipeline.logger))
        let gateway: [any RegistrableRPCService] =
            IngestServices.all(
                endpoint, adapters: Dictionary(uniqueKeysWithValues: adapters.map { ($0.info.id, $0) }),
                plugins: plugins)
            + [
                AdapterService(adapters: adapters, plugins: plugins),
                CaseService(
                    store: pipeline.store, policy: pipeline.policy, deadlines: pipeline.deadlines,
                    clock: pipeline.clock, watchPollInterval: watchPollInterval),
                OutboxAdminService(
                    store: pipeline.store, forwarders: forwarders, policy: pipeline.policy, clock: pipeline.clock),
                ClockAdminService(
                    store: pipeline.store, policy: pipeline.policy, clock: pipeline.clock, deadlines: pipeline.deadlines
                ),
            ] + (plugins.map { [AdapterAdminService(plugins: $0, policy: pipeline.policy)] } ?? [])
        let admin: [ServiceDescriptor] = plugins == nil ? [] : [Govcase_Gateway_V1_AdapterAdminService.descriptor]
        let names =
            (admin + [
                Govcase_Gateway_V1_NationalIngestService.descriptor,
                Govcase_Gateway_V1_CultureTourismIngestService.descriptor,
                Govcase_Gateway_V1_HotlineIngestService.descriptor, Govcase_Gateway_V1_GenericIngestService.descriptor,
                Govcase_Gateway_V1_AdapterService.descriptor, Govcase_Gateway_V1_CaseService.descriptor,
                Govcase_Gateway_V1_OutboxAdminService.descriptor, Govcase_Gateway_V1_ClockAdminService.descriptor,
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

    /// An HTTP/2 listener that requires a client certificate, verified at the handshake against the client
    /// trust in force (CA bundle and CRLs), and serves the server certificate in force: both from `material`,
    /// which keeps them current while it runs.
    public static func mutualTLSTransport(
        host: String, port: Int, material: GatewayTLSMaterial, limits: GatewayLimits,
        logger: Logger = Logger(label: "govcase.transport")
    ) throws -> HTTP2ServerTransport.Posix {
        try mutualTLSTransport(
            host: host, port: port, material: material, limits: limits,
            connections: ConnectionGuard(limits: limits, usesTLS: true, logger: logger))
    }

    static func mutualTLSTransport(
        host: String, port: Int, material: GatewayTLSMaterial, limits: GatewayLimits, connections: ConnectionGuard
    ) throws -> HTTP2ServerTransport.Posix {
        transport(
            host: host, port: port, limits: limits, connections: connections,
            security: try .mTLS(certificateReloader: material.serverCertificate) {
                // Verification is the callback's (chain, validity, CRLs, key usage, against trust that may be
                // reloaded); BoringSSL still requires a client certificate. The trust roots are only the CA
                // names offered to clients.
                $0.trustRoots = .certificates([.file(path: material.clientTrust.sources.caBundlePath, format: .pem)])
                $0.clientCertificateVerification = .noHostnameVerification
                $0.customVerificationCallback = material.verifier.callback
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

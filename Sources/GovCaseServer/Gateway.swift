import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GovCaseAdapters
import GovCaseCore
import GovCaseForwarding
import GovCasePlugins
import GovCasePolicy
import GovCaseStore
import Logging
import ServiceLifecycle

/// The gateway as a province runs it: store, adapters, policy and services behind one listener, built from a
/// checked configuration, run as a ServiceLifecycle service.
///
/// On graceful shutdown (SIGTERM or SIGINT in `govcase serve`) it reports NOT_SERVING, stops accepting
/// connections, lets the RPCs in flight finish (each acknowledges only what it committed), then closes the
/// store.
public final class Gateway: Service, Sendable {
    /// How callers reach the gateway.
    public enum Security: Sendable {
        /// The product: TLS with client certificates verified against the configured CA.
        case mutualTLS
        /// Development only: plaintext on a loopback address, every caller acting as `identity`.
        case insecureLoopback(identity: CallerIdentity)
    }

    public let configuration: GatewayConfiguration
    let store: CaseStore
    /// Plugin adapters: registered by operators, kept beside the store, supervised while the gateway runs.
    public let plugins: PluginRegistry
    let server: GRPCServer<HTTP2ServerTransport.Posix>
    let transport: HTTP2ServerTransport.Posix
    let state = ServingState()
    let connections: ConnectionGuard
    /// The certificate and client trust in force, re-read while the gateway runs (mutual TLS only).
    let tlsMaterial: GatewayTLSMaterial?
    /// The bytes of ingest messages in flight (`limits.max_ingest_bytes`, `limits.max_ingest_bytes_per_connection`).
    public let ingestBudget: IngestBudget
    /// One per forwarding route, delivering its outbox.
    public let forwarders: [Forwarder]
    /// Fires the clocks' reminders, overdue and escalation events.
    let clockScheduler: ClockScheduler
    let logger: Logger

    /// Opens the store and builds the services; nothing listens until `run()`.
    public init(
        configuration: GatewayConfiguration, security: Security = .mutualTLS, logger: Logger,
        clock: @escaping @Sendable () -> Date = Date.init, hooks: IngestHooks = IngestHooks()
    ) throws {
        self.configuration = configuration
        self.logger = logger
        let listen = configuration.listen
        let callers: any CallerResolver
        switch security {
        case .mutualTLS:
            connections = ConnectionGuard(limits: configuration.limits, usesTLS: true, logger: logger)
            let material = try GatewayTLSMaterial(tls: configuration.tls, logger: logger)
            tlsMaterial = material
            transport = try GatewayServer.mutualTLSTransport(
                host: listen.host, port: listen.port, material: material, limits: configuration.limits,
                connections: connections)
            callers = CertificateCallerResolver(policy: configuration.policy, logger: logger)
        case .insecureLoopback(let identity):
            guard listen.isLoopback else {
                throw ConfigurationError(
                    key: "listen.host", message: "--insecure-loopback refuses \(listen.host): only 127.0.0.0/8")
            }
            // Without TLS anyone on the machine acts as this identity: never one that reads evaluators'
            // identities or administers the gateway.
            let powerful = configuration.policy.grants(of: identity).flatMap(\.roles).filter {
                $0 == .privacyReader || $0 == .admin
            }
            guard powerful.isEmpty else {
                throw ConfigurationError(
                    key: "--identity",
                    message: "--insecure-loopback refuses \(identity): its grants include "
                        + Set(powerful.map(\.rawValue)).sorted().joined(separator: ", "))
            }
            logger.warning(
                "running WITHOUT TLS (--insecure-loopback, development only): every caller acts as \(identity)",
                metadata: ["identity": "\(identity)", "listen": "\(listen.host):\(listen.port)"])
            connections = ConnectionGuard(limits: configuration.limits, usesTLS: false, logger: logger)
            tlsMaterial = nil
            transport = GatewayServer.plaintextTransport(
                host: listen.host, port: listen.port, limits: configuration.limits, connections: connections)
            callers = FixedCallerResolver(identity: identity, policy: configuration.policy)
        }
        store = try configuration.store.open(
            routes: configuration.forwarding.selectors,
            clocks: configuration.clocks.rules(deadlines: configuration.deadlines.policies), logger: logger)
        let adapters = BuiltInAdapters.all(
            overrides: configuration.codeOverrides.mapValues { $0.mapValues { CodeTable($0) } }
        ).filter { configuration.builtInAdapters.contains($0.info.id) }
        let store = store
        clockScheduler = ClockScheduler(
            store: store, clock: clock, logger: logger, deadlines: configuration.deadlines.policies)
        forwarders = try configuration.forwarding.routes.map { entry in
            guard let adapter = adapters.first(where: { $0.info.id == entry.route.renderAdapter }) else {
                throw ConfigurationError(
                    key: "forwarding.routes", message: "route \(entry.route.name): no adapter \(entry.route.renderAdapter)")
            }
            return Forwarder(route: entry.route, store: store, adapter: adapter, logger: logger, clock: clock)
        }
        plugins = try PluginRegistry(
            stateDirectory: URL(fileURLWithPath: configuration.store.stateDirectory).appendingPathComponent("plugins").path,
            builtInTypes: Dictionary(
                adapters.flatMap { adapter in adapter.info.messageTypes.map { ($0, adapter.info.id) } },
                uniquingKeysWith: { first, _ in first }),
            logger: logger)
        let declared = try configuration.plugins.declared(builtInAdapters: configuration.builtInAdapters)
        do {
            try plugins.startDeclared(declared.map { ($0.manifest, $0.origin) })
        } catch {
            throw ConfigurationError(key: "plugins.manifests", message: error.message)
        }
        let pipeline = IngestPipeline(
            adapters: adapters, plugins: plugins, store: store, policy: configuration.policy,
            deadlines: configuration.deadlines.policies,
            clockSkew: TimeInterval(configuration.validation.clockSkewSeconds), clock: clock, logger: logger,
            hooks: hooks)
        ingestBudget = IngestBudget(limits: configuration.limits, logger: logger)
        server = GatewayServer.server(
            transport: transport,
            services: try GatewayServer.services(
                pipeline: pipeline, adapters: adapters, limits: configuration.limits, state: state,
                budget: ingestBudget, forwarders: forwarders),
            callers: callers)
    }

    /// The address it listens on, once listening (useful with port 0).
    public var listeningAddress: SocketAddress.IPv4? {
        get async throws { try await transport.listeningAddress.ipv4 }
    }

    /// Serves until a graceful shutdown, then drains and closes the store.
    ///
    /// The drain: health turns NOT_SERVING at once and the gateway keeps serving for `drain.grace_seconds`, so
    /// load balancers watching health move callers elsewhere; then it stops accepting connections, closes every
    /// connection with no call in flight, and closes each other one when its last call ends.
    public func run() async throws {
        plugins.startKeptRegistrations()
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await self.plugins.run() }
            if let material = self.tlsMaterial { group.addTask { try await material.run() } }
            group.addTask { try await cancelWhenGracefulShutdown { try await self.clockScheduler.run() } }
            // Other gateways' commits on a shared PostgreSQL store wake this one's watchers and forwarders.
            group.addTask { try await self.store.notifications(logger: self.logger).run() }
            for forwarder in self.forwarders {
                // At the start of a drain it stops claiming rows and lets the round in flight finish.
                group.addTask { try await forwarder.run() }
            }
            group.addTask {
                // Plugins stop once the calls in flight, which may need them, have finished.
                defer { self.plugins.shutdown() }
                try await self.server.serve()
            }
            group.addTask {
                // Returns when a graceful shutdown begins (SIGTERM or SIGINT in `govcase serve`).
                do { try await gracefulShutdown() } catch { return }
                let grace = self.configuration.drain.graceSeconds
                self.logger.info(
                    "draining: health NOT_SERVING; then closing idle connections and finishing the calls in flight",
                    metadata: ["drain.grace_seconds": "\(grace)"])
                self.state.beginDraining()
                try? await Task.sleep(for: .seconds(grace))
                self.server.beginGracefulShutdown()
                self.connections.drain()
            }
            if let address = try await listeningAddress {
                // Said to `govcase keys rotate` beside it, once this gateway serves (a start that fails says
                // nothing): a rotation is complete only when the gateway seals with the new key.
                try store.recordSealingKey(now: Date())
                logger.info(
                    "govcase gateway serving on \(address.host):\(address.port) for \(configuration.identityCount) identities",
                    metadata: ["store": "\(configuration.store.location)"])
            }
        }
        try store.close()
        let usage = ingestBudget.usage
        logger.info(
            "gateway stopped; store closed",
            metadata: [
                "ingest_budget.peak_bytes": "\(usage.peak)", "ingest_budget.shed": "\(usage.shed)",
                "ingest_budget.in_flight_bytes": "\(usage.inFlight)",
            ])
    }
}

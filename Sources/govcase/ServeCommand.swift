import ArgumentParser
import Foundation
import GovCasePolicy
import GovCaseServer
import Logging
import ServiceLifecycle
import UnixSignals

/// `govcase serve --config <file.yaml>`: the gateway a province runs.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Runs the gateway: mutual-TLS gRPC, policy, adapters and the durable store, from one YAML file.",
        discussion: """
            The whole configuration is checked before anything starts; an unknown or invalid key is an error \
            naming it (exit 2). SIGTERM or SIGINT drains: health turns NOT_SERVING, no new connections are \
            accepted, calls in flight finish, the store closes.
            """)

    @Option(help: "The gateway's YAML configuration.")
    var config: String

    @Flag(help: "Development only: plaintext on a loopback listen.host, every caller acting as --identity.")
    var insecureLoopback = false

    @Option(help: "With --insecure-loopback: the SPIFFE id every caller acts as.")
    var identity: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func run() async throws {
        var logger = Logger(label: "govcase.gateway")
        guard let level = Logger.Level(rawValue: logLevel) else {
            FileHandle.standardError.write(Data("govcase serve: --log-level: \"\(logLevel)\" is not a level\n".utf8))
            throw ExitCode(2)
        }
        logger.logLevel = level
        Self.raiseOpenFileLimit(logger: logger)
        let gateway: Gateway
        do {
            let configuration = try GatewayConfiguration.load(path: config)
            let security = try chooseSecurity(policy: configuration.policy)
            gateway = try Gateway(configuration: configuration, security: security, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("govcase serve: \(config): \(error)\n".utf8))
            throw ExitCode(2)
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: gateway)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Raises the soft limit on open files to the hard one: every connection is a file, and the common soft
    /// limit of 1,024 lets a thousand idle sockets lock every new client out. Logs the limit in force.
    static func raiseOpenFileLimit(logger: Logger) {
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0 else { return }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        logger.info(
            "open files limit", metadata: ["limit.soft": "\(limit.rlim_cur)", "limit.hard": "\(limit.rlim_max)"])
    }

    private func chooseSecurity(policy: AccessPolicy) throws -> Gateway.Security {
        guard insecureLoopback else {
            if identity != nil { throw ConfigurationError(key: "--identity", message: "needs --insecure-loopback") }
            return .mutualTLS
        }
        guard let identity else {
            throw ConfigurationError(
                key: "--identity", message: "--insecure-loopback needs the SPIFFE id callers act as")
        }
        return .insecureLoopback(
            identity: try CallerIdentity.from(uriSANs: [identity], trustDomain: policy.trustDomain).get())
    }
}

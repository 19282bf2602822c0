import ArgumentParser
import Foundation
import GRPCNIOTransportCore
import GovCaseServer
import Logging
import ServiceLifecycle
import UnixSignals

/// `govcase demo`: a development deployment made from nothing, and a realistic day played through it.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Starts a development gateway and plays a day through all three sources over mutual TLS.",
        discussion: """
            Writes a development PKI, an evaluator key, gateway.yaml and a new cases.sqlite into --dir \
            (replacing what a previous demo left there), serves on 127.0.0.1:--port, and plays yesterday's \
            records as separate client identities. Every outcome is checked: the demo exits 1 if the gateway \
            does anything other than what it prints. With --keep the gateway stays up for grpcurl until Ctrl-C.
            """)

    @Option(help: "Working folder for the PKI, configuration and SQLite file.")
    var dir = ".govcase-demo"

    @Option(help: "Port to serve on (0 picks a free one).")
    var port = 8443

    @Flag(help: "Leave the gateway running after the day, until SIGINT or SIGTERM.")
    var keep = false

    func run() async throws {
        let folder = URL(fileURLWithPath: dir).standardizedFileURL
        try? FileManager.default.removeItem(at: folder)
        let deployment = DevelopmentDeployment(folder: folder, trustDomain: "dev.govcase.local", port: port)
        try deployment.write()
        // The county (this gateway) forwards upward to a province gateway, a second process.
        let province = try await DemoProvince.start(in: folder.appendingPathComponent("province"))
        defer { province.stop() }
        let text = try String(contentsOfFile: deployment.configurationPath, encoding: .utf8)
        try (text + province.route).write(toFile: deployment.configurationPath, atomically: true, encoding: .utf8)
        let configuration = try GatewayConfiguration.load(path: deployment.configurationPath)

        // The demo prints its own account; the gateway's log shows only errors (refusals are expected here).
        var logger = Logger(label: "govcase.gateway")
        logger.logLevel = .error
        let gateway = try Gateway(configuration: configuration, logger: logger)
        let player = DemoPlayer(gateway: gateway, folder: folder, keep: keep, province: province)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: gateway),
                    .init(service: player, successTerminationBehavior: keep ? .ignore : .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Plays the day once the gateway listens, then prints the summary.
struct DemoPlayer: Service {
    let gateway: Gateway
    let folder: URL
    let keep: Bool
    let province: DemoProvince

    func run() async throws {
        guard let address = try await gateway.listeningAddress else {
            throw DemoFailure("the gateway is not listening")
        }
        let configuration = gateway.configuration
        print(
            """
            GovCase Gateway demo
              working folder  \(folder.path)  (development PKI, gateway.yaml, evaluator.key, cases.sqlite)
              gateway         \(address.host):\(address.port), mutual TLS, \(configuration.identityCount) identities \
            in its policy

            """)
        let clients = DemoClients(folder: folder, host: address.host, port: address.port)
        var script = DemoScript(day: DemoDay(), clients: clients)
        try await script.play()
        try DemoSummary(storePath: configuration.store.path, keyPath: configuration.store.evaluatorKey).print()
        if let forwarder = gateway.forwarders.first { try await province.report(forwarder) }
        if keep {
            print(
                """

                The gateway keeps running on \(address.host):\(address.port); Ctrl-C stops it. Try:
                  grpcurl -cacert \(folder.path)/ca.pem -cert \(folder.path)/clients/auditor-sc.pem \
                -key \(folder.path)/clients/auditor-sc-key.pem localhost:\(address.port) list
                  grpcurl ... -d '{"filter": {"region_prefixes": ["51"]}}' localhost:\(address.port) \
                govcase.gateway.v1.CaseService/QueryCases
                  govcase serve --config \(folder.path)/gateway.yaml   (after stopping this one)
                """)
        }
    }
}

/// The gateway did something the demo did not expect.
struct DemoFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GovCaseAdapters
import GovCaseClient
import GovCaseConformance
import GovCaseCore
import GovCasePlugins
import GovCaseProto
import Logging
import SwiftProtobuf

/// `govcase adapters ...`: the adapters of this build, and the plugin adapters of a running gateway.
struct AdaptersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapters", abstract: "Built-in adapters, and plugin adapters on a running gateway.",
        subcommands: [
            List.self, Describe.self, Register.self, Remove.self, Release.self, Check.self, NewAdapterCommand.self,
        ])

    /// How to reach a gateway, as an identity with the roles the command needs (`admin` to change plugins).
    struct GatewayOptions: ParsableArguments {
        @Option(help: "The gateway, host:port (IPv4).")
        var gateway: String?
        @Option(help: "A development deployment folder (govcase pki init): takes the identity's files from it.")
        var deployment: String?
        @Option(name: .customLong("as"), help: "With --deployment: the client identity, e.g. operator-sc.")
        var identity = "operator-sc"
        @Option(help: "Client certificate chain, PEM.") var cert: String?
        @Option(help: "Client private key, PEM.") var key: String?
        @Option(help: "CA bundle the gateway's certificate chains to, PEM.") var ca: String?
        @Option(help: "The name the gateway's certificate carries.") var serverName = "localhost"

        func connect<T: Sendable>(
            _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> T
        ) async throws -> T {
            guard let gateway, let colon = gateway.lastIndex(of: ":"),
                let port = Int(gateway[gateway.index(after: colon)...])
            else { throw ValidationError("--gateway host:port is required") }
            let identity: GatewayClientIdentity
            if let cert, let key, let ca {
                identity = GatewayClientIdentity(certificatePath: cert, keyPath: key, trustRootsPath: ca)
            } else if let deployment {
                identity = .development(self.identity, in: URL(fileURLWithPath: deployment))
            } else {
                throw ValidationError("give --cert, --key and --ca, or --deployment")
            }
            return try await withGatewayClient(
                host: String(gateway[..<colon]), port: port, as: identity, serverName: serverName
            ) { try await body($0) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Lists adapters: this build's built-ins, or a gateway's with --gateway (plugins with their state).")
        @OptionGroup var options: GatewayOptions

        func run() async throws {
            guard options.gateway != nil else {
                for adapter in BuiltInAdapters.all() {
                    print("\(adapter.info.id)\t\(adapter.info.version)\tbuilt-in\t\(adapter.info.summary)")
                    for type in adapter.info.messageTypes { print("    \(type)") }
                }
                return
            }
            let adapters = try await options.connect { grpc in
                try await Govcase_Gateway_V1_AdapterService.Client(wrapping: grpc).listAdapters(.init()).adapters
            }
            for adapter in adapters { print(summary(adapter)) }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describes one adapter of a running gateway.")
        @Argument(help: "Adapter id.") var id: String
        @OptionGroup var options: GatewayOptions

        func run() async throws {
            let adapter = try await options.connect { grpc in
                try await Govcase_Gateway_V1_AdapterService.Client(wrapping: grpc).describeAdapter(.with { $0.id = id })
            }
            print(details(adapter))
        }
    }

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Registers a plugin adapter on a running gateway (role admin); returns once it is ready.")
        @Argument(help: "The plugin's manifest (YAML); its paths are read on the gateway's machine.") var manifest:
            String
        @OptionGroup var options: GatewayOptions

        func run() async throws {
            let url = URL(fileURLWithPath: manifest).standardizedFileURL
            let text = try String(contentsOf: url, encoding: .utf8)
            _ = try PluginManifest.parse(yaml: text)  // a bad key is reported here, before the gateway
            let adapter = try await options.connect { grpc in
                try await Govcase_Gateway_V1_AdapterAdminService.Client(wrapping: grpc).registerAdapter(
                    .with {
                        $0.manifest = text
                        $0.baseDirectory = url.deletingLastPathComponent().path
                    })
            }
            print(details(adapter))
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Removes a plugin adapter (its calls in flight finish first) (role admin).")
        @Argument(help: "Adapter id.") var id: String
        @OptionGroup var options: GatewayOptions

        func run() async throws {
            _ = try await options.connect { grpc in
                try await Govcase_Gateway_V1_AdapterAdminService.Client(wrapping: grpc).removeAdapter(
                    .with { $0.id = id })
            }
            print("removed \(id)")
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Releases a quarantined plugin adapter: it is started again (role admin).")
        @Argument(help: "Adapter id.") var id: String
        @OptionGroup var options: GatewayOptions

        func run() async throws {
            let adapter = try await options.connect { grpc in
                try await Govcase_Gateway_V1_AdapterAdminService.Client(wrapping: grpc).releaseAdapter(
                    .with { $0.id = id })
            }
            print(details(adapter))
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Starts a plugin alone from its manifest: handshake, health and Describe, then its golden vectors; stops it.",
            discussion: """
                Exits 0 when the plugin started and every vector gave what it expects, 1 otherwise. The vectors are \
                the conformance kit's format (valid/ and invalid/, docs/plugins.md); by default the manifest's \
                folder's vectors/, when there is one.
                """)
        @Argument(help: "The plugin's manifest (YAML).") var manifest: String
        @Option(help: "A golden vectors folder (valid/ and invalid/); default: vectors/ beside the manifest.")
        var vectors: String?

        func run() async throws {
            let manifest = try PluginManifest.load(path: manifest)
            try manifest.checkExecutable()
            var logger = Logger(label: "govcase.adapters.check")
            logger.logLevel = .warning
            let registry = try PluginRegistry(stateDirectory: nil, builtInTypes: [:], logger: logger)
            try await withThrowingTaskGroup { group in
                group.addTask { await registry.run() }
                defer { registry.shutdown() }
                let supervisor = try await registry.register(
                    yaml: try String(contentsOfFile: self.manifest, encoding: .utf8),
                    baseDirectory: URL(fileURLWithPath: self.manifest).standardizedFileURL.deletingLastPathComponent()
                        .path)
                let described = supervisor.description
                print("ok: \(manifest.id) \(manifest.version) handshaken, healthy and described")
                print(
                    "  protocol \(described?.protocolVersion ?? "?"); types: \(described?.messageTypes.joined(separator: ", ") ?? "")"
                )
                let streams = described?.maxTranslateStreams ?? 0
                print(
                    streams > 0
                        ? "  batches over up to \(min(Int(streams), manifest.concurrency)) TranslateStream stream(s) (offers \(streams), concurrency \(manifest.concurrency)); TranslateBatch calls when all are busy"
                        : "  batches as TranslateBatch calls (Describe offers no TranslateStream streams)")
                let folder = URL(fileURLWithPath: self.manifest).standardizedFileURL.deletingLastPathComponent()
                    .appendingPathComponent("vectors")
                guard
                    let vectors = self.vectors.map({ URL(fileURLWithPath: $0) })
                        ?? (FileManager.default.fileExists(atPath: folder.path) ? folder : nil)
                else {
                    print(
                        "no vectors folder: give --vectors, or put valid/ and invalid/ in vectors/ beside the manifest")
                    return
                }
                let results = try await AdapterChecks.vectorResults(
                    folder: vectors, supervisor: supervisor, pluginID: manifest.id)
                for result in results {
                    print(result.problem.map { "FAIL \(result.name): \($0)" } ?? "ok   \(result.name)")
                }
                let failed = results.filter { $0.problem != nil }.count
                print("\(results.count) vector(s), \(failed) failed")
                if results.isEmpty || failed > 0 { throw ExitCode(1) }
            }
        }
    }
}

private func state(_ s: Govcase_Gateway_V1_PluginState) -> String {
    switch s {
    case .starting: "starting"
    case .ready: "ready"
    case .backingOff: "backing-off"
    case .quarantined: "QUARANTINED"
    case .stopped: "stopped"
    default: "unknown"
    }
}

private func summary(_ a: Govcase_Gateway_V1_AdapterInfo) -> String {
    let where_ = a.kind == .plugin ? "plugin \(state(a.plugin.state))" : "built-in"
    return "\(a.id)\t\(a.version)\t\(where_)\t\(a.description_p)"
}

private func details(_ a: Govcase_Gateway_V1_AdapterInfo) -> String {
    var lines = [summary(a)] + a.messageTypes.map { "    accepts \($0)" }
    if a.kind == .plugin {
        let p = a.plugin
        lines += [
            "    pid \(p.pid), restarts \(p.restarts), calls \(p.calls) (\(p.callErrors) failed, \(p.streamBatches) by stream), "
                + "records \(p.records), mean call \(p.meanCallMicros) µs, open streams \(p.openStreams), "
                + "stderr lines dropped \(p.stderrLinesDropped)"
        ]
        if !p.manifestFile.isEmpty { lines.append("    declared by \(p.manifestFile)") }
        if !p.lastError.isEmpty { lines.append("    last error: \(p.lastError)") }
        if !p.quarantineReason.isEmpty { lines.append("    quarantined: \(p.quarantineReason)") }
        for poison in p.poisonRecords {
            let cause =
                switch poison.cause {
                case .crashed: "crashed it"
                case .killed: "had it killed (out of memory?)"
                case .hung: "hung it"
                case .unspecified, .UNRECOGNIZED: "took it down"
                }
            lines.append(
                "    poison record \(poison.digest) (\(poison.recordType)) \(cause), refused since \(poison.foundAt.date)")
        }
    }
    return lines.joined(separator: "\n")
}

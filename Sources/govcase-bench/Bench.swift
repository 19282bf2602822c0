import ArgumentParser
import Foundation
import GovCaseStore
import GRPCCore
import GRPCNIOTransportCore
import GRPCNIOTransportHTTP2
import GovCaseClient
import GovCasePolicy
import GovCaseProto
import GovCaseServer
import Logging
import SwiftProtobuf

/// `govcase-bench`: the ingest path measured against its own floors, in one run, on one machine.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "govcase-bench",
        abstract: "Measures the gateway against a bare echo service (floor A) and the bare store (floor B).",
        subcommands: [Run.self, EchoServer.self], defaultSubcommand: Run.self)
}

/// The floor A server: `govcase-bench echo-server --pki <folder>` (started by `run` as its own process).
struct EchoServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo-server", abstract: "Serves the raw-bytes echo service with the gateway's mTLS transport.",
        shouldDisplay: false)

    @Option(help: "A development deployment folder (govcase pki init).")
    var pki: String

    func run() async throws {
        let folder = URL(fileURLWithPath: pki)
        let configuration = try GatewayConfiguration.load(path: folder.appendingPathComponent("gateway.yaml").path)
        let transport = try GatewayServer.mutualTLSTransport(
            host: "127.0.0.1", port: 0,
            material: GatewayTLSMaterial(tls: configuration.tls, logger: Logger(label: "govcase.bench")),
            limits: configuration.limits)
        try await withGRPCServer(transport: transport, services: [EchoService()]) { _ in
            guard let address = try await transport.listeningAddress.ipv4 else { throw BenchError("not on IPv4") }
            FileHandle.standardError.write(Data("echo serving on \(address.host):\(address.port)\n".utf8))
            try await Task.sleep(for: .seconds(86_400 * 365))
        }
    }
}

/// Every measurement, then the table.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Runs every measurement and prints the table (the default).")

    @Flag(help: "A few seconds in all, with a small query store: proves the benchmark runs (CI).")
    var smoke = false

    @Option(help: "Seconds per throughput measurement.")
    var seconds: Double?

    @Option(help: "Cases in the query store.")
    var queryCases: Int?

    @Option(help: "Concurrently open streams for the memory measurement.")
    var openStreams: Int?

    @Flag(help: "Only the plugin path (section 7) and the in-process rows it is compared with.")
    var pluginOnly = false

    @Flag(help: "Only forwarding (section 9): two more gateways, the first with a route to the second.")
    var forwardingOnly = false

    @Option(help: "Records forwarded from a full outbox (section 9).")
    var forwardRecords: Int?

    @Option(help: "Records per second submitted for the forwarding lag (section 9).")
    var forwardRate: Double?

    @Option(help: "Seconds of submissions for the forwarding lag (section 9).")
    var forwardSeconds: Double?

    @Option(
        help: """
            A PostgreSQL server for section 10, as a libpq-style line (host=… port=… user=… dbname=… \
            password_file=… sslrootcert=…, as scripts/postgres-test-server.sh writes it); a new database is made \
            on it. Without it, section 10 is not run.
            """)
    var postgres: String?

    @Flag(help: "Only the PostgreSQL section (10), with --postgres.")
    var postgresOnly = false

    @Flag(help: "Only the memory with open streams (section 6), on a fresh gateway: start to serving, then RSS.")
    var memoryOnly = false

    @Flag(help: "Only the store's floors (F, C and B), e.g. under `perf record -g`.")
    var floorsOnly = false

    @Flag(help: "Only ingest through the gateway (sections 1 to 3) and the store's floors, e.g. under `perf record -g`.")
    var ingestOnly = false

    @Flag(help: "Only the queries (section 5) and floor Q, over a store of --query-cases cases, e.g. under `perf record -g`.")
    var queryOnly = false

    @Option(
        help: """
            Only the scaling run (section S): the store filled to each of these sizes in turn (e.g. \
            1000000,5000000), a gateway measured on it at each and on the empty store; not part of a full run.
            """)
    var scaling: String?

    func run() async throws {
        let settings = BenchSettings(
            duration: .seconds(seconds ?? (smoke ? 0.5 : 8)), queryCases: queryCases ?? (smoke ? 2_000 : 1_000_000),
            openStreams: openStreams ?? (smoke ? 50 : 1_000), pluginOnly: pluginOnly, forwardingOnly: forwardingOnly,
            forwardRecords: forwardRecords ?? (smoke ? 200 : 10_000), forwardRate: forwardRate ?? (smoke ? 50 : 200),
            forwardDuration: .seconds(forwardSeconds ?? (smoke ? 1 : 10)),
            postgres: try postgres.map { try PostgresStoreConfiguration(connectionLine: $0) }, postgresOnly: postgresOnly,
            memoryOnly: memoryOnly, floorsOnly: floorsOnly, ingestOnly: ingestOnly, queryOnly: queryOnly,
            scalingSizes: try scaling.map { list in
                try list.split(separator: ",").map { size in
                    guard let value = Int(size.filter { $0 != "_" }), value > 0 else {
                        throw ValidationError("--scaling takes sizes in cases, e.g. 1000000,5000000; not \(size)")
                    }
                    return value
                }
            })
        if postgresOnly, settings.postgres == nil { throw ValidationError("--postgres-only needs --postgres") }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("govcase-bench-\(UUID())")
        defer { try? FileManager.default.removeItem(at: work) }
        let report = try await BenchRun(settings: settings, work: work).measureAll()
        print(report.table)
        // A smoke run proves that every path works: a failed call there is a broken benchmark, not a figure.
        let failed = report.measurements.filter { $0.errors > 0 }.map(\.name)
        if smoke, !failed.isEmpty { throw BenchError("calls failed in: \(failed.joined(separator: ", "))") }
    }
}

struct BenchSettings: Sendable {
    var duration: Duration
    var queryCases: Int
    var openStreams: Int
    var pluginOnly = false
    var forwardingOnly = false
    var forwardRecords = 10_000
    var forwardRate: Double = 200
    var forwardDuration: Duration = .seconds(10)
    var postgres: PostgresStoreConfiguration?
    var postgresOnly = false
    var memoryOnly = false
    var floorsOnly = false
    var ingestOnly = false
    var queryOnly = false
    var scalingSizes: [Int]?
}

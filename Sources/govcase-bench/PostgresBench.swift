import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GovCaseClient
import GovCaseCore
import GovCaseProto
import GovCaseStore
import GovCaseWire
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import SwiftProtobuf

/// Section 10: the store on PostgreSQL (`--postgres <connection line>`), in a new database on that server.
///
/// - P, the floor: a plain postgres-nio client on one connection writes the rows the store writes for a case (the
///   `cases` row), 100 single-row INSERTs per transaction, into a table made `LIKE cases`.
/// - B-pg: the store alone on PostgreSQL, 100 cases per commit (as B on SQLite).
/// - 10: client-stream batches of 100 records through 1, 2 and 3 gateways on the one database, one stream per
///   gateway, all at once: the rate of them together.
///
/// On a two-core machine the gateways, the client and PostgreSQL share the cores: the replica rows say what two
/// cores do, not what three machines would.
struct PostgresBench {
    let settings: BenchSettings
    let work: URL
    let pki: URL
    let run: String
    let server: PostgresStoreConfiguration

    func measure(report: inout Report) async throws {
        var database = server
        database.database = "bench_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        _ = try await Self.plainConnection(server) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(database.database)"), logger: Self.logger)
        }
        let vault = try EvaluatorVault(keyFile: pki.appendingPathComponent("evaluator.key").path)
        let store = try CaseStore(postgres: database, vault: vault)
        let floor = try await floorP(database)
        report.add(floor)
        report.add(try storeAlone(store), comparedTo: floor.name)
        try store.close()

        // Gateways on the database: the development deployment's configuration with the store on PostgreSQL.
        let configuration = try Self.configuration(pki: pki, database: database, work: work)
        var gateways: [ServerProcess] = []
        defer { for gateway in gateways { Task { await gateway.stop() } } }
        var ports: [Int] = []
        let source = GatewayClientIdentity.development("national-sc", in: pki)
        for replicas in 1...3 {
            let gateway = try ServerProcess(
                BenchRun.binaries.appendingPathComponent("govcase"), ["serve", "--config", configuration.path])
            gateways.append(gateway)
            ports.append(try await gateway.port())
            let portsNow = ports
            let duration = settings.duration
            let run = self.run
            let rates = await withTaskGroup(of: Measurement.self) { group in
                for (index, port) in portsNow.enumerated() {
                    group.addTask {
                        do {
                            return try await withGatewayClient(host: "127.0.0.1", port: port, as: source) { client in
                                await BenchRun.ingestBatch(
                                    "batch", Govcase_Gateway_V1_NationalIngestService.Client(wrapping: client),
                                    run: "\(run)-pg\(replicas)-\(index)", duration: duration)
                            }
                        } catch {
                            return Measurement(name: "batch", rate: 0, unit: "records", latencies: [], errors: 1)
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            report.add(
                Measurement(
                    name: "10 client-stream batch, 100 records/message, \(replicas) gateway\(replicas == 1 ? "" : "s") on PostgreSQL",
                    rate: rates.map(\.rate).reduce(0, +), unit: "records", latencies: [],
                    errors: rates.map(\.errors).reduce(0, +)),
                comparedTo: floor.name)
        }
    }

    /// The floor: the store's `cases` rows, written by a plain client, 100 single-row INSERTs per transaction.
    private func floorP(_ database: PostgresStoreConfiguration) async throws -> Measurement {
        let now = Date()
        let rows = try (0..<100).map { index in
            let c = StoreFloor.sampleCase("PJ-floor-p-\(index)", receivedAt: now)
            return (c, try c.proto.serializedData())
        }
        return try await Self.plainConnection(database) { connection in
            try await connection.query("CREATE TABLE floor_p (LIKE cases INCLUDING ALL)", logger: Self.logger)
            let clock = ContinuousClock()
            var latencies: [Double] = []
            var written = 0
            while latencies.reduce(0, +) < settings.duration.seconds {
                let began = clock.now
                try await connection.query("BEGIN", logger: Self.logger)
                for (c, payload) in rows {
                    let id = "floor-\(written)"
                    written += 1
                    let externalID = "\(c.source.externalID)-\(written)"
                    let revision = Int64(c.source.revision)
                    let level = c.evaluation?.level?.rawValue ?? 0
                    let at = now.timeIntervalSince1970
                    let bytes = ByteBuffer(bytes: payload)
                    try await connection.query(
                        """
                        INSERT INTO floor_p (id, source_system, record_type, external_id, revision, adapter_id, kind,
                                             region_code, status, level, received_at, created_at, updated_at, payload,
                                             matter_id, requester_masked)
                        VALUES (\(id), \(c.source.sourceSystem), \(c.source.recordType ?? ""), \(externalID),
                                \(revision), \(c.source.adapterID), \(c.kind.rawValue), \(c.regionCode),
                                \(c.status.rawValue), \(level), \(at), \(at), \(at), \(bytes), \(c.service.matterID), 1)
                        """, logger: Self.logger)
                }
                try await connection.query("COMMIT", logger: Self.logger)
                latencies.append((clock.now - began).seconds)
            }
            return Measurement(
                name: "P plain PostgreSQL client, 100 rows/commit", rate: Double(written) / latencies.reduce(0, +),
                unit: "rows", latencies: latencies.sorted(), errors: 0)
        }
    }

    /// The store alone on PostgreSQL, 100 cases per commit.
    private func storeAlone(_ store: CaseStore) throws -> Measurement {
        let clock = ContinuousClock()
        var latencies: [Double] = []
        var rows = 0
        while latencies.reduce(0, +) < settings.duration.seconds {
            let batch = (0..<100).map { StoreFloor.sampleCase("PJ-floor-bpg-\(rows + $0)") }
            let began = clock.now
            _ = try store.submit(batch: batch, now: Date())
            latencies.append((clock.now - began).seconds)
            rows += 100
        }
        return Measurement(
            name: "B-pg store on PostgreSQL, 100 rows/commit", rate: Double(rows) / latencies.reduce(0, +),
            unit: "rows", latencies: latencies.sorted(), errors: 0)
    }

    static let logger = Logger(label: "govcase.bench.postgres")

    static func plainConnection<T: Sendable>(
        _ c: PostgresStoreConfiguration, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await PostgresConnection.connect(
            configuration: c.connectionConfiguration(), id: 0, logger: logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The deployment's gateway.yaml with its store on `database`.
    static func configuration(pki: URL, database: PostgresStoreConfiguration, work: URL) throws -> URL {
        let passwordFile = work.appendingPathComponent("postgres.password")
        try (database.password ?? "").write(to: passwordFile, atomically: true, encoding: .utf8)
        let tls = database.tls.map { "tls: { ca: \($0.caFile) }, " } ?? ""
        let text = try String(contentsOf: pki.appendingPathComponent("gateway.yaml"), encoding: .utf8)
            .replacingOccurrences(
                of: "  path: cases.sqlite\n",
                with: """
                      postgres: { host: \(database.host), port: \(database.port), database: \(database.database), \
                    user: \(database.user), password_file: \(passwordFile.path), \(tls)max_connections: 8 }
                      state_directory: state-postgres

                    """)
        let file = pki.appendingPathComponent("gateway-postgres.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }
}

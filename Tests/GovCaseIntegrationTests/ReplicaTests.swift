import Foundation
import GRPCCore
import GovCaseClient
import GovCaseProto
import GovCaseStore
import GovCaseTestSupport
import SwiftProtobuf
import Synchronization
import Testing

/// Three `govcase serve` processes on one PostgreSQL database, as a province runs them behind one address: a client
/// spreads its records over all three (some records sent to every gateway at once), one gateway is killed with
/// SIGKILL mid-stream, and what is read back through a survivor has every acknowledged record, each once.
@Suite(.heavy) struct ReplicaTests {
    @Test(.timeLimit(.minutes(10)))
    func recordsSpreadOverThreeGatewaysOneKilledAreStoredOnceAndNoneAcknowledgedIsLost() async throws {
        let deployment = try await Deployment.make()
        let database = try TestPostgres.newDatabase()
        let passwordFile = deployment.folder.appendingPathComponent("postgres.password")
        try (database.password ?? "").write(to: passwordFile, atomically: true, encoding: .utf8)
        let tls = database.tls.map { "tls: { ca: \($0.caFile) }, " } ?? ""
        try deployment.editConfiguration { text in
            text.replacingOccurrences(
                of: "  path: cases.sqlite\n",
                with: """
                      postgres: { host: \(database.host), port: \(database.port), database: \(database.database), \
                    user: \(database.user), password_file: postgres.password, \(tls)max_connections: 8 }
                      state_directory: state

                    """)
        }
        let gateways = try (0..<3).map { _ in try deployment.serve() }
        var servingPorts: [Int] = []
        for gateway in gateways { servingPorts.append(try await gateway.servingPort()) }
        let ports = servingPorts
        let source = GatewayClientIdentity.development("national-sc", in: deployment.folder)
        let progress = Progress()

        // Each gateway gets its own records and, in every batch, one record all three get at the same time.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, port) in ports.enumerated() {
                group.addTask {
                    do {
                        try await withGatewayClient(host: "127.0.0.1", port: port, as: source) { grpc in
                            try await Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc).submitStream(
                                requestProducer: { writer in
                                    for batch in 0..<Self.batches {
                                        var records = (0..<4).map {
                                            SampleRecords.nationalEvaluation("PJ-rep-\(index)-\(batch)-\($0)")
                                        }
                                        records.append(SampleRecords.nationalEvaluation("PJ-shared-\(batch)"))
                                        try await writer.write(.with { $0.records = records })
                                    }
                                }
                            ) { response in
                                for try await message in response.messages {
                                    let total = progress.acknowledged.withLock { seen in
                                        for ack in message.acks
                                        where ack.outcome == .accepted || ack.outcome == .duplicate {
                                            seen[ack.externalID, default: 0] += 1
                                        }
                                        return seen.count
                                    }
                                    if total >= Self.batches * 2, !progress.killed.exchange(true, ordering: .relaxed) {
                                        gateways[1].send(SIGKILL)
                                    }
                                }
                            }
                        }
                    } catch {
                        // The killed gateway's stream dies with it; the others must finish.
                        if index != 1 { throw error }
                    }
                }
            }
            try await group.waitForAll()
        }
        let wasKilled = progress.killed.load(ordering: .relaxed)
        #expect(wasKilled)
        #expect(try await gateways[1].exitStatus() == 128 + SIGKILL)

        let stored = try await deployment.storedNationalExternalIDs(port: ports[2])
        for index in [0, 2] {
            gateways[index].send(SIGTERM)
            #expect(try await gateways[index].exitStatus() == 0)
        }
        let acked = progress.acknowledged.withLock { $0 }
        #expect(Set(stored).count == stored.count, "a record stored twice")
        #expect(Set(acked.keys).isSubset(of: Set(stored)), "\(Set(acked.keys).subtracting(stored).count) acknowledged records lost")
        // Both survivors finished their streams: all their own records and every shared one are stored.
        for index in [0, 2] {
            let own = (0..<Self.batches).flatMap { batch in (0..<4).map { "PJ-rep-\(index)-\(batch)-\($0)" } }
            #expect(Set(own).isSubset(of: Set(stored)))
        }
        #expect((0..<Self.batches).allSatisfy { stored.contains("PJ-shared-\($0)") })
    }

    /// Batches of five records each gateway is sent (four of its own, one all three get).
    static let batches = 150

    /// What the three streams share: acknowledgements by external id, and whether the gateway was killed.
    final class Progress: Sendable {
        let acknowledged = Mutex<[String: Int]>([:])
        let killed = Atomic<Bool>(false)
    }
}

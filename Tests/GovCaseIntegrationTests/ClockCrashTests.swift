import Foundation
import GRPCCore
import GovCaseClient
import GovCaseProto
import SwiftProtobuf
import GovCaseTestSupport
import Testing

/// A gateway killed with SIGKILL while its clocks fire: after the restart every clock has fired once, and where the
/// gateway makes default ratings each node has exactly one, however many were made before the kill.
@Suite(.heavy) struct ClockCrashTests {
    /// Enough that firing them (a durable commit each) outlasts their ingest and the poll that sees the first fire.
    static let nodes = 4_000

    @Test func defaultRatingsFiringWhenTheGatewayIsKilledAreEachMadeOnceAfterItsRestart() async throws {
        let deployment = try await Deployment.make()
        try deployment.editConfiguration { $0 + "deadlines:\n  default: { default_rating_made_by: gateway }\n" }
        let gateway = try deployment.serve()
        let port = try await gateway.servingPort()
        let run = UUID().uuidString.prefix(8)
        let source = GatewayClientIdentity.development("national-sc", in: deployment.folder)
        let admin = GatewayClientIdentity.development("operator-sc", in: deployment.folder)

        // Service nodes served ten days ago: their default-rating time (7 natural days) has passed on arrival, so
        // their clocks fire as soon as they are stored, one transaction each.
        let served = Date().addingTimeInterval(-10 * 86_400)
        @Sendable func node(_ n: Int) -> Govcase_Gateway_V1_NationalRecord {
            .with {
                $0.serviceNode = .with {
                    $0.nodeID = "CK-\(run)-\(n)"
                    $0.revision = 1
                    $0.matterID = "CK-\(run)-\(n)"
                    $0.serviceNumber = 1
                    $0.serviceName = "受理"
                    $0.regionCode = "510104"
                    $0.serviceTime = Google_Protobuf_Timestamp(date: served)
                    $0.item = .with {
                        $0.itemCode = "11510104MB1234567X4000117009000"
                        $0.itemName = "食品经营许可"
                        $0.orgName = "成都市锦江区行政审批局"
                    }
                }
            }
        }
        let summary = try await withGatewayClient(host: "127.0.0.1", port: port, as: source) { grpc in
            try await Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc).submitBatch(
                requestProducer: { writer in
                    for start in stride(from: 0, to: Self.nodes, by: 100) {
                        try await writer.write(.with { $0.records = (start..<start + 100).map(node) })
                    }
                })
        }
        #expect(summary.accepted == UInt64(Self.nodes))

        // Killed once the first clocks have fired, while the rest still wait.
        try await withGatewayClient(host: "127.0.0.1", port: port, as: admin) { grpc in
            let clocks = Govcase_Gateway_V1_ClockAdminService.Client(wrapping: grpc)
            while try await clocks.getClockStatus(.init()).fired == 0 { try await Task.sleep(for: .milliseconds(5)) }
        }
        gateway.send(SIGKILL)
        #expect(try await gateway.exitStatus() == 128 + SIGKILL)
        let before = try await Self.clockStates(deployment.folder.appendingPathComponent("cases.sqlite"))
        #expect((before["fired"] ?? 0) > 0 && (before["pending"] ?? 0) > 0, "killed mid-firing: \(before)")

        let restarted = try deployment.serve()
        let newPort = try await restarted.servingPort()
        defer { restarted.send(SIGTERM) }
        try await withGatewayClient(host: "127.0.0.1", port: newPort, as: admin) { grpc in
            let clocks = Govcase_Gateway_V1_ClockAdminService.Client(wrapping: grpc)
            var status = try await clocks.getClockStatus(.init())
            let deadline = ContinuousClock.now + .seconds(120)
            while status.pending > 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                status = try await clocks.getClockStatus(.init())
            }
            #expect(status.pending == 0 && status.fired == UInt64(Self.nodes), "\(status)")
        }
        let cases = try await deployment.storedCases(port: newPort)
        let defaults = cases.filter { $0.source.adapterID == "govcase-gateway" }
        let rated = Dictionary(grouping: defaults, by: \.service.matterID)
        #expect(defaults.count == Self.nodes && rated.count == Self.nodes, "one default per node, none twice")
        let nodes = cases.filter { $0.source.adapterID == "national-platform" && $0.kind == .serviceNode }
        #expect(nodes.count == Self.nodes)
        let events = nodes.map { $0.events.filter { $0.action.kind == .defaultRatingDue }.count }
        #expect(events.allSatisfy { $0 == 1 }, "each node's DEFAULT_RATING_DUE once")
    }

    /// Clock rows by state, read from the store file of a stopped gateway.
    static func clockStates(_ database: URL) async throws -> [String: Int] {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("clock-states-\(UUID()).py")
        try """
        import json, sqlite3, sys
        rows = sqlite3.connect(sys.argv[1]).execute("SELECT state, count(*) FROM clocks GROUP BY state")
        print(json.dumps(dict(rows.fetchall())))
        """.write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }
        let (status, output) = try await ExternalProgram.python(script, [database.path])
        #expect(status == 0, "\(output)")
        let line = output.split(separator: "\n").last.map(String.init) ?? "{}"
        return (try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Int]) ?? [:]
    }
}

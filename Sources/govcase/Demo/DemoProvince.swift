import Foundation
import GovCaseForwarding
import GovCaseStore

/// The province the demo's county gateway forwards to: a second `govcase serve`, a separate process with its own
/// development PKI in `<dir>/province`. The county reaches it as the province's `national-sc` identity (granted
/// Sichuan's national-platform records there), verifying that its certificate is the province CA's `localhost`.
struct DemoProvince {
    let folder: URL
    let port: Int
    private let process: Process

    /// Writes the province's deployment, starts it on a free port and waits until it serves.
    static func start(in folder: URL) async throws -> DemoProvince {
        let deployment = DevelopmentDeployment(folder: folder, trustDomain: "dev.govcase.local", port: 0)
        try deployment.write()
        let log = folder.appendingPathComponent("serve.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["serve", "--config", deployment.configurationPath]
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let match = text.firstMatch(of: /serving on [0-9.]+:([0-9]+)/), let port = Int(match.1) {
                return DemoProvince(folder: folder, port: port, process: process)
            }
            guard process.isRunning else { throw DemoFailure("the province gateway exited:\n\(text)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        throw DemoFailure("the province gateway did not start; its log: \(log.path)")
    }

    /// The county's route to this province, for its `gateway.yaml`.
    var route: String {
        let clients = folder.appendingPathComponent("clients")
        return """
            # The county forwards its Sichuan evaluations to the province gateway (docs/forwarding.md).
            forwarding:
              routes:
                - name: province
                  select: { adapters: [national-platform], regions: ["51"] }
                  adapter: national-platform
                  destination:
                    address: 127.0.0.1:\(port)
                    ca: \(folder.appendingPathComponent("ca.pem").path)
                    server_name: localhost
                    certificate: \(clients.appendingPathComponent("national-sc.pem").path)
                    key: \(clients.appendingPathComponent("national-sc-key.pem").path)
                  retry: { initial_backoff_ms: 100, max_backoff_seconds: 5 }

            """
    }

    /// Waits until the county's route has nothing pending or in flight, then prints what was forwarded; throws
    /// unless every change was delivered and the province holds each case once.
    func report(_ forwarder: Forwarder) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        var counts = try forwarder.counts()
        while counts.pending + counts.inFlight > 0 {
            guard ContinuousClock.now < deadline else {
                throw DemoFailure("the route to the province did not drain: \(counts), \(forwarder.status)")
            }
            try await Task.sleep(for: .milliseconds(100))
            counts = try forwarder.counts()
        }
        let store = try CaseStore(
            path: folder.appendingPathComponent("cases.sqlite").path,
            vault: EvaluatorVault(keyFile: folder.appendingPathComponent("evaluator.key").path))
        defer { try? store.close() }
        let held = try store.query(CaseQuery(), pageSize: 1000, pageToken: nil).cases
        print(
            """

            Forwarded to the province (127.0.0.1:\(port), its own PKI, a separate process; \(folder.path)):
              route province: \(counts.delivered + counts.dead) changes sent — \(counts.delivered) delivered, \
            \(counts.dead) dead letters, 0 pending; the province holds \(held.count) cases from the county
              (govcase outbox status --gateway <county> --deployment \(folder.deletingLastPathComponent().path))
            """)
        guard counts.dead == 0, !held.isEmpty else {
            throw DemoFailure("the province refused \(counts.dead) changes; govcase outbox list shows why")
        }
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GovCaseClient
import GovCaseProto
import SwiftProtobuf
import GovCaseTestSupport
import Testing

/// `govcase serve` as an operator runs it: one configuration file, one log line, a clean drain.
@Suite(.heavy) struct ServeCommandTests {
    @Test func servesLogsOneLineAndDrainsOnSIGTERM() async throws {
        let deployment = try await Deployment.make()
        let gateway = try deployment.serve()
        let port = try await gateway.servingPort()
        #expect(gateway.text.contains("serving on 127.0.0.1:\(port) for 7 identities"))

        // An event for the watch to see, so that its first message proves the stream is open: a bad review
        // verified by its district's handler.
        let ack = try await withGatewayClient(
            host: "127.0.0.1", port: port, as: .development("national-sc", in: deployment.folder)
        ) { grpc in
            try await Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc).submit(
                SampleRecords.nationalEvaluation("PJ-drain-1", level: 1))
        }
        _ = try await withGatewayClient(
            host: "127.0.0.1", port: port, as: .development("handler-jinjiang", in: deployment.folder)
        ) { grpc in
            try await Govcase_Gateway_V1_CaseService.Client(wrapping: grpc).transitionCase(
                .with {
                    $0.caseID = ack.caseID
                    $0.action.kind = .verify
                })
        }
        try await withGatewayClient(
            host: "127.0.0.1", port: port, as: .development("auditor-sc", in: deployment.folder)
        ) {
            grpc in
            let health = Grpc_Health_V1_Health.Client(wrapping: grpc)
            let cases = Govcase_Gateway_V1_CaseService.Client(wrapping: grpc)
            let (opened, open) = AsyncStream<Void>.makeStream()
            try await withThrowingTaskGroup { group in
                // Both streams run until the gateway drains: health must end on NOT_SERVING, the watch must end OK.
                group.addTask {
                    try await health.watch(.with { $0.service = "" }) { response in
                        var seen: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] = []
                        for try await message in response.messages {
                            if seen.isEmpty { open.yield() }
                            seen.append(message.status)
                        }
                        #expect(seen == [.serving, .notServing])
                    }
                }
                group.addTask {
                    try await cases.watchCaseEvents(.with { $0.cursor = "0" }) { response in
                        var seen: [String] = []
                        for try await notice in response.messages {
                            if seen.isEmpty { open.yield() }
                            seen.append(notice.caseID)
                        }
                        #expect(seen.first == ack.caseID)
                    }
                }
                var streams = opened.makeAsyncIterator()
                _ = await streams.next()
                _ = await streams.next()
                gateway.send(SIGTERM)
                try await group.waitForAll()
            }
        }
        #expect(try await gateway.exitStatus() == 0)
        #expect(gateway.text.contains("draining"))
        #expect(gateway.text.contains("store closed"))
    }

    /// SIGTERM with 50 idle grpcio channels open: health turns NOT_SERVING during the grace period, then idle
    /// connections are closed at once. The idle clients would hold their channels for five minutes: a gateway
    /// that waited for them would not exit. (Calls in flight ending normally: `servesLogsOneLineAndDrainsOnSIGTERM`.)
    @Test func drainClosesIdleConnectionsAtOnce() async throws {
        let deployment = try await Deployment.make()
        try deployment.editConfiguration { $0 + "\ndrain: { grace_seconds: 1 }\n" }
        let gateway = try deployment.serve()
        let port = try await gateway.servingPort()

        let idle = Process()
        idle.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        idle.arguments = [
            "python3", PythonInteropTests.repository.appendingPathComponent("Tests/Interop/idle_channels.py").path,
            "--target", "127.0.0.1:\(port)", "--pki", deployment.folder.path, "--count", "50", "--hold", "300",
        ]
        let output = Pipe()
        idle.standardOutput = output
        // Not the test's stderr: a child left holding it would keep `swift test` waiting for the end of its output.
        idle.standardError = FileHandle.nullDevice
        try idle.run()
        defer {
            kill(idle.processIdentifier, SIGKILL)
            idle.waitUntilExit()
        }
        let ready = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        try #require(ready.contains("ready"), "the idle clients did not connect: \(ready)")

        gateway.send(SIGTERM)
        #expect(try await gateway.exitStatus(timeout: .seconds(60)) == 0, "\(gateway.text)")
        #expect(
            gateway.text.contains("connections.idle=50") || gateway.text.contains("connections.idle=51"),
            "\(gateway.text)")
    }

    /// Each broken configuration stops `serve` before it listens, naming the key at fault.
    @Test(arguments: [
        ("limits:\n", "limits:\n  max_batch: 5\n", "limits.max_batch"),
        ("  client_ca: ca.pem", "  client_ca: missing.pem", "tls.client_ca"),
        ("  evaluator_key: evaluator.key", "  evaluator_key: ca.pem", "store.evaluator_key"),
        ("  port: 0", "  port: 70000", "listen.port"),
        ("  host: 127.0.0.1", "  host: localhost:1", "listen.host"),
        ("roles: [handler, reader]", "roles: [handler, superuser]", "policy.grants.4.roles"),
        ("policy:", "polcy:", "polcy"),
    ])
    func aBrokenConfigurationIsRefusedNamingItsKey(original: String, replacement: String, key: String) async throws {
        let deployment = try await Deployment.make()
        try deployment.editConfiguration { text in
            #expect(text.contains(original))
            return text.replacingOccurrences(of: original, with: replacement)
        }
        let run = try await GatewayProcess.run(["serve", "--config", deployment.configuration.path])
        #expect(run.status == 2, "\(run.output)")
        #expect(run.output.contains(key), "\(run.output)")
        #expect(!run.output.contains("serving on"))
    }

    @Test func insecureLoopbackServesPlaintextOnLoopbackOnly() async throws {
        let deployment = try await Deployment.make()
        let identity = "spiffe://dev.govcase.local/region/510000/system/national-sc"
        try deployment.editConfiguration { $0.replacingOccurrences(of: "host: 127.0.0.1", with: "host: 0.0.0.0") }
        let refused = try await GatewayProcess.run(
            ["serve", "--config", deployment.configuration.path, "--insecure-loopback", "--identity", identity])
        #expect(refused.status != 0)
        #expect(refused.output.contains("listen.host"), "\(refused.output)")

        try deployment.editConfiguration { $0.replacingOccurrences(of: "host: 0.0.0.0", with: "host: 127.0.0.1") }
        // Without TLS anyone on the machine is the identity: never one that reads evaluators unmasked.
        let auditor = "spiffe://dev.govcase.local/region/510000/system/auditor-sc"
        let powerful = try await GatewayProcess.run(
            ["serve", "--config", deployment.configuration.path, "--insecure-loopback", "--identity", auditor])
        #expect(powerful.status == 2)
        #expect(
            powerful.output.contains("--identity") && powerful.output.contains("privacy-reader"), "\(powerful.output)")

        let gateway = try deployment.serve(["--insecure-loopback", "--identity", identity])
        let port = try await gateway.servingPort()
        #expect(gateway.text.contains("WITHOUT TLS") && gateway.text.contains(identity), "\(gateway.text)")
        #expect(gateway.text.contains("open files limit"), "the limit in force is logged at start")
        let transport = try HTTP2ClientTransport.Posix(
            target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
        let ack = try await withGRPCClient(transport: transport) { grpc in
            try await Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc).submit(
                SampleRecords.nationalEvaluation("PJ-insecure-1"))
        }
        #expect(ack.outcome == .accepted)
        gateway.send(SIGINT)
        #expect(try await gateway.exitStatus() == 0)
    }
}

import Foundation
import GRPCCore
import GovCaseClient
import GovCaseProto
import SwiftProtobuf
import GovCaseTestSupport
import Testing

/// Rotating the evaluator key as an operator does: `govcase keys new`, the old key listed as previous, a
/// restart, `govcase keys rotate` beside the running gateway, and the old key removed.
@Suite(.heavy) struct KeysCommandTests {
    static func readEvaluator(_ caseID: String, port: Int, in folder: URL) async throws -> String {
        try await withGatewayClient(host: "127.0.0.1", port: port, as: .development("auditor-sc", in: folder)) {
            try await Govcase_Gateway_V1_CaseService.Client(wrapping: $0).getCase(.with { $0.caseID = caseID })
                .requester.name
        }
    }

    @Test func anEvaluatorKeyIsRotatedBesideARunningGatewayAndTheOldOneRetired() async throws {
        let deployment = try await Deployment.make()
        var gateway = try deployment.serve()
        var port = try await gateway.servingPort()
        var caseIDs: [String] = []
        for n in 0..<3 {
            let ack = try await withGatewayClient(
                host: "127.0.0.1", port: port, as: .development("national-sc", in: deployment.folder)
            ) {
                try await Govcase_Gateway_V1_NationalIngestService.Client(wrapping: $0).submit(
                    SampleRecords.nationalEvaluation("PJ-keys-\(n)"))
            }
            caseIDs.append(ack.caseID)
        }
        let name = try await Self.readEvaluator(caseIDs[0], port: port, in: deployment.folder)
        #expect(!name.isEmpty)
        gateway.send(SIGTERM)
        #expect(try await gateway.exitStatus() == 0)

        let newKey = deployment.folder.appendingPathComponent("evaluator-2027.key").path
        let made = try await GatewayProcess.run(["keys", "new", "--out", newKey])
        #expect(made.status == 0, "\(made.output)")
        let mode = try FileManager.default.attributesOfItem(atPath: newKey)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try await GatewayProcess.run(["keys", "new", "--out", newKey]).status != 0, "never overwritten")

        // One row as a gateway before migration v13 left it (its masked forms come from its box), made with
        // Python's sqlite3 on the stopped gateway's store.
        let legacy = try await ExternalProgram.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3", "-c",
                "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                    + "c.execute('UPDATE cases SET requester_masked = 0 WHERE id = ?', (sys.argv[2],)); c.commit()",
                deployment.folder.appendingPathComponent("cases.sqlite").path, caseIDs[1],
            ])
        #expect(legacy.status == 0, "\(legacy.output)")

        // The new key alone cannot open the old boxes: the caller gets INTERNAL without the key's id, the
        // operator's log names it.
        try deployment.editConfiguration {
            $0.replacingOccurrences(of: "evaluator_key: evaluator.key", with: "evaluator_key: evaluator-2027.key")
        }
        gateway = try deployment.serve()
        port = try await gateway.servingPort()
        do {
            _ = try await Self.readEvaluator(caseIDs[0], port: port, in: deployment.folder)
            Issue.record("read with a key that does not open it")
        } catch let error as RPCError {
            #expect(error.code == .internalError)
            #expect(!error.message.contains("key"), "\(error.message)")
        }
        // A page over gRPC opens no box: the cases masked at rest are served; the older row, masked only from a
        // box no configured key opens, is left out of the page and named in `unreadable` (without key details).
        let page = try await withGatewayClient(
            host: "127.0.0.1", port: port, as: .development("auditor-sc", in: deployment.folder)
        ) {
            try await Govcase_Gateway_V1_CaseService.Client(wrapping: $0).queryCases(.with { $0.pageSize = 10 })
        }
        #expect(Set(page.cases.map(\.caseID)) == [caseIDs[0], caseIDs[2]], "\(page.cases.map(\.caseID))")
        #expect(page.cases.allSatisfy { $0.requester.name.hasSuffix("*") }, "masked")
        #expect(page.unreadable.map(\.caseID) == [caseIDs[1]], "\(page.unreadable)")
        #expect(page.unreadable.allSatisfy { !$0.reason.isEmpty && !$0.reason.contains("key") }, "\(page.unreadable)")
        gateway.send(SIGTERM)
        #expect(try await gateway.exitStatus() == 0)
        #expect(gateway.text.contains("which is not configured"), "\(gateway.text)")

        try deployment.editConfiguration {
            $0.replacingOccurrences(
                of: "evaluator_key: evaluator-2027.key",
                with: "evaluator_key: evaluator-2027.key\n  previous_evaluator_keys: [evaluator.key]")
        }
        gateway = try deployment.serve()
        port = try await gateway.servingPort()
        let config = deployment.configuration.path
        let status = try await GatewayProcess.run(["keys", "status", "--config", config])
        #expect(status.output.contains("3 boxes"), "\(status.status): \(status.output)")
        let rotation = try await GatewayProcess.run(["keys", "rotate", "--config", config, "--batch-size", "2"])
        #expect(rotation.status == 0, "\(rotation.output)")
        #expect(rotation.output.contains("rotation complete"), "\(rotation.output)")
        #expect(try await Self.readEvaluator(caseIDs[2], port: port, in: deployment.folder) == name)
        gateway.send(SIGTERM)
        #expect(try await gateway.exitStatus() == 0)

        // The old key retired: everything opens with the new one alone.
        try deployment.editConfiguration {
            $0.replacingOccurrences(of: "\n  previous_evaluator_keys: [evaluator.key]", with: "")
        }
        gateway = try deployment.serve()
        port = try await gateway.servingPort()
        defer { gateway.send(SIGTERM) }
        for caseID in caseIDs {
            #expect(try await Self.readEvaluator(caseID, port: port, in: deployment.folder) == name)
        }

        // The next rotation, run before the gateway is restarted with its new key: every box is re-sealed, but the
        // running gateway still seals new boxes with the key the operator is about to remove, so the rotation is
        // not complete and says what to do.
        let keyOf2027 = try #require(made.output.firstMatch(of: /key id ([0-9a-f]+)/)?.1)
        let key2028 = deployment.folder.appendingPathComponent("evaluator-2028.key").path
        #expect(try await GatewayProcess.run(["keys", "new", "--out", key2028]).status == 0)
        try deployment.editConfiguration {
            $0.replacingOccurrences(
                of: "evaluator_key: evaluator-2027.key",
                with: "evaluator_key: evaluator-2028.key\n  previous_evaluator_keys: [evaluator-2027.key]")
        }
        let early = try await GatewayProcess.run(["keys", "rotate", "--config", config])
        #expect(early.status == 1, "\(early.output)")
        #expect(
            early.output.contains("rotation incomplete") && early.output.contains("seals new boxes with key \(keyOf2027)")
                && early.output.contains("restart it"), "\(early.output)")
        gateway.send(SIGTERM)
        #expect(try await gateway.exitStatus() == 0)
        gateway = try deployment.serve()
        _ = try await gateway.servingPort()
        let after = try await GatewayProcess.run(["keys", "rotate", "--config", config])
        #expect(after.status == 0 && after.output.contains("rotation complete"), "\(after.output)")
    }

    /// No gateway of this version has recorded its key on the store (the first rotation after an upgrade, beside a
    /// gateway that records nothing): rotate cannot know what seals new boxes, so it is not complete unless the
    /// operator says none serves from the store.
    @Test func withoutAGatewaysRecordARotationIsCompleteOnlyWhenNoGatewayServes() async throws {
        let deployment = try await Deployment.make()
        let config = deployment.configuration.path
        let unknown = try await GatewayProcess.run(["keys", "rotate", "--config", config])
        #expect(unknown.status == 1, "\(unknown.output)")
        #expect(unknown.output.contains("no gateway has recorded its key"), "\(unknown.output)")
        let none = try await GatewayProcess.run(["keys", "rotate", "--config", config, "--no-gateway"])
        #expect(none.status == 0 && none.output.contains("rotation complete"), "\(none.output)")
    }
}

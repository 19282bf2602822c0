import Foundation
import GovCaseTestSupport
import Testing

/// The conformance kit proves itself: each role against the project's own implementations (every core case
/// passes) and against deliberately broken ones (mutants), each of which must fail exactly the cases that
/// catch it. The receiver mutants are a Python grpcio server (`Tests/Interop/mutant_receiver.py`); the
/// adapter mutants are `Tests/Interop/bad_plugin.py` and `Tests/Interop/mutant_adapter.py`.
@Suite struct ConformanceTests {
    static let repository = PythonInteropTests.repository
    /// `python3` as the PATH finds it (the one with the pinned grpcio).
    static let python = URL(fileURLWithPath: "/usr/bin/env")

    struct Report: Decodable {
        struct Result: Decodable {
            var id: String
            var outcome: String
            var seen: String
        }
        var verdicts: [String: String]
        var certified: Bool
        var partialRun: Bool
        var results: [Result]
        enum CodingKeys: String, CodingKey {
            case verdicts, certified, results
            case partialRun = "partial_run"
        }
        var failed: Set<String> { Set(results.filter { $0.outcome == "failed" }.map(\.id)) }
    }

    static func report(_ folder: URL) throws -> Report {
        try JSONDecoder().decode(Report.self, from: Data(contentsOf: folder.appendingPathComponent("report.json")))
    }

    /// `govcase conformance run --role receiver` against `port`, with the deployment's CA as the test CA.
    static func runReceiver(port: Int, deployment: Deployment, extra: [String] = []) async throws
        -> (status: Int32, output: String, report: URL)
    {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-\(UUID())")
        let ca = deployment.folder.appendingPathComponent("ca.pem").path
        let run = try await GatewayProcess.run(
            [
                "conformance", "run", "--role", "receiver", "--target", "127.0.0.1:\(port)", "--server-ca", ca,
                "--test-ca-cert", ca, "--test-ca-key", deployment.folder.appendingPathComponent("ca-key.pem").path,
                "--submitter", "spiffe://dev.govcase.local/region/510000/system/national-sc", "--report", folder.path,
            ] + extra, timeout: .seconds(600))
        return (run.status, run.output, folder)
    }

    /// `Tests/Interop/mutant_receiver.py` with one flag (none: the faithful receiver), translating through the
    /// national-platform adapter's plugin form, and the kit's `--restart-command` for it: SIGHUP, which makes it
    /// stop serving, write `stopped` in its state folder and start again as a new program image on the same port.
    static func mutantReceiver(_ deployment: Deployment, _ flag: String) throws -> (
        process: GatewayProcess, restart: [String]
    ) {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("mutant-receiver-\(UUID())")
        let process = try GatewayProcess(
            [
                "python3", repository.appendingPathComponent("Tests/Interop/mutant_receiver.py").path, "--pki",
                deployment.folder.path, "--repo", repository.path, "--plugin",
                GatewayProcess.executable("govcase-adapter-plugin").path, "--state", state.path,
            ] + (flag.isEmpty ? [] : [flag]), executableURL: python)
        let stopped = state.appendingPathComponent("stopped").path
        return (
            process,
            [
                "--restart-command",
                "rm -f '\(stopped)'; kill -HUP \(process.identifier); until [ -e '\(stopped)' ]; do sleep 0.05; done",
            ]
        )
    }

    /// The kit's `--restart-command` for a `govcase serve` of `deployment` (its configuration now naming the port it
    /// serves on): SIGTERM, wait for the process to end, start `govcase serve` again in the background. The new
    /// process's id is written to `restarted.pid` in the deployment's folder, for the test to stop it.
    static func restartCommand(_ gateway: GatewayProcess, _ deployment: Deployment) -> [String] {
        let folder = deployment.folder.path
        let pid = gateway.identifier
        return [
            "--restart-command",
            "kill -TERM \(pid); while s=$(ps -o stat= -p \(pid)) && [ \"${s#Z}\" = \"$s\" ]; do sleep 0.1; done; "
                + "nohup '\(GatewayProcess.executable("govcase").path)' serve --config '\(deployment.configuration.path)' "
                + "> '\(folder)/restarted.log' 2>&1 & echo $! > '\(folder)/restarted.pid'",
        ]
    }

    @Test func ourGatewayPassesEveryReceiverCase() async throws {
        let deployment = try await Deployment.make()
        let gateway = try deployment.serve()
        let port = try await gateway.servingPort()
        defer { gateway.send(SIGTERM) }
        // The durability case restarts it on the same port, in the background.
        try deployment.editConfiguration { $0.replacingOccurrences(of: "port: 0\n", with: "port: \(port)\n") }
        let restarted = deployment.folder.appendingPathComponent("restarted.pid")
        defer {
            if let text = try? String(contentsOf: restarted, encoding: .utf8),
                let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                kill(pid, SIGTERM)
            }
        }
        let (status, output, folder) = try await Self.runReceiver(
            port: port, deployment: deployment, extra: Self.restartCommand(gateway, deployment))
        #expect(status == 0, "\(output)")
        let report = try Self.report(folder)
        #expect(report.verdicts == ["core": "Conformant", "extended": "Conformant"], "\(output)")
        #expect(report.certified && !report.partialRun)
        #expect(report.results.count == 28)
        #expect(FileManager.default.fileExists(atPath: restarted.path), "the durability case ran the restart command")
        let junit = try String(contentsOf: folder.appendingPathComponent("junit.xml"), encoding: .utf8)
        #expect(junit.contains("tests=\"28\" failures=\"0\""), "\(junit)")
        let markdown = try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(markdown.contains("- **core**: Conformant"))
        #expect(markdown.contains("- **certified**: yes"))
    }

    /// `--case` runs a subset: a partial run, with no verdict and its own exit status (3), or 1 when a selected
    /// case failed. Before, one passing case printed "core: Conformant" and exited 0.
    @Test func aSubsetRunGivesNoVerdict() async throws {
        let deployment = try await Deployment.make()
        let (server, _) = try Self.mutantReceiver(deployment, "--no-client-auth")
        defer { server.send(SIGKILL) }
        let port = try await server.servingPort()
        let one = try await Self.runReceiver(
            port: port, deployment: deployment, extra: ["--case", "receiver.health.serving"])
        #expect(one.status == 3, "\(one.output)")
        #expect(one.output.contains("partial run: 1 of 28 cases"), "\(one.output)")
        #expect(!one.output.contains("Conformant"), "\(one.output)")
        let report = try Self.report(one.report)
        #expect(report.verdicts.isEmpty && report.partialRun && !report.certified)

        let mtls = try await Self.runReceiver(
            port: port, deployment: deployment, extra: ["--case", "receiver.mtls.*"])
        #expect(mtls.status == 1, "a selected case failed: \(mtls.output)")
        #expect(try Self.report(mtls.report).verdicts.isEmpty)

        let none = try await Self.runReceiver(port: port, deployment: deployment, extra: ["--case", "adapter.*"])
        #expect(none.status == 64, "a glob that selects nothing of the role is a usage error: \(none.output)")
    }

    /// Each mutant with the cases that must catch it, and only those.
    static let receiverMutants: [(flag: String, caughtBy: Set<String>)] = [
        ("", []),
        (
            "--no-client-auth",
            [
                "receiver.mtls.no-client-certificate", "receiver.mtls.unknown-ca", "receiver.mtls.expired-certificate",
                "receiver.mtls.several-uri-sans", "receiver.mtls.wrong-trust-domain",
                // It asks for no certificate, so it knows neither the caller's system nor its grant.
                "receiver.identity.from-certificate-only", "receiver.grant.outside-region-refused",
            ]
        ),
        (
            "--store-retry-twice",
            [
                "receiver.idempotency.same-record-twice", "receiver.idempotency.same-revision-other-content",
                "receiver.idempotency.revisions-in-either-order",
            ]
        ),
        (
            "--wrong-codes",
            [
                "receiver.errors.bad-record", "receiver.idempotency.same-revision-other-content",
                "receiver.idempotency.revisions-in-either-order",
            ]
        ),
        // Refuses each caller it must refuse with INVALID_ARGUMENT (blaming the record) and accepts the good
        // identity. Before, any error passed these cases, so this receiver was Conformant.
        (
            "--invalid-argument-refusals",
            [
                "receiver.mtls.no-client-certificate", "receiver.mtls.unknown-ca", "receiver.mtls.expired-certificate",
                "receiver.mtls.several-uri-sans", "receiver.mtls.wrong-trust-domain", "receiver.plaintext.refused",
            ]
        ),
        (
            "--ack-before-store",
            [
                "receiver.ingest.accepted-and-read-back", "receiver.idempotency.same-record-twice",
                "receiver.idempotency.same-revision-other-content", "receiver.interop.client-streaming",
                "receiver.interop.cancel-after-first-response", "receiver.ingest.every-field-read-back",
                "receiver.idempotency.revisions-in-either-order", "receiver.stream.bad-record-alone",
                "receiver.identity.from-certificate-only", "receiver.privacy.masked-for-reader",
                "receiver.durability.survives-restart",
            ]
        ),
        // Each loses one thing a read-back of a few fields, one order of revisions or a batch of good records
        // would not show.
        ("--drop-comment", ["receiver.ingest.every-field-read-back"]),
        // No evaluator read back: nothing masked either.
        ("--drop-evaluator", ["receiver.ingest.every-field-read-back", "receiver.privacy.masked-for-reader"]),
        ("--overwrite-older", ["receiver.idempotency.revisions-in-either-order"]),
        ("--ack-wrong-external-id", ["receiver.ingest.ack-external-id"]),
        ("--reject-whole-batch", ["receiver.stream.bad-record-alone"]),
        // Each fails one of the cases on the caller's grant, identity, privacy and durability alone.
        ("--no-region-check", ["receiver.grant.outside-region-refused"]),
        ("--system-from-metadata", ["receiver.identity.from-certificate-only"]),
        ("--system-from-record", ["receiver.identity.from-certificate-only"]),
        ("--unmasked-reads", ["receiver.privacy.masked-for-reader"]),
        ("--memory-only", ["receiver.durability.survives-restart"]),
    ]

    @Test(arguments: receiverMutants.indices)
    func eachReceiverMutantIsCaughtByItsCases(mutant: Int) async throws {
        let (flag, caughtBy) = Self.receiverMutants[mutant]
        let deployment = try await Deployment.make()
        let (server, restart) = try Self.mutantReceiver(deployment, flag)
        defer { server.send(SIGKILL) }
        let port = try await server.servingPort()
        let (status, output, folder) = try await Self.runReceiver(
            port: port, deployment: deployment, extra: ["--trace"] + restart)
        let report = try Self.report(folder)
        #expect(report.failed == caughtBy, "\(flag): \(output)")
        #expect(status == (caughtBy.isEmpty ? 0 : 1), "\(output)")
        // What each new mutant's case says: the expectation and what was seen.
        let says: [String: String] = [
            "--drop-comment": "expected every field sent to read back; case",
            "--drop-evaluator": "expected every field sent to read back; case",
            "--overwrite-older": "expected revision 1 after revision 2 refused FAILED_PRECONDITION; it was acknowledged",
            "--ack-wrong-external-id": "expected each acknowledgement's external_id to be its record's; SubmitStream: ack 1 names",
            "--reject-whole-batch": "expected ACCEPTED, REJECTED, ACCEPTED; saw [rejected, rejected, rejected]",
            "--no-region-check":
                "expected a record for region 110101, outside the submitter's grant, refused PERMISSION_DENIED; by "
                + "Submit it was acknowledged accepted",
            "--system-from-metadata": "expected the case's source system to be the certificate's, national-sc",
            "--system-from-record": "expected the case's source system to be the certificate's, national-sc",
            "--unmasked-reads": "expected evaluator data masked for a reader without the privacy-reader role",
            "--memory-only": "expected every acknowledged record to read back after the restart; 6 of 6 did not",
        ]
        let named: [String: String] = [
            "--drop-comment": "text: sent \"", "--drop-evaluator": "evaluator: sent {",
            "--overwrite-older": "reads back revision 1, level 3",
            "--system-from-metadata": "reads back source system \"conformance-impostor\"",
            "--system-from-record": "reads back source system \"conformance-impostor\"",
            "--unmasked-reads": "requester.phone: sent \"13812345678\", masked \"138****5678\", read back \"13812345678\" in clear",
            "--memory-only": "NOT_FOUND",
        ]
        if let expected = says[flag] {
            // The case that says it, among those that caught the mutant.
            let seen = report.results.filter { caughtBy.contains($0.id) }.map(\.seen).first { $0.contains(expected) }
            #expect(seen != nil, "\(flag): \(report.results.filter { caughtBy.contains($0.id) }.map(\.seen))")
            if let field = named[flag], let seen {
                #expect(seen.contains(field), "\(flag) names what was seen: \(seen)")
            }
            for id in caughtBy { #expect(output.contains("FAILED\t\(id)\t"), "the run names the case: \(output)") }
        }
        if flag == "--invalid-argument-refusals" {
            for id in caughtBy {
                let seen = report.results.first { $0.id == id }?.seen ?? ""
                #expect(
                    seen.contains("refused INVALID_ARGUMENT") && seen.contains("expected a failed TLS handshake"),
                    "\(id) names what it saw and what it expected: \(seen)")
            }
        }
        // --trace: each failed case's wire exchange beside the report, and none for the cases that passed.
        let traces = Set(
            (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("traces").path)) ?? [])
        #expect(traces == Set(caughtBy.map { "\($0).txt" }), "\(flag)")
        for id in caughtBy {
            let trace = try String(
                contentsOf: folder.appendingPathComponent("traces/\(id).txt"), encoding: .utf8)
            #expect(trace.contains("→ govcase.gateway.v1.NationalIngestService/Submit"), "\(id): \(trace)")
            #expect(trace.contains("←") || trace.contains("✕"), "\(id): what came back: \(trace)")
        }
    }

    @Test func knownFailingCasesMustStillFail() async throws {
        let deployment = try await Deployment.make()
        let (server, restart) = try Self.mutantReceiver(deployment, "--wrong-codes")
        defer { server.send(SIGKILL) }
        let port = try await server.servingPort()
        let list = FileManager.default.temporaryDirectory.appendingPathComponent("known-\(UUID()).txt")
        try """
            # still to fix
            receiver.errors.bad-record
            receiver.idempotency.same-revision-other-content
            receiver.idempotency.revisions-in-either-order

            """
            .write(to: list, atomically: true, encoding: .utf8)
        let tracked = try await Self.runReceiver(
            port: port, deployment: deployment, extra: ["--known-failing", list.path] + restart)
        #expect(tracked.status == 0, "the listed failures do not fail the run: \(tracked.output)")
        #expect(try Self.report(tracked.report).verdicts["core"] == "Not Conformant", "but the verdict says so")
        #expect(try Self.report(tracked.report).certified == false, "and it certifies nothing")

        try """
            receiver.errors.bad-record
            receiver.idempotency.same-revision-other-content
            receiver.idempotency.revisions-in-either-order
            receiver.health.serving

            """
            .write(to: list, atomically: true, encoding: .utf8)
        let stale = try await Self.runReceiver(
            port: port, deployment: deployment, extra: ["--known-failing", list.path] + restart)
        #expect(stale.status == 1, "a listed case that passes fails the run, so the fix is noticed")
        #expect(
            try Self.report(stale.report).results.contains {
                $0.id == "receiver.health.serving" && $0.outcome == "unexpected-pass"
            })
    }
}

/// The adapter role against the built-in national adapter's plugin form and against broken plugins. Serialized:
/// each run starts plugins, several of them Python, and at once they starve a two-core runner.
@Suite(.serialized, .heavy) struct AdapterRoleTests {
    static let repository = PythonInteropTests.repository
    static func report(_ folder: URL) throws -> ConformanceTests.Report { try ConformanceTests.report(folder) }

    /// `govcase conformance run --role adapter` on a manifest; the report.
    static func runAdapter(manifest: String, vectors: String? = nil, extra: [String] = []) async throws -> (
        status: Int32, output: String, report: ConformanceTests.Report, folder: URL
    ) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-\(UUID())")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-\(UUID()).yaml")
        try manifest.write(to: path, atomically: true, encoding: .utf8)
        let run = try await GatewayProcess.run(
            ["conformance", "run", "--role", "adapter", "--manifest", path.path, "--report", folder.path]
                + (vectors.map { ["--vectors", $0] } ?? []) + extra, timeout: .seconds(240))
        return (run.status, run.output, try report(folder), folder)
    }

    @Test func theBuiltInAdaptersPluginFormPassesEveryAdapterCaseWithTheGoldenVectors() async throws {
        let (status, output, report, _) = try await Self.runAdapter(
            manifest: """
                id: national-platform
                version: 1.0.0
                executable: \(GatewayProcess.executable("govcase-adapter-plugin").path)
                arguments: [national-platform]
                message_types: [govcase.sources.national.v1.EvaluationRecord, govcase.sources.national.v1.RectificationFeedback, govcase.sources.national.v1.AppealRecord, govcase.sources.national.v1.ServiceNodeRecord]
                call_deadline_ms: 30000
                """,
            vectors: Self.repository.appendingPathComponent("Tests/Vectors/national-platform").path)
        #expect(status == 0, "\(output)")
        #expect(report.verdicts == ["core": "Conformant", "extended": "Conformant"], "\(output)")
    }

    /// The national adapter's plugin form behind a Python forwarder (`Tests/Interop/mutant_adapter.py`): faithful,
    /// then with each flaw, and the cases that must catch it.
    static let adapterMutants: [(flaw: String, caughtBy: Set<String>)] = [
        ("faithful", []),
        // Faithful, serving calls only (plugin.proto allows it): the streams case does not apply, and that is no
        // obstacle to Conformant. Before, it was skipped: "core: Partially Conformant" and exit 1.
        ("calls-only", []),
        // Maps unknown codes to "unspecified": the invalid vector with an unknown code says so, and so does the
        // kit's own probing of every string field (which needs no such vector).
        ("drop-unknown-codes", ["adapter.vectors.invalid", "adapter.robustness.no-silent-drop"]),
        // Streams answer right, calls (the gateway's way when every stream is busy) answer another region.
        ("call-differs", ["adapter.streams.same-answers"]),
        // Exits when a call is cancelled mid-call: the next call is answered (by a restarted process), which
        // passed before; the case now sees the process change. A robustness case is a SHOULD: exit 2.
        ("dies-on-cancel", ["adapter.robustness.cancel-mid-call"]),
    ]

    /// The exit status each mutant earns: 1 (Not Conformant) when a MUST fails, 2 (Partially Conformant) when only
    /// a SHOULD does (the cancellation case is one).
    static func exitStatus(caughtBy: Set<String>) -> Int32 {
        caughtBy.isEmpty ? 0 : caughtBy == ["adapter.robustness.cancel-mid-call"] ? 2 : 1
    }

    @Test(arguments: adapterMutants.indices)
    func eachAdapterMutantIsCaughtByItsCases(mutant: Int) async throws {
        let (flaw, caughtBy) = Self.adapterMutants[mutant]
        let (status, output, report, folder) = try await Self.runAdapter(
            manifest: """
                id: national-platform
                version: 1.0.0
                executable: \(Self.repository.appendingPathComponent("Tests/Interop/mutant_adapter.py").path)
                arguments: [\(GatewayProcess.executable("govcase-adapter-plugin").path), \(flaw)]
                message_types: [govcase.sources.national.v1.EvaluationRecord, govcase.sources.national.v1.RectificationFeedback, govcase.sources.national.v1.AppealRecord, govcase.sources.national.v1.ServiceNodeRecord]
                call_deadline_ms: 30000
                """,
            vectors: Self.repository.appendingPathComponent("Tests/Vectors/national-platform").path, extra: ["--trace"])
        #expect(report.failed == caughtBy, "\(flaw): \(output)")
        #expect(status == Self.exitStatus(caughtBy: caughtBy), "\(output)")
        if caughtBy.isEmpty {
            #expect(report.verdicts == ["core": "Conformant", "extended": "Conformant"], "\(flaw): \(output)")
            #expect(report.certified, "\(flaw)")
        }
        let streams = report.results.first { $0.id == "adapter.streams.same-answers" }?.outcome
        #expect(streams == (flaw == "calls-only" ? "not-applicable" : caughtBy.isEmpty ? "passed" : streams))
        if caughtBy.contains("adapter.robustness.no-silent-drop") {
            let seen = report.results.first { $0.id == "adapter.robustness.no-silent-drop" }?.seen ?? ""
            #expect(
                seen.contains("valid/020-feedback-immediate-fix-whole-loop.json: outcome"), "names the field: \(seen)")
            let trace = try String(
                contentsOf: folder.appendingPathComponent("traces/adapter.robustness.no-silent-drop.txt"),
                encoding: .utf8)
            #expect(trace.contains("GOVCASE-CONFORMANCE-UNKNOWN-"), "the trace shows the changed records")
        }
    }

    /// A plugin of `bad_plugin.py`; `startTimeout` generous for one that starts, short for one that never will.
    static func badPluginManifest(_ mode: String, startTimeout: Int = 15_000) -> String {
        """
        id: province-json
        version: 0.1.0
        executable: \(repository.appendingPathComponent("Tests/Interop/bad_plugin.py").path)
        arguments: [\(mode)]
        environment: {BAD_PLUGIN_ID: province-json}
        message_types: [govcase.examples.provincejson.v1.JsonEvaluation]
        start_timeout_ms: \(startTimeout)
        call_deadline_ms: 15000
        restart: {initial_backoff_ms: 20, max_backoff_ms: 200, max_exits: 1000, window_seconds: 60}
        """
    }

    @Test func aPluginThatWritesToStdoutFailsTheHandshakeCases() async throws {
        let (status, output, report, _) = try await Self.runAdapter(
            manifest: Self.badPluginManifest("stray-stdout", startTimeout: 4_000))
        #expect(status == 1)
        #expect(report.failed.contains("adapter.handshake.one-line"), "\(output)")
        let seen = report.results.first { $0.id == "adapter.handshake.one-line" }?.seen ?? ""
        #expect(seen.contains("Starting bad plugin v0.1"), "the report quotes the stray line: \(seen)")
    }

    @Test func aPluginThatCrashesOnALargeBatchFailsMaxBatchAlone() async throws {
        let (status, output, report, folder) = try await Self.runAdapter(
            manifest: Self.badPluginManifest("crash-on-large-batch"), extra: ["--trace"])
        #expect(status == 1)
        // Without vectors the cases that need them are skipped (never passed); the crash is caught by max-batch alone.
        #expect(report.failed == ["adapter.robustness.max-batch"], "\(output)")
        let trace = try String(
            contentsOf: folder.appendingPathComponent("traces/adapter.robustness.max-batch.txt"), encoding: .utf8)
        #expect(trace.contains("→ a batch, 100 record(s)"), "\(trace)")
        #expect(trace.contains("✕ the call failed"), "\(trace)")
        // So are the concurrency and cancellation cases, whose vehicle is a batch of batch_size: the plugin cannot
        // answer one at all.
        #expect(
            report.results.filter { $0.outcome == "skipped" }.map(\.id) == [
                "adapter.vectors.valid", "adapter.vectors.invalid", "adapter.robustness.concurrent-calls",
                "adapter.robustness.cancel-mid-call",
                "adapter.robustness.truncated-record", "adapter.robustness.no-silent-drop",
            ])
    }
}

/// The source role: the kit's sandbox grades a Python source (`Tests/Interop/source_client.py`), well behaved
/// and with each flaw the role must name.
@Suite(.heavy) struct SourceRoleTests {
    static let sources: [(flags: [String], records: Int, caughtBy: Set<String>, exit: Int32)] = [
        ([], 7, [], 0),
        (["--no-backoff"], 7, ["source.retry.backs-off"], 2),  // a SHOULD: Partially Conformant, exit 2
        (["--no-jitter"], 7, ["source.retry.jittered"], 2),
        // The outage record never arrives: six records end the session.
        (["--give-up"], 6, ["source.retry.never-gives-up"], 1),
        (["--ignore-pushback"], 7, ["source.retry.honours-pushback"], 2),
        // Waits, but its own backoff (0.2-2 s), not the pushback the sandbox draws (3-4 s).
        (["--own-backoff"], 7, ["source.retry.honours-pushback"], 2),
        (["--reuse-revision"], 8, ["source.retry.same-revision"], 1),
        (["--bad-record"], 8, ["source.records.valid"], 1),
        (["--other-region"], 8, ["source.identity.own-region"], 1),
    ]
    /// The cases that judge time from the sandbox's timestamps and counts.
    static let timeJudging: Set<String> = [
        "source.retry.backs-off", "source.retry.jittered", "source.retry.honours-pushback",
    ]
    /// What each new mutant's failure says: the expectation, and what was seen.
    static let says: [String: [String]] = [
        "--no-backoff": ["expected each retry after UNAVAILABLE at least 100 ms after the refusal;", "came sooner"],
        "--no-jitter": ["expected the waits before the probed records' n-th retries to differ", "the waits were retry 1 of 5 records:"],
        "--give-up": ["refused UNAVAILABLE for", "it was not sent again before the session ended"],
        "--ignore-pushback": ["expected the source to wait grpc-retry-pushback-ms (", "were shed"],
        "--own-backoff": ["expected the source to wait grpc-retry-pushback-ms (", "were shed"],
    ]

    @Test(arguments: sources.indices)
    func theSandboxGradesWhatASourceSends(source: Int) async throws {
        let (flags, records, caughtBy, exit) = Self.sources[source]
        // The time-judging cases judge what the sandbox timestamps or counts: a load can make a flawed source look
        // slower (a retry at once that takes over 100 ms, fixed waits that scatter), never a good one faster. Their
        // mutants get three sessions, and the kit must catch each in one of them; every other source, the
        // faithful one included, gets one and must be graded as listed.
        let sessions = caughtBy.isDisjoint(with: Self.timeJudging) ? 1 : 3
        var last: (status: Int32, failed: Set<String>, text: String, seen: [String: String]) = (0, [], "", [:])
        for _ in 0..<sessions {
            last = try await grade(flags: flags, records: records)
            if last.status == exit && last.failed == caughtBy { break }
        }
        #expect(last.status == exit, "\(last.text)")
        #expect(last.failed == caughtBy, "\(flags): \(last.text)")
        for flag in flags {
            for expected in Self.says[flag] ?? [] {
                let seen = caughtBy.map { last.seen[$0] ?? "" }.joined()
                #expect(seen.contains(expected), "\(flag): the failure says \"\(expected)\": \(seen)")
                #expect(last.text.contains("FAILED\t\(caughtBy.first!)\t"), "the run names the case: \(last.text)")
            }
        }
        if flags.isEmpty {
            #expect(last.seen["source.retry.honours-pushback"]?.contains("message(s) shed in") == true, "\(last.seen)")
            #expect(last.seen["source.retry.never-gives-up"]?.contains("delivered") == true, "\(last.seen)")
        }
    }

    /// One session of the kit's sandbox with the Python source: the kit's exit status, the cases that failed, and
    /// its output.
    func grade(flags: [String], records: Int) async throws -> (
        status: Int32, failed: Set<String>, text: String, seen: [String: String]
    ) {
        let deployment = try await Deployment.make()
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("source-\(UUID())")
        let kit = try GatewayProcess([
            "conformance", "run", "--role", "source", "--client-ca",
            deployment.folder.appendingPathComponent("ca.pem").path, "--duration", "60", "--records", "\(records)",
            "--report", report.path,
        ])
        let port = try await kit.servingPort()
        let sent = try await ExternalProgram.python(
            ConformanceTests.repository.appendingPathComponent("Tests/Interop/source_client.py"),
            [
                "--target", "127.0.0.1:\(port)", "--pki", deployment.folder.path, "--sandbox-ca",
                report.appendingPathComponent("sandbox/sandbox-ca.pem").path, "--repo",
                ConformanceTests.repository.path,
            ] + flags)
        #expect(sent.status == 0 && sent.output.contains("source done"), "\(sent.output)")
        let status = try await kit.exitStatus(timeout: .seconds(90))
        let graded = try ConformanceTests.report(report)
        let seen = try String(contentsOf: report.appendingPathComponent("sandbox/records.json"), encoding: .utf8)
        #expect(seen.contains("SRC-"), "records.json lists what was sent")
        return (
            status, graded.failed, kit.text,
            Dictionary(graded.results.map { ($0.id, $0.seen) }, uniquingKeysWith: { a, _ in a })
        )
    }
}

import Foundation
import GovCaseCore
import GovCasePlugins
import GovCaseProto
import GovCaseWire
import Logging
import Subprocess
import SwiftProtobuf
import SystemPackage

/// The adapter role: a plugin started from its manifest, as the gateway would, then driven through its
/// handshake, the golden vectors and robustness cases.
public struct AdapterChecks: Sendable {
    public static let ids = [
        "adapter.handshake.cookie-required", "adapter.handshake.one-line", "adapter.handshake.version-mismatch",
        "adapter.describe.matches-manifest", "adapter.vectors.valid", "adapter.vectors.invalid",
        "adapter.robustness.garbage-bytes", "adapter.robustness.unknown-type", "adapter.robustness.empty-batch",
        "adapter.robustness.max-batch", "adapter.robustness.concurrent-calls", "adapter.robustness.cancel-mid-call",
        "adapter.robustness.large-record",
    ]

    let manifest: PluginManifest
    /// Nil when no vectors folder was given: the vector cases are skipped, never passed.
    let vectors: [GoldenVector]?
    let logger: Logger

    public init(manifest: PluginManifest, vectorsFolder: URL?, logger: Logger) throws {
        self.manifest = manifest
        self.vectors = try vectorsFolder.map(GoldenVector.load)
        self.logger = logger
    }

    public var target: String {
        "adapter plugin \(manifest.id) \(manifest.version) (\(manifest.executable) \(manifest.arguments.joined(separator: " ")))"
    }

    /// Starts the plugin under a supervisor, runs the selected cases, stops it.
    public func run(_ runner: ConformanceRunner) async throws -> [CaseResult] {
        let supervisor = PluginSupervisor(
            manifest: manifest, socketDirectory: try PluginRegistry.makeSocketDirectory(), logger: logger)
        return await withTaskGroup { group in
            group.addTask { await supervisor.run() }
            defer { supervisor.stop() }
            return await runner.run(role: "adapter", checks: checks(supervisor))
        }
    }

    func checks(_ supervisor: PluginSupervisor) -> [String: @Sendable () async -> CheckResult] {
        let manifest = self.manifest
        let vectors = self.vectors
        let ready: @Sendable () async -> String? = {
            await supervisor.waitUntilReady(timeout: .milliseconds(manifest.startTimeoutMilliseconds + 1_000))
        }
        let accepted = manifest.messageTypes[0]
        let emptyRecord = Self.request(.with { $0.typeURL = "type.googleapis.com/" + accepted })
        return [
            "adapter.handshake.cookie-required": {
                let run = await Self.launch(manifest, environment: [:])
                guard let status = run.status else {
                    return .fail("still running 5 s after it was started without the cookie")
                }
                guard status != 0 else { return .fail("exited 0 without the cookie") }
                guard run.stdout.isEmpty else {
                    return .fail("wrote to stdout without the cookie: \"\(run.stdout.prefix(200))\"")
                }
                return .pass("exited \(status) with nothing on stdout")
            },
            "adapter.handshake.one-line": {
                if let why = await ready() { return .fail(why) }
                return .pass("one handshake line, health SERVING and Describe within start_timeout_ms")
            },
            "adapter.handshake.version-mismatch": {
                let socket = NSTemporaryDirectory() + "govcase-conf-\(UUID().uuidString.prefix(8)).sock"
                defer { try? FileManager.default.removeItem(atPath: socket) }
                let run = await Self.launch(
                    manifest,
                    environment: [
                        HandshakeEnvironment.cookieName: HandshakeEnvironment.cookieValue,
                        HandshakeEnvironment.socketName: socket, HandshakeEnvironment.protocolVersionsName: "99",
                    ])
                if run.stdout.contains(HandshakeLine.marker) {
                    return .fail(
                        "handshook although the gateway offered only protocol 99: \"\(run.stdout.prefix(200))\"")
                }
                guard let status = run.status else {
                    return .fail("still running 5 s after being offered only protocol 99")
                }
                guard status != 0 else { return .fail("exited 0 when offered only protocol 99") }
                return .pass("exited \(status) without a handshake")
            },
            "adapter.describe.matches-manifest": {
                if let why = await ready() { return .fail(why) }
                guard let d = supervisor.description else { return .fail("no Describe answer") }
                return .pass(
                    "Describe: \(d.id) \(d.version), protocol \(d.protocolVersion), \(d.messageTypes.count) type(s)")
            },
            "adapter.vectors.valid": {
                guard let vectors else { return .skip("no --vectors folder given") }
                let valid = vectors.filter(\.isValid)
                guard !valid.isEmpty else { return .skip("the vectors folder has no valid vector") }
                for vector in valid {
                    if let problem = await Self.differenceFromExpected(
                        vector, supervisor: supervisor, pluginID: manifest.id)
                    {
                        return .fail("\(vector.name): \(problem)")
                    }
                }
                return .pass("\(valid.count) valid vector(s) translated as expected")
            },
            "adapter.vectors.invalid": {
                guard let vectors else { return .skip("no --vectors folder given") }
                let invalid = vectors.filter { !$0.isValid }
                guard !invalid.isEmpty else { return .skip("the vectors folder has no invalid vector") }
                for vector in invalid {
                    if let problem = await Self.differenceFromExpected(
                        vector, supervisor: supervisor, pluginID: manifest.id)
                    {
                        return .fail("\(vector.name): \(problem)")
                    }
                }
                return .pass("\(invalid.count) invalid vector(s) rejected with their violations")
            },
            "adapter.robustness.garbage-bytes": {
                // Field 1, length-delimited, announcing 255 bytes that never come: no decoder accepts it.
                let garbage = Self.request(
                    .with {
                        $0.typeURL = "type.googleapis.com/" + accepted
                        $0.value = Data([0x0A, 0xFF, 0x01, 0x00])
                    })
                return await Self.expectRejection(
                    garbage, supervisor: supervisor, pluginID: manifest.id, what: "undecodable bytes")
            },
            "adapter.robustness.unknown-type": {
                let other = Self.request(
                    .with { $0.typeURL = "type.googleapis.com/govcase.conformance.v1.NotAcceptedHere" })
                return await Self.expectRejection(
                    other, supervisor: supervisor, pluginID: manifest.id, what: "an unaccepted type")
            },
            "adapter.robustness.empty-batch": {
                do {
                    let answers = try await supervisor.translate([])
                    return answers.isEmpty
                        ? .pass("no results for no records") : .fail("\(answers.count) results for no records")
                } catch { return .fail("\(error)") }
            },
            "adapter.robustness.max-batch": {
                let batch = Array(repeating: emptyRecord, count: manifest.batchSize)
                do {
                    let answers = try await supervisor.translate(batch)
                    return .pass("\(answers.count) results for a batch of \(manifest.batchSize)")
                } catch { return .fail("a batch of \(manifest.batchSize): \(error)") }
            },
            "adapter.robustness.concurrent-calls": {
                let failures = await withTaskGroup(of: String?.self) { group in
                    for _ in 0..<manifest.concurrency {
                        group.addTask {
                            do { _ = try await supervisor.translate([emptyRecord]); return nil } catch {
                                return "\(error)"
                            }
                        }
                    }
                    return await group.compactMap { $0 }.reduce(into: []) { $0.append($1) }
                }
                return failures.isEmpty
                    ? .pass("\(manifest.concurrency) calls at once, all answered")
                    : .fail("\(failures.count) of \(manifest.concurrency) concurrent calls failed: \(failures[0])")
            },
            "adapter.robustness.cancel-mid-call": {
                let call = Task {
                    try await supervisor.translate(Array(repeating: emptyRecord, count: manifest.batchSize))
                }
                try? await Task.sleep(for: .milliseconds(2))
                call.cancel()
                _ = try? await call.value
                do {
                    _ = try await supervisor.translate([emptyRecord])
                    return .pass("the call after a cancelled one was answered")
                } catch { return .fail("after a cancelled call: \(error)") }
            },
            "adapter.robustness.large-record": {
                let restarts = supervisor.statistics.restarts
                var value = Data([0x0A, 0x80, 0x80, 0x40])  // field 1, 1 MiB (varint 0x100000)
                value.append(Data(repeating: 0x61, count: 1 << 20))
                let large = Self.request(
                    .with {
                        $0.typeURL = "type.googleapis.com/" + accepted
                        $0.value = value
                    })
                do {
                    _ = try await supervisor.translate([large])
                    guard supervisor.statistics.restarts == restarts else { return .fail("the plugin restarted") }
                    return .pass("a 1 MiB record was answered")
                } catch { return .fail("a 1 MiB record: \(error)") }
            },
        ]
    }

    static func request(_ record: Google_Protobuf_Any, vector: GoldenVector? = nil)
        -> Govcase_Plugin_V1_TranslateRequest
    {
        .with {
            $0.record = record
            $0.context = .with {
                $0.sourceSystem = vector?.sourceSystem ?? "conformance-kit"
                $0.receivedAt = Google_Protobuf_Timestamp(date: vector?.receivedAt ?? Date())
            }
        }
    }

    static func expectRejection(
        _ request: Govcase_Plugin_V1_TranslateRequest, supervisor: PluginSupervisor, pluginID: String, what: String
    ) async -> CheckResult {
        do {
            guard let answer = try await supervisor.translate([request]).first else {
                return .fail("no answer for \(what)")
            }
            switch PluginAnswer.translation(
                of: answer, recordExternalID: "", pluginID: pluginID,
                context: TranslationContext(sourceSystem: "conformance-kit", receivedAt: Date()))
            {
            case .success(.rejected(let violations)):
                return .pass("\(what) rejected: \(violations.first.map { "\($0.field) \($0.rule)" } ?? "")")
            case .success(let other): return .fail("\(what) was translated: \(other)")
            case .failure(let broken): return .fail("\(what): \(broken)")
            }
        } catch { return .fail("\(what) failed the whole call: \(error)") }
    }

    /// Nil when the plugin's answer is what the vector expects; otherwise what differs.
    static func differenceFromExpected(_ vector: GoldenVector, supervisor: PluginSupervisor, pluginID: String) async
        -> String?
    {
        let answer: Govcase_Plugin_V1_TranslateResponse
        do {
            guard let first = try await supervisor.translate([request(vector.record, vector: vector)]).first else {
                return "no answer"
            }
            answer = first
        } catch { return "\(error)" }
        let context = TranslationContext(sourceSystem: vector.sourceSystem, receivedAt: vector.receivedAt)
        let translation: Translation
        switch PluginAnswer.translation(of: answer, recordExternalID: "", pluginID: pluginID, context: context) {
        case .failure(let broken): return broken.description
        case .success(let t): translation = t
        }
        do {
            switch translation {
            case .newCase(let c):
                guard let expected = vector.expectedCase else {
                    return "translated into a case; expected \(vector.isValid ? "a follow-up" : "a rejection")"
                }
                var want = try Govcase_Core_V1_Case(jsonString: expected)
                var got = c.proto
                got.source.adapterID = want.source.adapterID  // the plugin's own id stands in for the reference adapter's
                want.source.recordType = ""
                want.source.contentDigest = Data()
                return firstDifference(got, want)
            case .followUp(let f):
                guard let expected = vector.expectedFollowUp else {
                    return "translated into a follow-up; expected \(vector.isValid ? "a case" : "a rejection")"
                }
                return firstDifference(f.proto, try Govcase_Core_V1_FollowUp(jsonString: expected))
            case .rejected(let violations):
                guard !vector.isValid else {
                    return "rejected: "
                        + violations.map { "\($0.field) \($0.rule): \($0.message)" }.joined(separator: "; ")
                }
                let got = violations.map { "\($0.field) \($0.rule.rawValue)" }
                let want = vector.expectedViolations.map { "\($0.field) \($0.rule)" }
                return got == want
                    ? nil : "violations [\(got.joined(separator: ", "))]; expected [\(want.joined(separator: ", "))]"
            }
        } catch { return "the vector's expectation does not parse: \(error)" }
    }

    /// The first line that differs between two messages in text format, or nil when they are equal.
    static func firstDifference<M: SwiftProtobuf.Message & Equatable>(_ got: M, _ want: M) -> String? {
        guard got != want else { return nil }
        let a = got.textFormatString().split(separator: "\n")
        let b = want.textFormatString().split(separator: "\n")
        for (index, line) in b.enumerated() where index >= a.count || a[index] != line {
            return
                "expected \"\(line.trimmingCharacters(in: .whitespaces))\", got \"\(index < a.count ? a[index].trimmingCharacters(in: .whitespaces) : "nothing")\""
        }
        return "got more than expected: \"\(a[b.count].trimmingCharacters(in: .whitespaces))\""
    }

    /// Runs the plugin's executable with exactly these handshake variables, for at most 5 s.
    static func launch(_ manifest: PluginManifest, environment extra: [String: String]) async -> (
        status: Int32?, stdout: String
    ) {
        await within(.seconds(5)) { () async -> (status: Int32?, stdout: String) in
            var options = PlatformOptions()
            options.teardownSequence = [.send(signal: .kill, allowedDurationToNextStep: .seconds(1))]
            do {
                let result = try await Subprocess.run(
                    .path(FilePath(manifest.executable)), arguments: Arguments(manifest.arguments),
                    environment: manifest.launchEnvironment(handshake: extra),
                    workingDirectory: manifest.workingDirectory.map { FilePath($0) }, platformOptions: options,
                    output: .string(limit: 1 << 16), error: .discarded)
                let status: Int32 =
                    switch result.terminationStatus {
                    case .exited(let code): code
                    case .signaled(let signal): 128 + signal
                    }
                return (status, result.standardOutput ?? "")
            } catch {
                return (-1, "")
            }
        } ?? (nil, "")
    }
}

import Foundation
import GovCaseCore
import GovCasePlugins
import GovCaseProto
import GovCaseWire
import Logging
import Subprocess
import SwiftProtobuf
import Synchronization
import SystemPackage

/// The adapter role: a plugin started from its manifest, as the gateway would, then driven through its
/// handshake, the golden vectors and robustness cases.
public struct AdapterChecks: Sendable {
    public static let ids = [
        "adapter.handshake.cookie-required", "adapter.handshake.one-line", "adapter.handshake.version-mismatch",
        "adapter.describe.matches-manifest", "adapter.vectors.valid", "adapter.vectors.invalid",
        "adapter.robustness.garbage-bytes", "adapter.robustness.unknown-type", "adapter.robustness.empty-batch",
        "adapter.robustness.max-batch", "adapter.robustness.concurrent-calls", "adapter.robustness.cancel-mid-call",
        "adapter.robustness.large-record", "adapter.robustness.truncated-record",
        "adapter.robustness.missing-fields", "adapter.robustness.deep-nesting", "adapter.robustness.no-silent-drop",
        "adapter.streams.same-answers",
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
            // A plugin's own record types are read from the descriptors its Describe gives.
            var vectors = self.vectors
            if vectors?.contains(where: { $0.pendingJSON != nil }) == true {
                _ = await supervisor.waitUntilReady(timeout: manifest.startUpWait)
                vectors = vectors?.map { $0.resolved(with: Self.describedTypes(supervisor)) }
            }
            return await runner.run(role: "adapter", checks: checks(supervisor, vectors: vectors))
        }
    }

    func checks(_ supervisor: PluginSupervisor, vectors: [GoldenVector]?)
        -> [String: @Sendable () async -> CheckResult]
    {
        let manifest = self.manifest
        // Vectors the kit could not serialize fail the vector cases; the robustness cases use the others.
        let usable = vectors?.filter { $0.unusable == nil }
        let ready: @Sendable () async -> String? = {
            await supervisor.waitUntilReady(timeout: manifest.startUpWait)
        }
        let accepted = manifest.messageTypes[0]
        let emptyRecord = Self.request(.with { $0.typeURL = "type.googleapis.com/" + accepted })
        return [
            "adapter.handshake.cookie-required": {
                let run = await Self.launch(manifest, environment: [:])
                guard let status = run.status else {
                    return .fail("still running \(Self.launchLimit) after it was started without the cookie")
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
                    return .fail("still running \(Self.launchLimit) after being offered only protocol 99")
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
                    let answers = try await Self.translate(supervisor, [])
                    return answers.isEmpty
                        ? .pass("no results for no records") : .fail("\(answers.count) results for no records")
                } catch { return .fail("\(error)") }
            },
            "adapter.robustness.max-batch": {
                let batch = Array(repeating: emptyRecord, count: manifest.batchSize)
                do {
                    let answers = try await Self.translate(supervisor, batch)
                    return .pass("\(answers.count) results for a batch of \(manifest.batchSize)")
                } catch { return .fail("a batch of \(manifest.batchSize): \(error)") }
            },
            "adapter.robustness.concurrent-calls": {
                // Separate calls (the kit's calls are never coalesced), each a full batch so that they last, all
                // started together: the case proves that they were in flight at once, and that the process that
                // answered them is the one that answers next.
                if let why = await ready() { return .fail(why) }
                let batch = Array(repeating: emptyRecord, count: manifest.batchSize)
                do {
                    _ = try await Self.translate(supervisor, batch)
                } catch {
                    _ = await ready()
                    return .skip(
                        "a batch of \(manifest.batchSize) is not answered even alone "
                            + "(adapter.robustness.max-batch), so several at once prove nothing")
                }
                let before = supervisor.statistics
                let inFlight = InFlightCounter()
                let failures = await withTaskGroup(of: String?.self) { group in
                    for _ in 0..<manifest.concurrency {
                        group.addTask {
                            do {
                                _ = try await inFlight.measure {
                                    try await Self.translate(supervisor, batch, route: .call)
                                }
                                return nil
                            } catch { return "\(error)" }
                        }
                    }
                    return await group.compactMap { $0 }.reduce(into: []) { $0.append($1) }
                }
                guard failures.isEmpty else {
                    return .fail("\(failures.count) of \(manifest.concurrency) concurrent calls failed: \(failures[0])")
                }
                if let changed = Self.sameProcess(since: before, supervisor) { return .fail(changed) }
                guard manifest.concurrency < 2 || inFlight.peak >= 2 else {
                    return .skip(
                        "the \(manifest.concurrency) calls were never in flight together (peak \(inFlight.peak)): "
                            + "nothing concurrent was exercised")
                }
                // What is proven is the kit's side: that many calls were open on the plugin at once and all were
                // answered by one process. Whether the plugin worked on them in parallel is its own affair (a
                // plugin that queues them is slower, not wrong).
                return .pass(
                    "\(manifest.concurrency) TranslateBatch calls of \(manifest.batchSize) records, up to "
                        + "\(inFlight.peak) of them open at once, all answered by the same process (pid \(before.pid))")
            },
            "adapter.robustness.cancel-mid-call": {
                // The same batch uncancelled first, three times by call, timed, and an empty batch as often: a
                // plugin that cannot answer the batch at all fails adapter.robustness.max-batch, and its crash on
                // the cancelled batch would prove nothing here.
                let batch = Array(repeating: emptyRecord, count: manifest.batchSize)
                var took = (full: Duration.seconds(3_600), empty: Duration.seconds(3_600))
                for _ in 0..<3 {
                    do {
                        var start = ContinuousClock.now
                        _ = try await Self.translate(supervisor, batch, route: .call)
                        took.full = min(took.full, ContinuousClock.now - start)
                        start = ContinuousClock.now
                        _ = try await Self.translate(supervisor, [], route: .call)
                        took.empty = min(took.empty, ContinuousClock.now - start)
                    } catch {
                        _ = await ready()
                        return .skip(
                            "a batch of \(manifest.batchSize) is not answered even when not cancelled "
                                + "(adapter.robustness.max-batch), so a cancelled one proves nothing")
                    }
                }
                // An empty call's time is the round trip (the kit, the wire, the plugin's server); what a full batch
                // takes beyond it is the plugin's work. Cancelled halfway through that work (RST_STREAM), the call
                // is inside the plugin. A plugin whose work is shorter than the round trip leaves no such moment,
                // for the kit or for a caller's deadline: the case does not apply to it (never a pass).
                let work = took.full - took.empty
                guard work >= took.empty else {
                    return .notApplicable(
                        "a batch of \(manifest.batchSize) takes \(took.full), an empty one \(took.empty): the plugin's "
                            + "work is shorter than the round trip, so no cancel can be placed inside it")
                }
                // Calls get faster once warm (and slower on a loaded machine): a call answered before its cancel
                // is tried again with the cancel earlier in the work (a half, a quarter, … of it), never before
                // the round trip.
                let before = supervisor.statistics
                var landedAt: Duration?
                for attempt in 0..<6 where landedAt == nil {
                    let at = took.empty + work / (2 << attempt)
                    await supervisor.waitUntilIdle()
                    let call = Task { try await Self.translate(supervisor, batch, route: .call) }
                    try? await Task.sleep(for: at)
                    call.cancel()
                    if case .failure(let error as PluginCallError) = await call.result, error.kind == .cancelled {
                        landedAt = at
                    }
                }
                guard let half = landedAt else {
                    return .skip(
                        "6 calls cancelled from halfway to 1/64 of the way through the plugin's work (after a round "
                            + "trip of \(took.empty)) were each answered first, so no cancel reached the plugin mid-call")
                }
                // The plugin may still be working on the cancelled batch: it is given a second to end it, as it
                // likes, before the next call and the check that the same process answers it.
                try? await Task.sleep(for: Self.afterCancel)
                do {
                    _ = try await Self.translate(supervisor, [emptyRecord], route: .call)
                } catch { return .fail("after a call cancelled mid-call: \(error)") }
                if let changed = Self.sameProcess(since: before, supervisor) {
                    return .fail("after a call cancelled mid-call: \(changed)")
                }
                return .pass(
                    "a call cancelled \(half) into it (a round trip of \(took.empty), then into the plugin's work of "
                        + "\(work)), then the next call answered by the same process (pid \(before.pid))")
            },
            "adapter.robustness.large-record": {
                var value = Data([0x0A, 0x80, 0x80, 0x40])  // field 1, 1 MiB (varint 0x100000)
                value.append(Data(repeating: 0x61, count: 1 << 20))
                return await Self.answeredWithoutRestart(
                    value, of: accepted, supervisor: supervisor, what: "a 1 MiB record")
            },
            "adapter.robustness.truncated-record": {
                guard let usable else { return .skip("no --vectors folder given") }
                guard let base = usable.first(where: \.isValid),
                    let cut = WireFormat.truncated(Array(base.record.value))
                else { return .skip("no valid vector with a length-delimited field to cut") }
                let record = Self.request(
                    .with {
                        $0.typeURL = base.record.typeURL
                        $0.value = Data(cut)
                    }, vector: base)
                return await Self.expectRejection(
                    record, supervisor: supervisor, pluginID: manifest.id,
                    what: "\(base.name) cut to \(cut.count) of \(base.record.value.count) bytes")
            },
            "adapter.robustness.missing-fields": {
                await Self.expectRejection(
                    emptyRecord, supervisor: supervisor, pluginID: manifest.id,
                    what: "a \(accepted) with no field set")
            },
            "adapter.robustness.deep-nesting": {
                // 100,000 groups of an unknown field (4095), each opened inside the last and never closed: a
                // decoder that skips unknown fields by recursion runs out of stack.
                let open = WireFormat.encodeVarint(4095 << 3 | 3)
                return await Self.answeredWithoutRestart(
                    Data(Array(repeating: open, count: 100_000).joined()), of: accepted, supervisor: supervisor,
                    what: "a record nested 100,000 deep")
            },
            "adapter.robustness.no-silent-drop": {
                guard usable != nil else { return .skip("no --vectors folder given") }
                if let why = await ready() { return .fail(why) }
                guard let descriptors = Self.describedTypes(supervisor) else {
                    return .skip("Describe gives no descriptor_set, so the kit cannot find the records' fields")
                }
                return await Self.noSilentDrop(
                    (usable ?? []).filter(\.isValid), fields: StringFieldPaths(descriptors), supervisor: supervisor,
                    pluginID: manifest.id, batchSize: manifest.batchSize)
            },
            "adapter.streams.same-answers": {
                if let why = await ready() { return .fail(why) }
                guard let offered = supervisor.description?.maxTranslateStreams, offered > 0 else {
                    return .notApplicable(
                        "Describe offers no TranslateStream streams (max_translate_streams 0, which plugin.proto "
                            + "allows): every batch goes as a call")
                }
                let records = (usable ?? []).filter(\.isValid).map { Self.request($0.record, vector: $0) }
                return await Self.sameAnswersByStreamAndCall(
                    Array((records.isEmpty ? [emptyRecord] : records).prefix(manifest.batchSize)),
                    supervisor: supervisor)
            },
        ]
    }

    /// The same batch as a call, then twice on a stream: three identical answers (translation is pure).
    static func sameAnswersByStreamAndCall(
        _ batch: [Govcase_Plugin_V1_TranslateRequest], supervisor: PluginSupervisor
    ) async -> CheckResult {
        WireTrace.note("→ the same \(batch.count) record(s) as a TranslateBatch call, then twice on a stream")
        do {
            let byCall = try await supervisor.translateBatch(batch, route: .call)
            for round in ["first", "second"] {
                let byStream = try await supervisor.translateBatch(batch, route: .stream)
                for (index, (call, stream)) in zip(byCall, byStream).enumerated() where call != stream {
                    WireTrace.note("← [\(index)] by call: \(WireTrace.describe(call))")
                    WireTrace.note("← [\(index)] by stream: \(WireTrace.describe(stream))")
                    return .fail(
                        "record \(index) of \(batch.count), \(round) batch on the stream: "
                            + (firstDifference(stream, call) ?? "answered otherwise")
                            + " (the stream's answer against the call's)")
                }
            }
            return .pass("\(batch.count) record(s): the same answers by call and twice on one stream")
        } catch {
            WireTrace.note("✕ \(error)")
            return .fail("\(error)")
        }
    }

    /// Nil when the process that answered before still answers (same pid, no restart); otherwise what changed.
    static func sameProcess(since before: PluginStatistics, _ supervisor: PluginSupervisor) -> String? {
        let now = supervisor.statistics
        guard now.pid != before.pid || now.restarts != before.restarts else { return nil }
        return "the plugin's process changed (pid \(before.pid) → \(now.pid), restarts \(before.restarts) → \(now.restarts))"
    }

    /// A record of `type` with these bytes must be answered (a case or a rejection) without the plugin exiting.
    static func answeredWithoutRestart(_ value: Data, of type: String, supervisor: PluginSupervisor, what: String)
        async -> CheckResult
    {
        let restarts = supervisor.statistics.restarts
        let record = request(
            .with {
                $0.typeURL = "type.googleapis.com/" + type
                $0.value = value
            })
        do {
            _ = try await translate(supervisor, [record])
            guard supervisor.statistics.restarts == restarts else { return .fail("\(what): the plugin restarted") }
            return .pass("\(what) was answered")
        } catch { return .fail("\(what): \(error)") }
    }

    /// Each string field of each valid vector, in turn, set to a value no code table holds: the record must be
    /// rejected, or translated with the value kept somewhere in what it became. Translated with the value
    /// nowhere is a silent drop (an unknown code mapped to a default, a field ignored).
    static func noSilentDrop(
        _ vectors: [GoldenVector], fields: StringFieldPaths, supervisor: PluginSupervisor, pluginID: String,
        batchSize: Int
    ) async -> CheckResult {
        var probes: [(what: String, marker: String, request: Govcase_Plugin_V1_TranslateRequest)] = []
        for vector in vectors {
            let typeName = String(vector.record.typeURL.split(separator: "/").last ?? "")
            guard fields.knows(typeName) else { continue }
            let bytes = Array(vector.record.value)
            for field in fields.present(in: bytes, typeName: typeName) {
                let marker = "GOVCASE-CONFORMANCE-UNKNOWN-\(probes.count)"
                guard let changed = WireFormat.replacing(field.numbers, with: Array(marker.utf8), in: bytes) else {
                    continue
                }
                let record = Google_Protobuf_Any.with {
                    $0.typeURL = vector.record.typeURL
                    $0.value = Data(changed)
                }
                probes.append(("\(vector.name): \(field.names)", marker, request(record, vector: vector)))
            }
        }
        guard !probes.isEmpty else { return .skip("no valid vector of a type Describe's descriptor_set defines") }
        var dropped: [String] = []
        for start in stride(from: 0, to: probes.count, by: batchSize) {
            let batch = Array(probes[start..<min(start + batchSize, probes.count)])
            let answers: [Govcase_Plugin_V1_TranslateResponse]
            do { answers = try await translate(supervisor, batch.map(\.request)) } catch {
                return .fail("a batch of changed records failed the whole call: \(error)")
            }
            for (probe, answer) in zip(batch, answers) {
                let context = TranslationContext(
                    sourceSystem: probe.request.context.sourceSystem, receivedAt: probe.request.context.receivedAt.date)
                switch PluginAnswer.translation(of: answer, recordExternalID: "", pluginID: pluginID, context: context)
                {
                case .failure(let broken): return .fail("\(probe.what): \(broken)")
                case .success(.rejected(let violations)) where !violations.isEmpty: continue
                case .success(.rejected): dropped.append("\(probe.what) (rejected with no violation)")
                case .success(.newCase(let c)):
                    if !((try? c.proto.jsonString()) ?? "").contains(probe.marker) { dropped.append(probe.what) }
                case .success(.followUp(let f)):
                    if !((try? f.proto.jsonString()) ?? "").contains(probe.marker) { dropped.append(probe.what) }
                }
            }
        }
        guard dropped.isEmpty else {
            return .fail(
                "\(dropped.count) of \(probes.count) changed fields were accepted and their value is nowhere in the "
                    + "translation: " + dropped.prefix(10).joined(separator: "; "))
        }
        return .pass("\(probes.count) string fields, each set to an unknown value: each rejected or kept")
    }

    /// One batch, as is, to the plugin (`translateBatch`: no coalescing with other cases' records, no second
    /// attempt, no isolation), with each request and answer in the case's wire trace (`--trace`): what the kit
    /// sees is the plugin's own answer.
    static func translate(
        _ supervisor: PluginSupervisor, _ requests: [Govcase_Plugin_V1_TranslateRequest],
        route: PluginSupervisor.Route = .either
    ) async throws -> [Govcase_Plugin_V1_TranslateResponse] {
        WireTrace.note("→ a batch, \(requests.count) record(s)")
        for (index, request) in requests.prefix(20).enumerated() {
            WireTrace.note(
                "→ [\(index)] \(request.record.typeURL), \(request.record.value.count) bytes: \(WireTrace.describe(request))"
            )
        }
        do {
            let answers = try await supervisor.translateBatch(requests, route: route)
            WireTrace.note("← \(answers.count) result(s)")
            for (index, answer) in answers.prefix(20).enumerated() {
                WireTrace.note("← [\(index)] \(WireTrace.describe(answer))")
            }
            return answers
        } catch {
            WireTrace.note("✕ the call failed: \(error)")
            throw error
        }
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
            guard let answer = try await Self.translate(supervisor, [request]).first else {
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
        if let unusable = vector.unusable { return unusable }
        let answer: Govcase_Plugin_V1_TranslateResponse
        do {
            guard let first = try await Self.translate(supervisor, [request(vector.record, vector: vector)]).first
            else {
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

    /// How long a plugin has to be done with a call cancelled mid-call before the kit calls it again.
    static let afterCancel = Duration.seconds(1)

    /// How long a plugin launched without a proper handshake environment has to exit: an interpreter's start on a
    /// busy machine (a CI runner) takes seconds.
    static let launchLimit = Duration.seconds(10)

    /// Runs the plugin's executable with exactly these handshake variables, for at most `launchLimit`.
    static func launch(_ manifest: PluginManifest, environment extra: [String: String]) async -> (
        status: Int32?, stdout: String
    ) {
        await within(launchLimit) { () async -> (status: Int32?, stdout: String) in
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
                WireTrace.note(
                    "launched \(manifest.executable) with \(extra.keys.sorted().joined(separator: ", ")): exit \(status), "
                        + "stdout \"\(result.standardOutput)\"")
                return (status, result.standardOutput)
            } catch {
                WireTrace.note("could not launch \(manifest.executable): \(error)")
                return (-1, "")
            }
        } ?? (nil, "")
    }
}

extension AdapterChecks {
    /// The descriptor set the plugin's Describe gave, if it gave one.
    static func describedTypes(_ supervisor: PluginSupervisor) -> Google_Protobuf_FileDescriptorSet? {
        guard let set = supervisor.description?.descriptorSet, !set.isEmpty else { return nil }
        return try? Google_Protobuf_FileDescriptorSet(serializedBytes: set)
    }

    /// Each vector of `folder` through a running plugin, as `govcase adapters check` reports them: the vector's
    /// name and, when it failed, why.
    public static func vectorResults(folder: URL, supervisor: PluginSupervisor, pluginID: String) async throws
        -> [(name: String, problem: String?)]
    {
        let descriptors = describedTypes(supervisor)
        var results: [(name: String, problem: String?)] = []
        for vector in try GoldenVector.load(folder).map({ $0.resolved(with: descriptors) }) {
            results.append(
                (vector.name, await differenceFromExpected(vector, supervisor: supervisor, pluginID: pluginID)))
        }
        return results
    }
}

/// How many of the kit's own calls were in flight at once, at most.
final class InFlightCounter: Sendable {
    private let counts = Mutex((now: 0, peak: 0))

    var peak: Int { counts.withLock { $0.peak } }

    func measure<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        counts.withLock {
            $0.now += 1
            $0.peak = max($0.peak, $0.now)
        }
        defer { counts.withLock { $0.now -= 1 } }
        return try await body()
    }
}

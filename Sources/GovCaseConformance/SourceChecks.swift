import Foundation
import GRPCCore
import GRPCNIOTransportCore
import GovCasePKI
import GovCasePolicy
import GovCaseProto
import GovCaseServer
import GovCaseStore
import Logging
import Synchronization

/// The source role: the kit opens a sandbox gateway (its own store, the source's real client CA, a server
/// certificate from a sandbox CA the source trusts for the session) and grades what the source sends. Some attempts
/// are refused on purpose, to see how the source retries: the first two attempts of the first five records
/// (UNAVAILABLE), every attempt of the sixth for `outage` (UNAVAILABLE) and once more after it, and then every
/// message for `hold` (RESOURCE_EXHAUSTED with `grpc-retry-pushback-ms`, the gateway's own shedding, with the ingest
/// budget held full by the kit). The pushback is drawn for each session from `pushbackRange` and set as the
/// sandbox's `limits.retry_pushback_ms`: long against `hold`, so that only a sender which reads the header, not one
/// that happens to wait a fixed time of its own, is shed few enough times.
public final class SourceChecks: Sendable {
    public static let ids = [
        "source.session.records-received", "source.records.valid", "source.identity.own-region",
        "source.retry.same-revision", "source.retry.backs-off", "source.retry.jittered",
        "source.retry.never-gives-up", "source.retry.honours-pushback",
    ]

    /// How many distinct records get their first `probedAttempts` attempts answered UNAVAILABLE.
    static let probedRecords = 5
    static let probedAttempts = 2
    /// How long every attempt of the next distinct record is answered UNAVAILABLE: an outage a sender must outlast.
    static let outage = Duration.seconds(8)
    /// How long the ingest budget is held full once the outage is over: every message is shed with
    /// RESOURCE_EXHAUSTED and `grpc-retry-pushback-ms` (drawn from `pushbackRange`).
    static let hold = Duration.seconds(8)
    /// The sandbox's `grpc-retry-pushback-ms`, drawn for each session, longer than the backoff most senders cap
    /// their own waits at (gRPC's default policy, 1 s; the SDKs' 2 s): a sender that waits it is shed at most three
    /// times in `hold`; one that waits its own backoff instead, capped at 2 s with jitter, four times or more.
    static let pushbackRange = 3_000...4_000
    /// Retries must come no sooner than this after a refusal, and no later than `longestWait`.
    static let shortestWait = 0.1
    static let longestWait = 30.0
    /// Among the probed records' n-th retries, the longest wait must be at least this many times the shortest.
    static let jitterSpread = 1.2

    /// One record as the sandbox saw it.
    public struct Seen: Sendable, Codable {
        public var at: Date
        public var system: String
        public var certificateRegion: String
        public var adapter: String
        public var externalID: String
        public var outcome: String
        public var errorCode: Int32
        public var error: String
        public var violations: [String]
        public var regionCode: String?
        public var injected: Bool
        /// Which probe refused it on purpose: `retry` (one of the first two attempts of a probed record) or
        /// `outage`; nil for an attempt answered as the gateway would.
        public var probe: String?
    }

    /// The budget hold of the pushback probe, as measured: how long it lasted and how many messages were shed.
    public struct Hold: Sendable, Codable {
        public var started: Date
        public var seconds: Double
        public var shed: Int
        /// The record whose delivery started it (the outage record).
        public var after: String
        /// The `grpc-retry-pushback-ms` every shed message carried.
        public var pushbackMilliseconds: Int
    }

    let folder: URL
    let gateway: Gateway
    let recorder: Recorder

    /// Writes the sandbox (CA, server certificate, key, configuration) into `folder` and opens the gateway.
    public init(folder: URL, clientCA: String, trustDomain: String, host: String, port: Int, logger: Logger) throws {
        self.folder = folder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let ca = try CertificateAuthority(commonName: "GovCase conformance sandbox CA")
        let server = try ca.issueServer(commonName: "sandbox", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
        func write(_ text: String, _ name: String, mode: Int = 0o644) throws {
            let url = folder.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        }
        try write(try ca.root.certificatePEM(), "sandbox-ca.pem")
        try write(try server.certificatePEM(), "server.pem")
        try write(try server.keyPEM(), "server-key.pem", mode: 0o600)
        try write(EvaluatorVault.newKeyBase64(), "evaluator.key", mode: 0o600)
        try FileManager.default.copyItem(atPath: clientCA, toPath: folder.appendingPathComponent("client-ca.pem").path)
        let provinces = [
            "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
            "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
        ]
        try write(
            """
            # The conformance kit's sandbox: any system of the trust domain may submit to any adapter, for any
            # province; the kit grades what it sends instead of refusing it.
            listen: { host: \(host), port: \(port) }
            tls: { certificate: server.pem, key: server-key.pem, client_ca: client-ca.pem }
            store: { path: cases.sqlite, evaluator_key: evaluator.key }
            drain: { grace_seconds: 0 }
            limits: { retry_pushback_ms: \(Int.random(in: Self.pushbackRange)) }
            policy:
              trust_domain: \(trustDomain)
              grants:
                - systems: ["*"]
                  regions: [\(provinces.map { "\"\($0)\"" }.joined(separator: ", "))]
                  adapters: ["*"]
                  roles: [submitter, reader]

            """, "gateway.yaml")
        let configuration = try GatewayConfiguration.load(path: folder.appendingPathComponent("gateway.yaml").path)
        let recorder = Recorder()
        self.recorder = recorder
        gateway = try Gateway(
            configuration: configuration, logger: logger,
            hooks: IngestHooks(observe: recorder.record, inject: recorder.probe))
        recorder.budgetBox.withLock { $0 = gateway.ingestBudget }
    }

    public var address: String {
        get async throws {
            guard let address = try await gateway.listeningAddress else { return "?" }
            return "\(address.host):\(address.port)"
        }
    }

    public var target: String { "source systems sending to the sandbox gateway in \(folder.path)" }

    /// Every record seen, in order.
    public var records: [Seen] { recorder.seen.withLock { $0 } }

    /// What the sandbox's hooks see and decide: every acknowledgement, which attempts to refuse, and the budget hold.
    final class Recorder: Sendable {
        let seen = Mutex<[Seen]>([])
        /// Each probed record (system/adapter/external id): its probe, attempts refused, and its first attempt.
        private let probes = Mutex<(records: [String: (kind: String, refused: Int, first: ContinuousClock.Instant)], outage: String?)>(([:], nil))
        /// The gateway's ingest budget, held full by the pushback probe.
        let budgetBox = Mutex<IngestBudget?>(nil)
        var budget: IngestBudget? { budgetBox.withLock { $0 } }
        /// Accounts opened for the hold (`holdAccounts`), the hold in progress, and the one measured.
        let holding = Mutex<(accounts: [IngestBudget.Account], held: Hold?, tickets: [(IngestBudget.Account, IngestBudget.Account.Ticket)], shedBefore: Int, started: ContinuousClock.Instant?, done: Bool, startedAt: Date, after: String)>(([], nil, [], 0, nil, false, Date(), ""))

        @Sendable func record(_ o: IngestHooks.Observation) {
            let probe = SourceChecks.probeKind(o.ack.errorMessage)
            let seen = Seen(
                at: Date(), system: o.caller.systemID, certificateRegion: o.caller.regionCode,
                adapter: o.adapterID,
                externalID: o.ack.externalID, outcome: "\(o.ack.outcome)", errorCode: o.ack.errorCode,
                error: o.ack.errorMessage,
                violations: o.ack.rejection.violations.map { "\($0.field): \($0.rule): \($0.message)" },
                regionCode: o.regionCode, injected: probe != nil, probe: probe)
            self.seen.withLock { $0.append(seen) }
        }

        /// Whether the budget hold has been set (or given up): the outage record is then accepted.
        var holdBegun: Bool { holding.withLock { $0.started != nil || $0.done } }
        private let holdScheduled = Mutex(false)

        /// Sets the hold once nothing is in flight (the source waits out the refusal it was just sent), for `hold`.
        func scheduleHold(after externalID: String) {
            guard holdScheduled.withLock({ scheduled in defer { scheduled = true }; return !scheduled }) else { return }
            Task {
                let waitedUntil = ContinuousClock.now + .seconds(1)
                while let budget, budget.usage.inFlight > 0, ContinuousClock.now < waitedUntil {
                    try? await Task.sleep(for: .milliseconds(1))
                }
                guard startHold(after: externalID) else {
                    holding.withLock { $0.done = true }
                    return
                }
                try? await Task.sleep(for: SourceChecks.hold)
                endHold(after: externalID)
            }
        }

        @Sendable func probe(_ caller: CallerIdentity, _ externalID: String, _ adapter: String) -> RPCError? {
            guard !externalID.isEmpty else { return nil }
            let key = "\(caller.systemID)/\(adapter)/\(externalID)"
            let now = ContinuousClock.now
            let refusal = probes.withLock { probes -> String? in
                if var known = probes.records[key] {
                    switch known.kind {
                    case "retry" where known.refused < SourceChecks.probedAttempts:
                        known.refused += 1
                        probes.records[key] = known
                        return "retry"
                    case "outage" where now - known.first < SourceChecks.outage || !holdBegun:
                        // Past the outage, refused once more while the budget hold is set up: the hold then meets the
                        // source's next attempt, with nothing of the source's in flight when it is set.
                        if now - known.first >= SourceChecks.outage { scheduleHold(after: externalID) }
                        known.refused += 1
                        probes.records[key] = known
                        return "outage"
                    default: return nil
                    }
                }
                let retries = probes.records.values.filter { $0.kind == "retry" }.count
                if retries < SourceChecks.probedRecords {
                    probes.records[key] = ("retry", 1, now)
                    return "retry"
                }
                if probes.outage == nil {
                    probes.outage = key
                    probes.records[key] = ("outage", 1, now)
                    return "outage"
                }
                return nil
            }
            switch refusal {
            case "retry"?:
                return RPCError(code: .unavailable, message: "\(SourceChecks.probeMessage) (retry probe); retry with backoff")
            case "outage"?:
                return RPCError(
                    code: .unavailable,
                    message: "\(SourceChecks.probeMessage) (outage probe: every attempt for \(SourceChecks.outage)); "
                        + "keep retrying with backoff")
            default: return nil
            }
        }

        /// Reserves the whole ingest budget on the accounts opened for it, so that every message is shed with
        /// RESOURCE_EXHAUSTED and `grpc-retry-pushback-ms`; released after `hold`.
        @discardableResult func startHold(after externalID: String) -> Bool {
            guard let budget else { return false }
            let started = holding.withLock { holding -> Bool in
                guard holding.started == nil, !holding.done, !holding.accounts.isEmpty else { return false }
                let limits = budget.limits
                var amounts = SourceChecks.split(limits.total - limits.reserve, limits.perConnection)
                amounts += SourceChecks.split(limits.reserve, limits.perConnection)
                for (account, bytes) in zip(holding.accounts, amounts) {
                    if let ticket = try? account.reserve(bytes) { holding.tickets.append((account, ticket)) }
                }
                // After the kit's own reservations: one that did not fit (a message arrived meanwhile) counts as shed.
                holding.shedBefore = budget.usage.shed
                holding.started = ContinuousClock.now
                holding.startedAt = Date()
                holding.after = externalID
                return true
            }
            return started
        }

        /// Releases the hold and records what it measured; at the end of the session too, if the hold is still on.
        func endHold(after externalID: String? = nil) {
            guard let budget else { return }
            holding.withLock { holding in
                guard let started = holding.started, !holding.done else { return }
                let shed = budget.usage.shed - holding.shedBefore
                let elapsed = ContinuousClock.now - started
                for (account, ticket) in holding.tickets { account.release(ticket) }
                holding.tickets = []
                holding.done = true
                holding.held = Hold(
                    started: holding.startedAt, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                    shed: shed, after: externalID ?? holding.after,
                    pushbackMilliseconds: Int(budget.limits.retryPushback / .milliseconds(1)))
            }
        }
    }

    static let probeMessage = "conformance sandbox: this attempt is refused on purpose"

    /// Which probe refused an attempt, from its message; nil for an answer of the gateway's own.
    static func probeKind(_ message: String) -> String? {
        guard message.hasPrefix(probeMessage) else { return nil }
        return message.contains("(outage probe") ? "outage" : "retry"
    }

    /// Seconds as whole milliseconds.
    static func ms(_ seconds: Double) -> Int { Int((seconds * 1000).rounded()) }

    /// `total` bytes in parts of at most `part`.
    static func split(_ total: Int, _ part: Int) -> [Int] {
        stride(from: 0, to: total, by: part).map { min(part, total - $0) }
    }

    /// Opens `count` accounts of the budget (one per pretend connection) for the hold, and keeps them open until
    /// the task is cancelled.
    static func openAccounts(_ budget: IngestBudget, count: Int, into recorder: Recorder) async {
        if count == 0 {
            while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(200)) }
            return
        }
        await budget.withAccount(connection: "conformance-kit-hold-\(count)") { account in
            recorder.holding.withLock { $0.accounts.append(account) }
            await openAccounts(budget, count: count - 1, into: recorder)
        }
    }

    /// Serves for `duration` (or until `records` records were seen), then stops the sandbox and grades.
    public func run(_ runner: ConformanceRunner, duration: Duration, records limit: Int?) async throws -> [CaseResult] {
        try await withThrowingTaskGroup { group in
            group.addTask { try await self.gateway.run() }
            let limits = gateway.ingestBudget.limits
            let accounts = Self.split(limits.total - limits.reserve, limits.perConnection).count
                + Self.split(limits.reserve, limits.perConnection).count
            let recorder = self.recorder
            let budget = gateway.ingestBudget
            group.addTask { await Self.openAccounts(budget, count: accounts, into: recorder) }
            let end = ContinuousClock.now + duration
            while ContinuousClock.now < end {
                if let limit, self.records.filter({ !$0.injected }).count >= limit { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            group.cancelAll()
        }
        recorder.endHold()
        let records = self.records
        let held = recorder.holding.withLock { $0.held }
        try JSONEncoder.pretty.encode(records).write(to: folder.appendingPathComponent("records.json"))
        if let held {
            try JSONEncoder.pretty.encode(held).write(to: folder.appendingPathComponent("pushback.json"))
        }
        return await runner.run(role: "source", checks: Self.checks(records, held: held))
    }

    static func checks(_ records: [Seen], held: Hold? = nil) -> [String: @Sendable () async -> CheckResult] {
        let real = records.filter { !$0.injected }
        @Sendable func list(_ bad: [Seen], _ reason: (Seen) -> String) -> String {
            // The trace (`--trace`): every attempt the sandbox saw of each record at fault, in order.
            for id in Set(bad.map(\.externalID)).sorted() {
                for seen in records where seen.externalID == id {
                    WireTrace.note(
                        "\(ISO8601DateFormatter().string(from: seen.at)) \(seen.system) → \(seen.adapter) \(id): "
                            + "\(seen.injected ? "refused on purpose (UNAVAILABLE)" : seen.outcome)"
                            + (seen.errorCode == 0 ? "" : " code \(seen.errorCode) \"\(seen.error)\"")
                            + (seen.violations.isEmpty ? "" : " [\(seen.violations.joined(separator: "; "))]"))
                }
            }
            return bad.prefix(20).map { "\($0.externalID) (\($0.system)): \(reason($0))" }.joined(separator: "; ")
                + (bad.count > 20 ? "; and \(bad.count - 20) more (records.json)" : "")
        }
        return [
            "source.session.records-received": {
                real.isEmpty ? .fail("no record arrived during the session") : .pass("\(real.count) record(s) received")
            },
            "source.records.valid": {
                guard !real.isEmpty else { return .skip("no record arrived") }
                let refused = real.filter {
                    $0.outcome == "\(Govcase_Gateway_V1_RecordOutcome.rejected)" && $0.errorCode != 6
                        && $0.errorCode != 7
                }
                return refused.isEmpty
                    ? .pass("\(real.count) record(s), each accepted or a duplicate")
                    : .fail(list(refused) { $0.violations.isEmpty ? $0.error : $0.violations.joined(separator: ", ") })
            },
            "source.identity.own-region": {
                guard !real.isEmpty else { return .skip("no record arrived") }
                let outside = real.filter { seen in
                    guard let region = seen.regionCode else { return false }
                    return !region.hasPrefix(Self.prefix(of: seen.certificateRegion))
                }
                return outside.isEmpty
                    ? .pass("every case lies in its certificate's region")
                    : .fail(
                        list(outside) {
                            "region \($0.regionCode ?? "") is outside the certificate's \($0.certificateRegion)"
                        })
            },
            "source.retry.same-revision": {
                guard !real.isEmpty else { return .skip("no record arrived") }
                let conflicts = real.filter { $0.errorCode == 6 }
                return conflicts.isEmpty
                    ? .pass("no revision was reused with other content")
                    : .fail(
                        list(conflicts) { _ in "the same revision was sent again with other content (ALREADY_EXISTS)" })
            },
            "source.retry.backs-off": {
                let waits = retryWaits(records)
                guard !waits.isEmpty else { return .skip("no record arrived to probe") }
                var problems: [String] = []
                var quick = 0
                for wait in waits {
                    guard let seconds = wait.seconds else {
                        problems.append("\(wait.externalID): not retried after UNAVAILABLE")
                        continue
                    }
                    WireTrace.note(
                        "\(wait.externalID): refusal \(wait.attempt) on purpose, retried \(ms(seconds)) ms later")
                    if seconds < shortestWait {
                        quick += 1
                        problems.append("\(wait.externalID) retry \(wait.attempt) after \(ms(seconds)) ms")
                    }
                }
                return problems.isEmpty
                    ? .pass(
                        "each of \(waits.count) retries of a record refused UNAVAILABLE came at least 100 ms later "
                            + "(shortest \(ms(waits.compactMap(\.seconds).min() ?? 0)) ms)")
                    : .fail(
                        "expected each retry after UNAVAILABLE at least 100 ms after the refusal; \(quick) of "
                            + "\(waits.count) came sooner: " + problems.prefix(12).joined(separator: "; "))
            },
            "source.retry.jittered": {
                let waits = retryWaits(records)
                guard !waits.isEmpty else { return .skip("no record arrived to probe") }
                let missing = waits.filter { $0.seconds == nil }.map(\.externalID)
                guard missing.isEmpty else {
                    return .fail(
                        "expected every record refused UNAVAILABLE to be retried; not retried: "
                            + Set(missing).sorted().joined(separator: ", "))
                }
                let late = waits.filter { $0.seconds! > longestWait }
                guard late.isEmpty else {
                    return .fail(
                        "expected each retry within 30 s of the refusal; "
                            + late.map { "\($0.externalID) retry \($0.attempt) after \(Int($0.seconds!)) s" }.joined(separator: "; "))
                }
                var groups: [String] = []
                var jittered = false
                for attempt in 1...probedAttempts {
                    let group = waits.filter { $0.attempt == attempt }.compactMap(\.seconds).sorted()
                    guard group.count >= 3, let shortest = group.first, let longest = group.last else { continue }
                    if longest >= shortest * jitterSpread { jittered = true }
                    groups.append(
                        "retry \(attempt) of \(group.count) records: "
                            + group.map { "\(ms($0))" }.joined(separator: ", ") + " ms")
                }
                guard !groups.isEmpty else {
                    return .skip("fewer than three records were probed; jitter cannot be judged")
                }
                return jittered
                    ? .pass("jittered, within 100 ms–30 s: " + groups.joined(separator: "; "))
                    : .fail(
                        "expected the waits before the probed records' n-th retries to differ (the longest at least "
                            + "1.2 × the shortest: jitter), each within 100 ms–30 s; the waits were "
                            + groups.joined(separator: "; "))
            },
            "source.retry.never-gives-up": {
                let outage = records.filter { $0.probe == "outage" }
                guard let first = outage.first else {
                    return .skip("no sixth record arrived: the outage probe did not run")
                }
                let id = first.externalID
                let last = outage.last!
                let span = last.at.timeIntervalSince(first.at)
                let delivered = records.first {
                    !$0.injected && $0.externalID == id && $0.system == first.system && $0.at > last.at
                }
                for attempt in outage {
                    WireTrace.note(
                        "\(ISO8601DateFormatter().string(from: attempt.at)) \(id): refused on purpose (outage)")
                }
                guard let delivered else {
                    return .fail(
                        "expected \(id), refused UNAVAILABLE for \(outage.count) attempt(s) over \(Int(span)) s of an "
                            + "8 s outage, to be sent again once the outage ended; it was not sent again before the "
                            + "session ended (the last attempt \(Int(Date().timeIntervalSince(last.at))) s before): "
                            + "the sender gave up, and the kit cannot tell whether it said so")
                }
                return .pass(
                    "\(id) was refused \(outage.count) time(s) over \(Int(span)) s and delivered "
                        + "\(String(format: "%.1f", delivered.at.timeIntervalSince(last.at))) s after the last refusal "
                        + "(\(delivered.outcome))")
            },
            "source.retry.honours-pushback": {
                guard let held else {
                    return .skip("the outage record was not retried past its outage, so the budget was never held")
                }
                let pushback = Double(held.pushbackMilliseconds) / 1000
                let allowed = Int((held.seconds / pushback).rounded(.down)) + 1
                WireTrace.note(
                    "the budget was held \(ms(held.seconds)) ms after \(held.after) was delivered: "
                        + "\(held.shed) message(s) shed with grpc-retry-pushback-ms \(ms(pushback))")
                guard held.shed > 0 else {
                    return .skip(
                        "no message came during the \(ms(held.seconds)) ms the budget was held after "
                            + "\(held.after) was delivered: nothing to judge")
                }
                return held.shed <= allowed
                    ? .pass(
                        "\(held.shed) message(s) shed in \(ms(held.seconds)) ms of RESOURCE_EXHAUSTED with "
                            + "grpc-retry-pushback-ms \(ms(pushback)): at most \(allowed) for a sender that waits it")
                    : .fail(
                        "expected the source to wait grpc-retry-pushback-ms (\(ms(pushback)) ms) after "
                            + "RESOURCE_EXHAUSTED, so at most \(allowed) attempts in the \(ms(held.seconds)) ms "
                            + "every message was shed; \(held.shed) were shed")
            },
        ]
    }

    /// Each retry the retry probe asked for: the record, which refusal (1 or 2), and how long after that refusal
    /// the next attempt of the record came (nil if none came).
    struct RetryWait: Sendable {
        var externalID: String
        var attempt: Int
        var seconds: Double?
    }

    static func retryWaits(_ records: [Seen]) -> [RetryWait] {
        var waits: [RetryWait] = []
        var attempts: [String: Int] = [:]
        for (index, refusal) in records.enumerated() where refusal.probe == "retry" {
            let key = "\(refusal.system)/\(refusal.externalID)"
            attempts[key, default: 0] += 1
            let next = records[(index + 1)...].first { $0.externalID == refusal.externalID && $0.system == refusal.system }
            waits.append(
                RetryWait(
                    externalID: refusal.externalID, attempt: attempts[key]!,
                    seconds: next.map { $0.at.timeIntervalSince(refusal.at) }))
        }
        return waits
    }

    /// A region code's significant prefix: 510000 → 51, 510100 → 5101, 510104 → 510104.
    static func prefix(of region: String) -> String {
        var prefix = region
        while prefix.count > 2, prefix.hasSuffix("00") { prefix.removeLast(2) }
        return prefix
    }
}

extension JSONEncoder {
    static var pretty: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

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
/// certificate from a sandbox CA the source trusts for the session) and grades what the source sends. The
/// first attempt of the first records is answered UNAVAILABLE on purpose, to see how the source retries.
public final class SourceChecks: Sendable {
    public static let ids = [
        "source.session.records-received", "source.records.valid", "source.identity.own-region",
        "source.retry.same-revision", "source.retry.backs-off",
    ]

    /// How many distinct records get a first UNAVAILABLE.
    static let probedRecords = 3

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
    }

    let folder: URL
    let gateway: Gateway
    let recorder = Recorder()

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
            policy:
              trust_domain: \(trustDomain)
              grants:
                - systems: ["*"]
                  regions: [\(provinces.map { "\"\($0)\"" }.joined(separator: ", "))]
                  adapters: ["*"]
                  roles: [submitter, reader]

            """, "gateway.yaml")
        let configuration = try GatewayConfiguration.load(path: folder.appendingPathComponent("gateway.yaml").path)
        let recorder = self.recorder
        gateway = try Gateway(
            configuration: configuration, logger: logger,
            hooks: IngestHooks(observe: recorder.record, inject: recorder.probe))
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

    /// What the sandbox's hooks see and decide: every acknowledgement, and which first attempts to refuse.
    final class Recorder: Sendable {
        let seen = Mutex<[Seen]>([])
        private let probes = Mutex<(refused: Set<String>, count: Int)>(([], 0))

        @Sendable func record(_ o: IngestHooks.Observation) {
            let injected = o.ack.errorMessage.hasPrefix(SourceChecks.probeMessage)
            seen.withLock {
                $0.append(
                    Seen(
                        at: Date(), system: o.caller.systemID, certificateRegion: o.caller.regionCode,
                        adapter: o.adapterID,
                        externalID: o.ack.externalID, outcome: "\(o.ack.outcome)", errorCode: o.ack.errorCode,
                        error: o.ack.errorMessage,
                        violations: o.ack.rejection.violations.map { "\($0.field): \($0.rule): \($0.message)" },
                        regionCode: o.regionCode, injected: injected))
            }
        }

        @Sendable func probe(_ caller: CallerIdentity, _ externalID: String, _ adapter: String) -> RPCError? {
            let key = "\(caller.systemID)/\(adapter)/\(externalID)"
            let refuse = probes.withLock { probes -> Bool in
                guard !probes.refused.contains(key), probes.count < SourceChecks.probedRecords, !externalID.isEmpty
                else {
                    return false
                }
                probes.refused.insert(key)
                probes.count += 1
                return true
            }
            return refuse
                ? RPCError(code: .unavailable, message: "\(SourceChecks.probeMessage); retry with backoff") : nil
        }
    }

    static let probeMessage = "conformance sandbox: this first attempt is refused on purpose"

    /// Serves for `duration` (or until `records` records were seen), then stops the sandbox and grades.
    public func run(_ runner: ConformanceRunner, duration: Duration, records limit: Int?) async throws -> [CaseResult] {
        try await withThrowingTaskGroup { group in
            group.addTask { try await self.gateway.run() }
            let end = ContinuousClock.now + duration
            while ContinuousClock.now < end {
                if let limit, self.records.filter({ !$0.injected }).count >= limit { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            group.cancelAll()
        }
        let records = self.records
        try JSONEncoder.pretty.encode(records).write(to: folder.appendingPathComponent("records.json"))
        return await runner.run(role: "source", checks: Self.checks(records))
    }

    static func checks(_ records: [Seen]) -> [String: @Sendable () async -> CheckResult] {
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
                let probed = records.filter(\.injected)
                guard !probed.isEmpty else { return .skip("no record arrived to probe") }
                var problems: [String] = []
                for refusal in probed {
                    guard
                        let retry = records.first(where: {
                            !$0.injected && $0.externalID == refusal.externalID && $0.system == refusal.system
                                && $0.at > refusal.at
                        })
                    else {
                        problems.append("\(refusal.externalID): not retried after UNAVAILABLE")
                        continue
                    }
                    let wait = retry.at.timeIntervalSince(refusal.at)
                    WireTrace.note("\(refusal.externalID): refused on purpose, retried \(Int(wait * 1000)) ms later")
                    if wait < 0.1 { problems.append("\(refusal.externalID): retried after \(Int(wait * 1000)) ms") }
                }
                return problems.isEmpty
                    ? .pass("each of \(probed.count) refused first attempt was retried after at least 100 ms")
                    : .fail(problems.joined(separator: "; "))
            },
        ]
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

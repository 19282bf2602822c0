import ArgumentParser
import Foundation
import GovCaseConformance
import GovCasePKI
import GovCasePlugins
import GovCaseProto
import Logging
import SwiftProtobuf

/// `govcase conformance run`: certifies an adapter plugin or a receiver of our ingest contract, and writes a
/// report an integrator can file.
struct ConformanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conformance",
        abstract: "The conformance kit: certify adapters and receivers before they go live.",
        subcommands: [Run.self, Cases.self])

    struct Cases: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists the catalogue's cases.")
        func run() throws {
            for c in try Catalogue.shipped().cases {
                print("\(c.id)\t\(c.level.rawValue)\t\(c.strength.rawValue)\t\(c.expectation)")
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Runs one role's cases; writes report.json, junit.xml and report.md; the exit status is the verdict.",
            discussion: """
                Verdicts are given per level (core, extended) only for a run of the role's whole catalogue: a MUST \
                failed is Not Conformant; a SHOULD failed or a case skipped is Partially Conformant; otherwise \
                Conformant. A case that does not apply (not-applicable) counts for nothing. A run of a subset \
                (--case) is a partial run and gives no verdict. report.json's `certified` is true only for a full \
                run with every level Conformant and no case listed in --known-failing.

                Exit status:
                """
                + ConformanceExitStatus.allCases.map { "\n  \($0.rawValue)  \($0.meaning)" }.joined()
                + "\n  64 a missing or bad option")

        @Option(help: "adapter, receiver or source.") var role: String
        @Option(help: "Folder for the reports.") var report: String
        @Option(name: .customLong("case"), help: "Only cases matching this glob (repeatable): a partial run, with no verdict.") var cases: [String] = []
        @Option(
            help: "A file of case ids expected to fail, one per line; each must still fail. Set aside for the exit status, counted in the verdicts.") var knownFailing:
            String?
        @Flag(help: "Record the wire exchange of each case; failing cases keep theirs in traces/<case id>.txt.")
        var trace = false

        // adapter
        @Option(help: "adapter: the plugin's manifest.") var manifest: String?
        @Option(help: "adapter: a golden vectors folder (valid/ and invalid/).") var vectors: String?

        // receiver
        @Option(help: "receiver: host:port (IPv4).") var target: String?
        @Option(help: "receiver: CA bundle the target's certificate chains to, PEM.") var serverCa: String?
        @Option(help: "receiver: the name the target's certificate carries.") var serverName = "localhost"
        @Option(help: "receiver: the source system's certificate, PEM.") var submitterCert: String?
        @Option(help: "receiver: its key, PEM.") var submitterKey: String?
        @Option(help: "receiver: a test CA's certificate the target trusts for the session, PEM.") var testCaCert:
            String?
        @Option(help: "receiver: the test CA's key, PEM.") var testCaKey: String?
        @Option(help: "receiver: the SPIFFE id to mint certificates for, e.g. spiffe://td/region/510000/system/x.")
        var submitter: String?
        @Option(help: "receiver: a region the submitter is not granted; its records must be refused.")
        var outsideRegion = "110101"
        @Option(help: "receiver: a shell command that restarts the receiver, for the durability case (skipped without).")
        var restartCommand: String?

        // source
        @Option(help: "source: the CA bundle the source's client certificates chain to, PEM.") var clientCa: String?
        @Option(help: "source: the trust domain of its SPIFFE ids.") var trustDomain = "dev.govcase.local"
        @Option(help: "source: the sandbox's listen address.") var listen = "127.0.0.1:0"
        @Option(help: "source: seconds the sandbox listens.") var duration = 60
        @Option(help: "source: stop once this many records were received.") var records: Int?

        func run() async throws {
            let catalogue = try Catalogue.shipped()
            let known =
                try knownFailing.map {
                    Set(
                        try String(contentsOfFile: $0, encoding: .utf8).split(whereSeparator: \.isNewline)
                            .map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                                !$0.isEmpty && !$0.hasPrefix("#")
                            })
                } ?? []
            let declared = Set(catalogue.cases.map(\.id))
            if let unknown = known.sorted().first(where: { !declared.contains($0) }) {
                throw ValidationError("--known-failing lists \(unknown), which is not a case")
            }
            var runner = ConformanceRunner(catalogue: catalogue, selection: cases, knownFailing: known)
            if let unmatched = cases.first(where: { glob in
                ConformanceRunner(catalogue: catalogue, selection: [glob]).cases(of: role).isEmpty
            }) {
                throw ValidationError("--case \(unmatched) matches no case of the \(role) role")
            }
            runner.tracing = trace
            let started = Date()
            var logger = Logger(label: "govcase.conformance")
            logger.logLevel = .warning
            let (results, described): ([CaseResult], String)
            switch role {
            case "adapter":
                guard let manifest else { throw ValidationError("--role adapter needs --manifest") }
                let loaded = try PluginManifest.load(path: manifest)
                try loaded.checkExecutable()
                let checks = try AdapterChecks(
                    manifest: loaded, vectorsFolder: vectors.map { URL(fileURLWithPath: $0) }, logger: logger)
                (results, described) = (try await checks.run(runner), checks.target)
            case "receiver":
                guard let target, let colon = target.lastIndex(of: ":"),
                    let port = Int(target[target.index(after: colon)...])
                else { throw ValidationError("--role receiver needs --target host:port") }
                guard let serverCa else { throw ValidationError("--role receiver needs --server-ca") }
                let testCA = try testCaCert.map { cert in
                    guard let testCaKey else { throw ValidationError("--test-ca-cert needs --test-ca-key") }
                    return try CertificateAuthority(
                        certificatePEM: String(contentsOfFile: cert, encoding: .utf8),
                        keyPEM: String(contentsOfFile: testCaKey, encoding: .utf8))
                }
                let identity = try submitterCert.map { cert in
                    guard let submitterKey else { throw ValidationError("--submitter-cert needs --submitter-key") }
                    return ReceiverChecks.Identity(
                        certificatePEM: try String(contentsOfFile: cert, encoding: .utf8),
                        keyPEM: try String(contentsOfFile: submitterKey, encoding: .utf8))
                }
                var checks = try ReceiverChecks(
                    host: String(target[..<colon]), port: port,
                    serverTrustPEM: try String(contentsOfFile: serverCa, encoding: .utf8), serverName: serverName,
                    submitter: identity, testCA: testCA, submitterID: submitter)
                (checks.outsideRegion, checks.restartCommand) = (outsideRegion, restartCommand)
                (results, described) = (await checks.run(runner), checks.target)
            case "source":
                guard let clientCa else { throw ValidationError("--role source needs --client-ca") }
                guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...])
                else {
                    throw ValidationError("--listen host:port")
                }
                var sandboxLogger = Logger(label: "govcase.conformance.sandbox")
                sandboxLogger.logLevel = .warning
                let sandbox = URL(fileURLWithPath: self.report).appendingPathComponent("sandbox")
                let checks = try SourceChecks(
                    folder: sandbox, clientCA: clientCa, trustDomain: trustDomain, host: String(listen[..<colon]),
                    port: port, logger: sandboxLogger)
                let task = Task { try await checks.run(runner, duration: .seconds(duration), records: records) }
                // The address is known once the sandbox listens.
                var address = "?"
                for _ in 0..<100 {
                    address = (try? await checks.address) ?? "?"
                    if address != "?" { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                // Written at once (not buffered): whoever drives the source reads it to find the sandbox.
                FileHandle.standardOutput.write(
                    Data(
                        ("sandbox serving on \(address); the source trusts "
                            + "\(sandbox.appendingPathComponent("sandbox-ca.pem").path) for the session\n").utf8))
                (results, described) = (try await task.value, checks.target)
            default:
                throw ValidationError("--role \(role): adapter, receiver or source")
            }
            let report = ConformanceReport(
                role: role, target: described, catalogue: catalogue, startedAt: started, results: results)
            try report.write(to: URL(fileURLWithPath: self.report))
            for line in report.summary { print(line) }
            print("reports in \(self.report): report.json, junit.xml, report.md")
            throw ExitCode(report.exitStatus)
        }
    }
}

/// `govcase contracts check --against <descriptor set or git ref>`: breaking changes against a published version.
struct ContractsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contracts", abstract: "The contracts in Proto/ against a published version.",
        subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reports breaking changes (buf breaking's WIRE and WIRE_JSON rules); exits 1 if there is one.")

        @Option(
            help: ArgumentHelp(
                "The published version: a descriptor set file (protoc --include_imports --descriptor_set_out), "
                    + "or a git ref (tag, branch, commit) of --repository.",
                valueName: "descriptor set or git ref"))
        var against: String

        @Option(help: "The git repository a ref names.")
        var repository = "."

        func run() throws {
            let published: Google_Protobuf_FileDescriptorSet
            do {
                published = try PublishedContracts.load(against, repository: URL(fileURLWithPath: repository))
            } catch {
                throw ValidationError("--against \(against): \(error)")
            }
            let findings = ContractCompatibility.breakingChanges(
                from: published, to: try ContractDescriptors.fileDescriptorSet())
            for finding in findings { print(finding) }
            guard findings.isEmpty else {
                print("\(findings.count) breaking change(s) against \(against)")
                throw ExitCode(1)
            }
            print("no breaking change against \(against)")
        }
    }
}

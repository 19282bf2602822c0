import Crypto
import Foundation
import GovCaseProto

/// The run's report in three forms, in one folder: `report.json` for machines, `junit.xml` for CI, and
/// `report.md` for people (the form an integrator files with a go-live request).
public struct ConformanceReport: Sendable, Codable {
    public var kit: String
    public var catalogueVersion: Int
    /// SHA-256 over the contract files the kit was built from (`Proto/`).
    public var contracts: String
    public var role: String
    /// What was tested and how it was reached.
    public var target: String
    public var startedAt: Date
    /// Per level; empty for a partial run (`partial_run`), which gives no verdict.
    public var verdicts: [String: Verdict]
    /// True only for a run of the role's whole catalogue with every level Conformant and no case listed in
    /// `--known-failing`: what an integrator files with a go-live request.
    public var certified: Bool
    /// `--case` selected fewer cases than the role has.
    public var partialRun: Bool
    public var casesRun: Int
    public var casesInCatalogue: Int
    /// What `govcase conformance run` exits with (`ConformanceExitStatus`).
    public var exitStatus: Int32
    public var results: [CaseResult]

    enum CodingKeys: String, CodingKey {
        case kit, catalogueVersion, contracts, role, target, startedAt, verdicts, certified, results
        case partialRun = "partial_run", casesRun = "cases_run", casesInCatalogue = "cases_in_catalogue"
        case exitStatus = "exit_status"
    }

    public static let kitVersion = "govcase-conformance 1.0.0"

    public init(role: String, target: String, catalogue: Catalogue, startedAt: Date, results: [CaseResult]) {
        kit = Self.kitVersion
        catalogueVersion = catalogue.version
        contracts = Self.contractsDigest
        self.role = role
        self.target = target
        self.startedAt = startedAt
        self.results = results
        let verdict = RunVerdict(
            results: results, casesInCatalogue: catalogue.cases.filter { $0.role == role }.count)
        verdicts = verdict.levels
        certified = verdict.certified
        partialRun = verdict.partialRun
        casesRun = verdict.casesRun
        casesInCatalogue = verdict.casesInCatalogue
        exitStatus = verdict.exitStatus.rawValue
        summary = verdict.summary
    }

    /// The verdict's lines, as the command prints them.
    public private(set) var summary: [String] = []

    /// SHA-256 over each contract file's own SHA-256, in path order (`GeneratedProtoManifest`).
    static var contractsDigest: String {
        let listing = GeneratedProtoManifest.sha256.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)\n" }
        return "sha256:" + SHA256.hash(data: Data(listing.joined().utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(self).write(to: folder.appendingPathComponent("report.json"))
        try junit.write(to: folder.appendingPathComponent("junit.xml"), atomically: true, encoding: .utf8)
        try markdown.write(to: folder.appendingPathComponent("report.md"), atomically: true, encoding: .utf8)
        for result in results {
            guard let path = result.trace, let text = result.traceText else { continue }
            let file = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
    }

    var junit: String {
        func escaped(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        let failures = results.filter { $0.outcome == .failed || $0.outcome == .unexpectedPass }.count
        let skipped = results.filter { [.skipped, .notApplicable, .knownFailing].contains($0.outcome) }.count
        var lines = [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<testsuites name=\"\(escaped(kit))\">",
            "  <testsuite name=\"\(role)\" tests=\"\(results.count)\" failures=\"\(failures)\" skipped=\"\(skipped)\">",
        ]
        for r in results {
            let open =
                "    <testcase classname=\"\(role).\(r.level)\" name=\"\(escaped(r.id))\" time=\"\(String(format: "%.3f", r.seconds))\""
            switch r.outcome {
            case .passed: lines.append(open + "/>")
            case .failed, .unexpectedPass:
                lines.append(open + ">")
                lines.append(
                    "      <failure message=\"\(escaped(r.seen))\">\(escaped(r.expectation)) Hint: \(escaped(r.hint))</failure>"
                )
                lines.append("    </testcase>")
            case .skipped, .notApplicable, .knownFailing:
                lines.append(open + ">")
                lines.append("      <skipped message=\"\(escaped(r.outcome.rawValue + ": " + r.seen))\"/>")
                lines.append("    </testcase>")
            }
        }
        lines += ["  </testsuite>", "</testsuites>", ""]
        return lines.joined(separator: "\n")
    }

    var markdown: String {
        var lines = [
            "# GovCase conformance report: \(role)", "",
            "- Kit: \(kit), catalogue version \(catalogueVersion), contracts \(contracts)",
            "- Target: \(target)",
            "- Started: \(ISO8601DateFormatter().string(from: startedAt))",
        ]
        if partialRun {
            lines.append(
                "- **partial run**: \(casesRun) of \(casesInCatalogue) cases; no verdict (run every case of the role for one)")
        }
        for level in ["core", "extended"] {
            if let v = verdicts[level] { lines.append("- **\(level)**: \(v.rawValue)") }
        }
        if !partialRun { lines.append("- **certified**: \(certified ? "yes" : "no")") }
        lines += ["", "| case | level | strength | outcome | what was seen |", "|---|---|---|---|---|"]
        for r in results {
            let seen = r.seen.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
            lines.append("| `\(r.id)` | \(r.level) | \(r.strength) | \(r.outcome.rawValue) | \(seen) |")
        }
        let problems = results.filter { $0.outcome == .failed || $0.outcome == .unexpectedPass }
        if !problems.isEmpty {
            lines += ["", "## What to fix", ""]
            for r in problems {
                lines += [
                    "### `\(r.id)`", "", "- Expected: \(r.expectation)", "- Seen: \(r.seen)", "- Fix: \(r.hint)",
                ]
                if let trace = r.trace { lines.append("- Wire exchange: [`\(trace)`](\(trace))") }
                lines.append("")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

import Foundation
import GovCaseConformance
import Testing

/// Verdicts are given only over the role's whole catalogue, each conclusion has its own exit status, and a case
/// that does not apply or a listed case that passed never turns a level Not Conformant.
@Suite struct RunVerdictTests {
    static func result(
        _ id: String, _ level: String = "core", _ strength: String = "MUST", _ outcome: CaseResult.Outcome = .passed
    ) -> CaseResult {
        CaseResult(
            id: id, level: level, strength: strength, expectation: "", hint: "", outcome: outcome, seen: "",
            seconds: 0)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var results: [CaseResult]
        var inCatalogue: Int
        var levels: [String: Verdict]
        var certified: Bool
        var exit: ConformanceExitStatus
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(
            name: "every case passed", results: [result("a"), result("b", "core", "SHOULD")], inCatalogue: 2,
            levels: ["core": .conformant], certified: true, exit: .conformant),
        Row(
            name: "a subset passed: a partial run, no verdict", results: [result("a")], inCatalogue: 2, levels: [:],
            certified: false, exit: .partialRun),
        Row(
            name: "a subset with a failure", results: [result("a", "core", "SHOULD", .failed)], inCatalogue: 2,
            levels: [:], certified: false, exit: .notConformant),
        Row(
            name: "a SHOULD failed", results: [result("a"), result("b", "core", "SHOULD", .failed)], inCatalogue: 2,
            levels: ["core": .partiallyConformant], certified: false, exit: .partiallyConformant),
        Row(
            name: "a MUST skipped", results: [result("a", "core", "MUST", .skipped), result("b")], inCatalogue: 2,
            levels: ["core": .partiallyConformant], certified: false, exit: .partiallyConformant),
        Row(
            name: "a MUST failed", results: [result("a", "core", "MUST", .failed), result("b", "extended", "SHOULD")],
            inCatalogue: 2, levels: ["core": .notConformant, "extended": .conformant], certified: false,
            exit: .notConformant),
        Row(
            name: "only the extended level partially", results: [result("a"), result("b", "extended", "SHOULD", .failed)],
            inCatalogue: 2, levels: ["core": .conformant, "extended": .partiallyConformant], certified: false,
            exit: .partiallyConformant),
        Row(
            name: "a case that does not apply", results: [result("a"), result("b", "core", "MUST", .notApplicable)],
            inCatalogue: 2, levels: ["core": .conformant], certified: true, exit: .conformant),
        Row(
            name: "a listed case passed", results: [result("a"), result("b", "core", "MUST", .unexpectedPass)],
            inCatalogue: 2, levels: ["core": .conformant], certified: false, exit: .notConformant),
        Row(
            name: "a listed MUST failed as listed", results: [result("a"), result("b", "core", "MUST", .knownFailing)],
            inCatalogue: 2, levels: ["core": .notConformant], certified: false, exit: .conformant),
        Row(
            name: "a listed case failed, and a SHOULD", results: [
                result("a", "core", "MUST", .knownFailing), result("b", "core", "SHOULD", .failed),
            ], inCatalogue: 2, levels: ["core": .notConformant], certified: false, exit: .partiallyConformant),
    ]

    @Test(arguments: rows)
    func aRunConcludes(row: Row) {
        let verdict = RunVerdict(results: row.results, casesInCatalogue: row.inCatalogue)
        #expect(verdict.levels == row.levels)
        #expect(verdict.certified == row.certified)
        #expect(verdict.exitStatus == row.exit)
        #expect(verdict.partialRun == (row.results.count < row.inCatalogue))
    }

    @Test func theExitStatusesAreDistinct() {
        #expect(ConformanceExitStatus.allCases.map(\.rawValue) == [0, 1, 2, 3])
    }

    /// `--case` on one receiver case: report.json says partial, not certified, with no verdict; report.md says
    /// how many of how many cases ran.
    @Test func aSubsetRunReportsAPartialRunAndNoVerdict() async throws {
        let catalogue = try Catalogue.shipped()
        let runner = ConformanceRunner(catalogue: catalogue, selection: ["receiver.health.serving"])
        let results = await runner.run(role: "receiver", checks: ["receiver.health.serving": { .pass("SERVING") }])
        let report = ConformanceReport(
            role: "receiver", target: "test", catalogue: catalogue, startedAt: Date(), results: results)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("run-verdict-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try report.write(to: folder)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("report.json")))
                as? [String: Any])
        #expect(json["partial_run"] as? Bool == true)
        #expect(json["certified"] as? Bool == false)
        #expect((json["verdicts"] as? [String: Any])?.isEmpty == true)
        #expect(json["exit_status"] as? Int == 3)
        let total = catalogue.cases.filter { $0.role == "receiver" }.count
        #expect(report.summary.first?.hasPrefix("partial run: 1 of \(total) cases") == true, "\(report.summary)")
        let markdown = try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(markdown.contains("**partial run**: 1 of \(total) cases"), "\(markdown)")
        #expect(!markdown.contains("Conformant"), "\(markdown)")
    }

    /// A check that says its case does not apply is reported so, never as skipped; junit counts it as skipped.
    @Test func aCaseThatDoesNotApplyIsReportedSo() async throws {
        let catalogue = try Catalogue.shipped()
        let runner = ConformanceRunner(catalogue: catalogue)
        var checks: [String: @Sendable () async -> CheckResult] = [:]
        for c in runner.cases(of: "adapter") { checks[c.id] = { .pass("ok") } }
        checks["adapter.streams.same-answers"] = { .notApplicable("calls only") }
        let results = await runner.run(role: "adapter", checks: checks)
        #expect(results.first { $0.id == "adapter.streams.same-answers" }?.outcome == .notApplicable)
        let report = ConformanceReport(
            role: "adapter", target: "test", catalogue: catalogue, startedAt: Date(), results: results)
        #expect(report.verdicts == ["core": .conformant, "extended": .conformant])
        #expect(report.certified && !report.partialRun && report.exitStatus == 0)
    }
}

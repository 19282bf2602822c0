import Foundation

/// Runs a role's checks for the selected cases of the catalogue, each under a time limit, and concludes.
public struct ConformanceRunner: Sendable {
    public var catalogue: Catalogue
    /// `fnmatch` patterns of case ids to run; empty runs every case of the role.
    public var selection: [String] = []
    /// Ids expected to fail (`--known-failing`): they must still fail, so a fix is noticed.
    public var knownFailing: Set<String> = []
    /// Longest a check may take.
    public var timeLimit: Duration = .seconds(120)
    /// Records each case's wire exchange (`--trace`); the report keeps those of cases that failed.
    public var tracing = false

    public init(catalogue: Catalogue, selection: [String] = [], knownFailing: Set<String> = []) {
        self.catalogue = catalogue
        self.selection = selection
        self.knownFailing = knownFailing
    }

    /// The role's cases this run selects, in catalogue order.
    public func cases(of role: String) -> [ConformanceCase] {
        catalogue.cases.filter { c in
            c.role == role && (selection.isEmpty || selection.contains { fnmatch($0, c.id, 0) == 0 })
        }
    }

    /// Runs `checks` (by case id) one after another, in catalogue order.
    public func run(role: String, checks: [String: @Sendable () async -> CheckResult]) async -> [CaseResult] {
        var results: [CaseResult] = []
        for c in cases(of: role) {
            let started = ContinuousClock.now
            let result: CheckResult
            let trace = tracing ? WireTrace() : nil
            if let check = checks[c.id] {
                result = await WireTrace.$current.withValue(trace) { await Self.limited(timeLimit, check) }
            } else {
                result = .skip("the kit has no check for this case in the \(role) role")
            }
            let (outcome, seen) = conclude(c.id, result)
            let elapsed = ContinuousClock.now - started
            var caseResult = CaseResult(
                id: c.id, level: c.level.rawValue, strength: c.strength.rawValue, expectation: c.expectation,
                hint: c.hint, outcome: outcome, seen: seen,
                seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            if let trace, outcome == .failed || outcome == .knownFailing {
                caseResult.trace = "traces/\(c.id).txt"
                caseResult.traceText = trace.text
            }
            results.append(caseResult)
            FileHandle.standardError.write(Data("\(outcome.rawValue.uppercased())\t\(c.id)\t\(seen)\n".utf8))
        }
        return results
    }

    func conclude(_ id: String, _ result: CheckResult) -> (CaseResult.Outcome, String) {
        let known = knownFailing.contains(id)
        switch result {
        case .pass(let seen):
            return known ? (.unexpectedPass, "listed as known-failing, but passed: \(seen)") : (.passed, seen)
        case .fail(let seen): return (known ? .knownFailing : .failed, seen)
        case .skip(let why): return (.skipped, why)
        }
    }

    static func limited(_ limit: Duration, _ check: @escaping @Sendable () async -> CheckResult) async -> CheckResult {
        await within(limit, check) ?? .fail("the check did not finish within \(limit)")
    }

    /// Per level: every case passed → Conformant; every MUST passed (SHOULDs failed or anything skipped) →
    /// Partially Conformant; a MUST failed → Not Conformant. A known-failing case counts as failed.
    public static func verdicts(_ results: [CaseResult]) -> [String: Verdict] {
        var verdicts: [String: Verdict] = [:]
        for level in ConformanceCase.Level.allCases {
            let mine = results.filter { $0.level == level.rawValue }
            guard !mine.isEmpty else { continue }
            let failed = mine.filter { $0.outcome != .passed && $0.outcome != .skipped }
            if failed.contains(where: { $0.strength == "MUST" }) {
                verdicts[level.rawValue] = .notConformant
            } else if failed.isEmpty, mine.allSatisfy({ $0.outcome == .passed }) {
                verdicts[level.rawValue] = .conformant
            } else {
                verdicts[level.rawValue] = .partiallyConformant
            }
        }
        return verdicts
    }

    /// 0 only when every core MUST case passed (or failed as listed in `--known-failing`, as an integrator's
    /// CI tracks what it has yet to fix) and no listed case passed unexpectedly. The verdicts still count
    /// listed failures as failures.
    public static func exitCode(_ results: [CaseResult]) -> Int32 {
        let coreMust = results.filter { $0.level == "core" && $0.strength == "MUST" }
        let ok =
            coreMust.allSatisfy { $0.outcome == .passed || $0.outcome == .knownFailing }
            && !results.contains { $0.outcome == .unexpectedPass }
        return ok ? 0 : 1
    }
}

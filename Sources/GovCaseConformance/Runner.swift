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

    /// How many cases the catalogue declares for `role`: a run of fewer is a partial run, with no verdict.
    public func catalogueCount(of role: String) -> Int { catalogue.cases.filter { $0.role == role }.count }

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
        case .notApplicable(let why): return (.notApplicable, why)
        }
    }

    static func limited(_ limit: Duration, _ check: @escaping @Sendable () async -> CheckResult) async -> CheckResult {
        await within(limit, check) ?? .fail("the check did not finish within \(limit)")
    }
}

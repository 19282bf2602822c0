/// What a run concludes, as connectrpc's conformance runner and the Gateway API conformance reports do: verdicts
/// only over the role's whole catalogue, a partial run named as such, and an exit status per conclusion.
///
/// Per level, over a full run: a MUST failed → Not Conformant; else a SHOULD failed or a case was skipped →
/// Partially Conformant; else Conformant. A case that does not apply (`not-applicable`) counts for nothing; one
/// listed in `--known-failing` that failed counts as failed; one listed that passed counts as passed (it is
/// reported `unexpected-pass`, and fails the exit status so the list is kept honest, but the implementation did
/// what the case asks). `certified` is true only for a full run with every level Conformant and no listed case.
public struct RunVerdict: Sendable, Hashable {
    /// Cases this run ran (the selection).
    public var casesRun: Int
    /// Cases the catalogue declares for the role.
    public var casesInCatalogue: Int
    /// Per level; empty for a partial run.
    public var levels: [String: Verdict]
    public var certified: Bool
    public var exitStatus: ConformanceExitStatus

    /// Fewer cases ran than the role has: no verdict.
    public var partialRun: Bool { casesRun < casesInCatalogue }

    public init(results: [CaseResult], casesInCatalogue: Int) {
        casesRun = results.count
        self.casesInCatalogue = casesInCatalogue
        guard results.count >= casesInCatalogue else {
            levels = [:]
            certified = false
            let failed = results.contains { $0.outcome == .failed || $0.outcome == .unexpectedPass }
            exitStatus = failed ? .notConformant : .partialRun
            return
        }
        levels = Self.levels(results, setAside: [])
        let listed = results.contains { $0.outcome == .knownFailing || $0.outcome == .unexpectedPass }
        certified = !listed && levels.values.allSatisfy { $0 == .conformant }
        // The exit status sets aside the failures listed in --known-failing, so CI tracks only new problems; the
        // verdicts above still count them.
        let gate = Self.levels(results, setAside: [.knownFailing])
        if results.contains(where: { $0.outcome == .unexpectedPass }) || gate.values.contains(.notConformant) {
            exitStatus = .notConformant
        } else if gate.values.contains(.partiallyConformant) {
            exitStatus = .partiallyConformant
        } else {
            exitStatus = .conformant
        }
    }

    /// "core: Conformant" per level, or "partial run: N of M cases" with no verdict.
    public var summary: [String] {
        if partialRun {
            return [
                "partial run: \(casesRun) of \(casesInCatalogue) cases; no verdict (run every case of the role for one)"
            ]
        }
        return levels.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.rawValue)" }
            + ["certified: \(certified ? "yes" : "no")"]
    }

    static func levels(_ results: [CaseResult], setAside: Set<CaseResult.Outcome>) -> [String: Verdict] {
        var verdicts: [String: Verdict] = [:]
        for level in ConformanceCase.Level.allCases {
            let mine = results.filter { $0.level == level.rawValue }
            guard !mine.isEmpty else { continue }
            let counted = mine.filter { !setAside.contains($0.outcome) }
            let failed = counted.filter { $0.outcome == .failed || $0.outcome == .knownFailing }
            if failed.contains(where: { $0.strength == ConformanceCase.Strength.must.rawValue }) {
                verdicts[level.rawValue] = .notConformant
            } else if !failed.isEmpty || counted.contains(where: { $0.outcome == .skipped }) {
                verdicts[level.rawValue] = .partiallyConformant
            } else {
                verdicts[level.rawValue] = .conformant
            }
        }
        return verdicts
    }
}

import Foundation

/// What happened to one case.
public struct CaseResult: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        case passed, failed
        /// Not run: the kit lacked what it needs (a vectors folder, a test CA). Never a pass: a level with a
        /// skipped case is at best Partially Conformant.
        case skipped
        /// Does not apply to this implementation (a plugin that serves no TranslateStream, for the streams case):
        /// neither a pass nor a failure, and no obstacle to Conformant.
        case notApplicable = "not-applicable"
        /// Listed as known to fail, and failed.
        case knownFailing = "known-failing"
        /// Listed as known to fail, but passed: the list is out of date (a fix to notice).
        case unexpectedPass = "unexpected-pass"
    }

    public var id: String
    public var level: String
    public var strength: String
    public var expectation: String
    public var hint: String
    public var outcome: Outcome
    /// What the kit saw: for a failure, what was wrong; for a skip or a case that does not apply, why.
    public var seen: String
    public var seconds: Double
    /// With `--trace`, for a case that failed: the trace file, relative to the report folder.
    public var trace: String?
    /// That trace's text (written beside the report, not into it).
    public var traceText: String?

    enum CodingKeys: String, CodingKey {
        case id, level, strength, expectation, hint, outcome, seen, seconds, trace
    }

    public init(
        id: String, level: String, strength: String, expectation: String, hint: String, outcome: Outcome,
        seen: String, seconds: Double
    ) {
        self.id = id
        self.level = level
        self.strength = strength
        self.expectation = expectation
        self.hint = hint
        self.outcome = outcome
        self.seen = seen
        self.seconds = seconds
    }
}

/// What a check concluded.
public enum CheckResult: Sendable {
    case pass(String)
    case fail(String)
    case skip(String)
    /// The case does not apply to this implementation; why.
    case notApplicable(String)
}

/// The verdict for one level, given only for a run of the role's whole catalogue (`RunVerdict`).
public enum Verdict: String, Sendable, Codable {
    case conformant = "Conformant"
    case partiallyConformant = "Partially Conformant"
    case notConformant = "Not Conformant"
}

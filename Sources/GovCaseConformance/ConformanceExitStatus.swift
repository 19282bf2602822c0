/// The exit status of `govcase conformance run`, one per conclusion, so a CI step can tell them apart.
///
/// Usage errors (a missing or bad option) exit 64, as every `govcase` command does.
public enum ConformanceExitStatus: Int32, Sendable, Codable, CaseIterable {
    /// A run of the role's whole catalogue, every level Conformant (failures listed in `--known-failing` set aside).
    case conformant = 0
    /// A level Not Conformant (a MUST failed), a listed case passed (the list is out of date), a selected case of
    /// a partial run failed, or the kit could not run.
    case notConformant = 1
    /// No MUST failed, but a SHOULD failed or a case was skipped.
    case partiallyConformant = 2
    /// `--case` selected fewer cases than the role has, and none of them failed: no verdict is given.
    case partialRun = 3

    /// One line for the command's help and the docs.
    public var meaning: String {
        switch self {
        case .conformant: "Conformant (a full run; failures listed in --known-failing set aside)"
        case .notConformant: "Not Conformant, a listed case passed, a case of a partial run failed, or an error"
        case .partiallyConformant: "Partially Conformant (a SHOULD failed or a case was skipped)"
        case .partialRun: "partial run (--case): nothing failed, and no verdict is given"
        }
    }
}

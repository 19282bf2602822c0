extension FollowUp {
    /// This follow-up with only the steps its earlier revisions have not applied to `c`, matched by action kind.
    ///
    /// A later revision may add steps; it may not change one already applied: the history is append-only, and
    /// acknowledging the new revision while keeping the old step would drop what it says.
    ///
    /// - Throws: `CaseError.correctionRefused` (FAILED_PRECONDITION) naming the steps that differ.
    public func stepsNotYetApplied(to c: Case) throws(CaseError) -> FollowUp {
        let applied = c.events.filter { $0.sourceRecord?.externalID == externalID }
        var remaining = self
        remaining.steps = []
        var changed: [String] = []
        for step in steps {
            guard let earlier = applied.first(where: { $0.step.action.kind == step.action.kind }) else {
                remaining.steps.append(step)
                continue
            }
            if earlier.step != step {
                let revision = earlier.sourceRecord?.revision ?? 0
                changed.append("\(step.action.kind.rawValue) (event \(earlier.sequence), from revision \(revision))")
            }
        }
        guard changed.isEmpty else {
            let message =
                "revision \(revision) of follow-up \(externalID) changes steps already applied: "
                + changed.joined(separator: ", ") + "; an applied step cannot be changed, send a new follow-up record"
            throw CaseError(
                code: .correctionRefused, message: message,
                violations: [FieldViolation(field: "revision", rule: .lifecycleTransition, message: message)])
        }
        return remaining
    }
}

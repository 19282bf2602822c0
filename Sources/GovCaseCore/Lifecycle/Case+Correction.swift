import Foundation

extension Case {
    /// The case after `new`, a higher revision of the record that created it, has been applied; the correction
    /// is appended to the events.
    ///
    /// Before any lifecycle step is recorded, everything is derived again from the new content (`new` arrives
    /// with its lifecycle, status, bad-review loop and deadlines derived by translation). Once steps are
    /// recorded, a correction that would change the lifecycle (the level across the bad-review line, the kind
    /// or the region) is refused, naming the steps; any other replaces the record's fields and keeps the
    /// lifecycle, status, handling and loop. Pure: the store calls it inside its transaction.
    ///
    /// - Throws: `CaseError.correctionRefused` (FAILED_PRECONDITION) as above.
    public func corrected(by new: Case, recordedAt: Date) throws(CaseError) -> Case {
        let fields = correctedFields(by: new)
        let steps = events.filter { $0.step.action.kind != .correct }
        var result = new
        result.caseID = caseID
        if steps.isEmpty {
            result.events = events
        } else {
            let changesLifecycle = fields.contains { Self.lifecycleFields.contains($0) } || new.lifecycle != lifecycle
            guard !changesLifecycle else {
                let recorded = steps.map { "\($0.sequence) \($0.step.action.kind.rawValue)" }.joined(separator: ", ")
                let message =
                    "revision \(new.source.revision) of \(new.source.externalID) changes "
                    + fields.filter { Self.lifecycleFields.contains($0) }.joined(separator: ", ")
                    + " of a case whose lifecycle has recorded steps (\(recorded)); correct it at the source with "
                    + "a follow-up, or withdraw and resubmit the record as a new one"
                throw CaseError(
                    code: .correctionRefused, message: message,
                    violations: [FieldViolation(field: "revision", rule: .lifecycleTransition, message: message)]
                )
            }
            result.lifecycle = lifecycle
            result.status = status
            result.handling = handling
            result.badReview = badReview
            result.events = events
        }
        let step = LifecycleStep(
            LifecycleAction(
                .correct,
                note: "revision \(source.revision) → \(new.source.revision): "
                    + (fields.isEmpty ? "no field changed" : fields.joined(separator: ", "))),
            actor: Actor(system: new.source.sourceSystem), occurredAt: recordedAt)
        result.events.append(
            LifecycleEvent(
                sequence: (events.last?.sequence ?? 0) + 1, step: step, from: result.status, to: result.status,
                recordedAt: recordedAt,
                sourceRecord: SourceRecordReference(externalID: new.source.externalID, revision: new.source.revision)))
        return result
    }

    /// Fields whose change moves a case to another lifecycle, region or bad-review side.
    static let lifecycleFields: Set<String> = ["kind", "region_code", "evaluation.level"]

    /// The record's fields (contract names) that `new` changes; `evaluation.level` only when it crosses the
    /// bad-review line, `evaluation` for any other change of the evaluation.
    func correctedFields(by new: Case) -> [String] {
        var fields: [String] = []
        if kind != new.kind { fields.append("kind") }
        if regionCode != new.regionCode { fields.append("region_code") }
        if service != new.service { fields.append("service") }
        let badBefore = evaluation?.level?.isBadReview ?? false
        let badAfter = new.evaluation?.level?.isBadReview ?? false
        if badBefore != badAfter { fields.append("evaluation.level") }
        if evaluation != new.evaluation { fields.append("evaluation") }
        if request != new.request { fields.append("request") }
        if requester != new.requester { fields.append("requester") }
        if receivedAt != new.receivedAt { fields.append("received_at") }
        return fields
    }
}

import Foundation

extension Case {
    /// Applies one step: the state machine decides the next status, the handling record and the
    /// bad-review loop take the step's data, and an event is appended. Nothing changes if it throws.
    ///
    /// - Parameters:
    ///   - step: The action, its actor and when it happened.
    ///   - recordedAt: When the gateway records it.
    ///   - policy: The region's deadline rules, for deadlines the step starts.
    ///   - sourceRecord: The follow-up record that carried the step, if any.
    /// - Returns: The appended event.
    @discardableResult
    public mutating func apply(
        _ step: LifecycleStep, recordedAt: Date, policy: DeadlinePolicy, sourceRecord: SourceRecordReference? = nil
    ) throws(CaseError) -> LifecycleEvent {
        let next = try lifecycle.next(from: status, applying: step.action)
        record(step, policy: policy)
        let event = LifecycleEvent(
            sequence: events.count + 1, step: step, from: status, to: next, recordedAt: recordedAt,
            sourceRecord: sourceRecord)
        status = next
        events.append(event)
        return event
    }

    /// Applies every step of a follow-up in order, all or nothing.
    ///
    /// - Returns: The appended events.
    @discardableResult
    public mutating func apply(
        _ followUp: FollowUp, recordedAt: Date, policy: DeadlinePolicy
    ) throws(CaseError) -> [LifecycleEvent] {
        var updated = self
        var applied: [LifecycleEvent] = []
        for step in followUp.steps {
            applied.append(
                try updated.apply(step, recordedAt: recordedAt, policy: policy, sourceRecord: followUp.reference))
        }
        self = updated
        return applied
    }

    /// Copies the step's data into the case; the transition has already been checked.
    private mutating func record(_ step: LifecycleStep, policy: DeadlinePolicy) {
        let action = step.action
        let at = step.occurredAt
        var loop = badReview ?? BadReviewLoop()
        switch action.kind {
        case .dispatch, .transfer:
            handling.transfers.append(
                Transfer(fromUnit: handling.assignedUnit, toUnit: action.unit, transferredAt: at, note: action.note))
            handling.assignedUnit = action.unit
            handling.coUnits = action.coUnits
            handling.joint = action.joint
            if lifecycle == .tourismComplaint {
                handling.acceptance = .transferred
                handling.closedAt = at
            }
        case .return:
            handling.assignedUnit = ""
            handling.returns += 1
        case .reviewReturn:
            // A rejected return: the order is the returning unit's again (the last dispatch or transfer named it).
            if action.review == .overturned { handling.assignedUnit = handling.transfers.last?.toUnit ?? "" }
        case .reviewReturnVisit:
            break
        case .restart:
            handling.restarts += 1
            handling.closedAt = nil
            handling.assignedUnit = ""
            handling.coUnits = []
            handling.joint = false
            if let deadline = action.deadline { handling.deadlines.handleBy = deadline }
        case .sign, .startHandling, .startMediation:
            break
        case .extend:
            handling.deadlines.handleBy = action.deadline
            handling.extensions += 1
        case .remind, .overdue, .escalate, .defaultRatingDue:
            break  // the event is the record
        case .urge:
            handling.urgings += 1
        case .supervise:
            handling.supervisions += 1
        case .reply:
            let unit = step.actor.unit.isEmpty ? handling.assignedUnit : step.actor.unit
            handling.replies.append(Reply(unit: unit, content: action.note, repliedAt: at))
        case .returnVisit:
            // `next(from:applying:)` has checked that the level is present.
            let level = action.level ?? .basicallySatisfied
            handling.returnVisits.append(
                ReturnVisit(
                    satisfaction: level, resolved: action.resolved, comment: action.note, visitedAt: at,
                    outcome: action.outcome, dissatisfactionReason: action.dissatisfactionReason,
                    sourceSatisfaction: action.sourceSatisfaction))
        case .close:
            handling.closedAt = at
        case .verify:
            loop.verifier = step.actor.person
            loop.finding = action.note
            loop.verifiedAt = at
        case .fixImmediately:
            loop.outcome = .immediateFix
            loop.rectificationMeasures = action.note
            loop.rectifiedAt = at
        case .fixByDeadline:
            let deadline =
                action.deadline
                ?? policy.deadline(
                    of: policy.badReviewRectification, startingAt: at, for: "rectify_by", in: &handling.deadlines)
            loop.outcome = .fixByDeadline
            loop.rectificationDeadline = deadline
            handling.deadlines.rectifyBy = deadline
        case .completeRectification:
            if !action.note.isEmpty { loop.rectificationMeasures = action.note }
            loop.rectifiedAt = at
        case .explain:
            loop.outcome = .explanation
            loop.rectificationMeasures = action.note
        case .appeal:
            loop.appealReason = action.note
            loop.appealFiledAt = at
        case .upholdAppeal:
            loop.appealDecision = .upheld
            loop.notAdoptedReason = action.notAdoptedReason
            loop.outcome = .notAdopted
            loop.reviewOpinion = action.note
            loop.reviewedAt = at
        case .rejectAppeal:
            loop.appealDecision = .rejected
            loop.reviewOpinion = action.note
            loop.reviewedAt = at
        case .giveFeedback:
            loop.feedbackMethod = action.feedbackMethod
            loop.feedbackContent = action.note
            loop.feedbackAt = at
        case .rateFeedback:
            loop.evaluatorRating = action.level
            loop.ratedAt = at
            if action.level?.isBadReview == false {
                handling.closedAt = at
            } else {
                // 不满意 sends the case back to rectification, with a deadline of its own: the old one has passed or
                // was met by the rectification just rated, and a case in `rectifying` without a deadline would run
                // no overdue clock. The contract's decision (handling.proto, rectify_by).
                let renewed = policy.deadline(
                    of: policy.badReviewRectification, startingAt: at, for: "rectify_by", in: &handling.deadlines)
                loop.rectificationDeadline = renewed
                handling.deadlines.rectifyBy = renewed
                // Not rectified any more (the events keep when it was): the rectification clocks run again, and
                // 差评整改率 does not count the case while it is back in rectification.
                loop.rectifiedAt = nil
            }
        case .accept:
            handling.acceptance = .accepted
            handling.deadlines.mediateBy = policy.deadline(
                of: policy.tourismComplaintMediation, startingAt: at, for: "mediate_by", in: &handling.deadlines)
        case .refuse:
            handling.acceptance = .refused
            handling.closedAt = at
        case .recordAgreement:
            handling.mediationOutcome = .agreed
            handling.closedAt = at
        case .terminateMediation:
            handling.mediationOutcome = .terminated
            handling.closedAt = at
        case .correct:
            break  // no state machine allows it; corrections are recorded by `corrected(by:recordedAt:policy:)`
        }
        if lifecycle == .badReview { badReview = loop }
    }
}

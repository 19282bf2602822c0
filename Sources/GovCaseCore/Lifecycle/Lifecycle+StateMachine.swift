/// The lifecycles as pure state machines: a table of (status, action) → next status, no I/O.
extension Lifecycle {
    /// Where an action leads.
    enum Destination: Sendable {
        /// Always to this status.
        case to(CaseStatus)
        /// A return visit: to `satisfied`, or to `dissatisfied` when the level is a bad review.
        case byVisit(satisfied: CaseStatus, dissatisfied: CaseStatus)
        /// A review: to `upheld` when the reviewed step stands, to `overturned` otherwise.
        case byReview(upheld: CaseStatus, overturned: CaseStatus)
    }

    /// The transition table of this lifecycle. A status absent from it, or mapped to nothing, is terminal.
    /// Work orders and tourism complaints may be urged (催办) or supervised (督办) in any open status, which the
    /// action keeps; a closed work order is not open, though its workflow may be restarted.
    var transitions: [CaseStatus: [LifecycleActionKind: Destination]] {
        guard self == .request || self == .tourismComplaint else { return steps }
        return Dictionary(
            uniqueKeysWithValues: steps.map { status, actions in
                guard status != .closed else { return (status, actions) }
                return (status, actions.merging([.urge: .to(status), .supervise: .to(status)]) { step, _ in step })
            })
    }

    /// The steps that move a case on, without urging and supervision.
    private var steps: [CaseStatus: [LifecycleActionKind: Destination]] {
        switch self {
        case .evaluation:
            return [:]
        case .request:
            return [
                .received: [.dispatch: .to(.dispatched), .transfer: .to(.transferred)],
                .dispatched: [.sign: .to(.signed), .return: .to(.returned), .transfer: .to(.transferred)],
                .transferred: [.sign: .to(.signed), .return: .to(.returned)],
                // 退回审核: an approved return is back with the centre; a rejected one back with the unit.
                .returned: [
                    .dispatch: .to(.dispatched), .transfer: .to(.transferred),
                    .reviewReturn: .byReview(upheld: .received, overturned: .dispatched),
                ],
                // A unit that signed for an order and finds it is not its own may still return it (签收后退回),
                // until it starts handling it.
                .signed: [.startHandling: .to(.inProgress), .return: .to(.returned)],
                .inProgress: [.extend: .to(.inProgress), .reply: .to(.replied)],
                .replied: [.returnVisit: .byVisit(satisfied: .returnVisited, dissatisfied: .reopened)],
                // 回访复核 confirms the visit or reverses it.
                .returnVisited: [
                    .close: .to(.closed),
                    .reviewReturnVisit: .byReview(upheld: .returnVisited, overturned: .reopened),
                ],
                .reopened: [
                    .startHandling: .to(.inProgress), .dispatch: .to(.dispatched), .transfer: .to(.transferred),
                    .reviewReturnVisit: .byReview(upheld: .reopened, overturned: .returnVisited),
                ],
                // 重启流程: a closed order's workflow starts again.
                .closed: [.restart: .to(.received)],
            ]
        case .badReview:
            // After a rejected appeal the outcome is decided again, but a second appeal is not allowed.
            let outcomes: [LifecycleActionKind: Destination] = [
                .fixImmediately: .to(.awaitingFeedback), .fixByDeadline: .to(.rectifying),
                .explain: .to(.awaitingFeedback),
            ]
            return [
                .awaitingVerification: [.verify: .to(.verified)],
                .verified: outcomes.merging([.appeal: .to(.appealed)]) { $1 },
                .appealRejected: outcomes,
                .rectifying: [.completeRectification: .to(.awaitingFeedback)],
                .appealed: [.upholdAppeal: .to(.awaitingFeedback), .rejectAppeal: .to(.appealRejected)],
                .awaitingFeedback: [.giveFeedback: .to(.awaitingRating)],
                // POLICY.md §3 rule 7: 满意 or 基本满意 closes the loop (闭环), 不满意 or worse sends it back to
                // rectification; `close` without a rating (with the reason: not rated within the region's limit,
                // or unreachable) is the unit closing the loop itself.
                .awaitingRating: [
                    .rateFeedback: .byVisit(satisfied: .closed, dissatisfied: .rectifying), .close: .to(.closed),
                ],
            ]
        case .tourismComplaint:
            return [
                .received: [.accept: .to(.accepted), .refuse: .to(.refused), .transfer: .to(.transferred)],
                .accepted: [.startMediation: .to(.mediating)],
                .mediating: [.recordAgreement: .to(.mediated), .terminateMediation: .to(.terminated)],
            ]
        }
    }

    /// The statuses this lifecycle uses.
    public var statuses: Set<CaseStatus> {
        var all: Set<CaseStatus> = [initialStatus]
        for (from, actions) in transitions {
            all.insert(from)
            for destination in actions.values {
                switch destination {
                case .to(let status): all.insert(status)
                case .byVisit(let a, let b), .byReview(let a, let b): all.formUnion([a, b])
                }
            }
        }
        return all
    }

    /// Actions allowed from `status`, in declaration order.
    public func allowedActions(from status: CaseStatus) -> [LifecycleActionKind] {
        let allowed = transitions[status] ?? [:]
        return LifecycleActionKind.allCases.filter { allowed[$0] != nil }
    }

    /// Whether no action leaves `status`.
    public func isTerminal(_ status: CaseStatus) -> Bool { allowedActions(from: status).isEmpty }

    /// Whether `status` ends the case's loop: a terminal status, or a closed work order (which only a restart
    /// opens again).
    public func isClosing(_ status: CaseStatus) -> Bool { status == .closed || isTerminal(status) }

    /// The status after applying `action` in `status`.
    ///
    /// - Throws: `CaseError` with code `.invalidArgument` when the action lacks its data, or
    ///   `.illegalTransition` naming the allowed actions when the action is not allowed from `status`.
    public func next(from status: CaseStatus, applying action: LifecycleAction) throws(CaseError) -> CaseStatus {
        // The clocks' events (reminders, overdue, escalation) record time in any status and move nothing; they do
        // not count as actions out of a status (`allowedActions`), so they never make a terminal status open.
        if action.kind.isClock { return status }
        guard let destination = transitions[status]?[action.kind] else {
            throw CaseError.illegalTransition(
                lifecycle: self, from: status, action: action.kind, allowed: allowedActions(from: status))
        }
        var violations = action.violations()
        if self == .badReview, action.kind == .close, action.note.isBlank {
            violations.append(
                FieldViolation(
                    field: "action.note", rule: .required,
                    message: "closing a bad review without the evaluator's rating needs the reason (not rated within "
                        + "the region's limit, or unreachable): the loop closes by the evaluator's rating otherwise"))
        }
        guard violations.isEmpty else { throw CaseError.invalidArgument(violations) }
        switch destination {
        case .to(let next):
            return next
        case .byVisit(let satisfied, let dissatisfied):
            return action.level?.isBadReview == true ? dissatisfied : satisfied
        case .byReview(let upheld, let overturned):
            // `violations()` has checked that the result is present.
            return action.review == .overturned ? overturned : upheld
        }
    }
}

import Foundation
import GovCaseCore
import Testing

/// The specification of every allowed transition, written out by hand from the policy; the
/// implementation's table must agree with it exactly, and everything else must be refused.
struct Transition: Sendable, CustomTestStringConvertible {
    let lifecycle: Lifecycle
    let from: CaseStatus
    let action: LifecycleActionKind
    let to: CaseStatus
    /// For return visits, the level given.
    var level: SatisfactionLevel? = nil
    /// For reviews, their result.
    var review: ReviewResult? = nil

    var testDescription: String { "\(lifecycle): \(from) --\(action)--> \(to)" }

    static let all: [Transition] = [
        // Request loop: 受理 → 派单/转办 → 签收/退回 → 办理 (延期) → 回复 → 回访 → 办结 (重办).
        .init(lifecycle: .request, from: .received, action: .dispatch, to: .dispatched),
        .init(lifecycle: .request, from: .received, action: .transfer, to: .transferred),
        .init(lifecycle: .request, from: .dispatched, action: .sign, to: .signed),
        .init(lifecycle: .request, from: .dispatched, action: .return, to: .returned),
        .init(lifecycle: .request, from: .dispatched, action: .transfer, to: .transferred),
        .init(lifecycle: .request, from: .transferred, action: .sign, to: .signed),
        .init(lifecycle: .request, from: .transferred, action: .return, to: .returned),
        .init(lifecycle: .request, from: .returned, action: .dispatch, to: .dispatched),
        .init(lifecycle: .request, from: .returned, action: .transfer, to: .transferred),
        .init(lifecycle: .request, from: .signed, action: .startHandling, to: .inProgress),
        .init(lifecycle: .request, from: .signed, action: .return, to: .returned),
        .init(lifecycle: .request, from: .inProgress, action: .extend, to: .inProgress),
        .init(lifecycle: .request, from: .inProgress, action: .reply, to: .replied),
        .init(lifecycle: .request, from: .replied, action: .returnVisit, to: .returnVisited, level: .satisfied),
        .init(
            lifecycle: .request, from: .replied, action: .returnVisit, to: .returnVisited, level: .basicallySatisfied),
        .init(lifecycle: .request, from: .replied, action: .returnVisit, to: .reopened, level: .dissatisfied),
        .init(lifecycle: .request, from: .replied, action: .returnVisit, to: .reopened, level: .veryDissatisfied),
        .init(lifecycle: .request, from: .returnVisited, action: .close, to: .closed),
        .init(lifecycle: .request, from: .reopened, action: .startHandling, to: .inProgress),
        .init(lifecycle: .request, from: .reopened, action: .dispatch, to: .dispatched),
        .init(lifecycle: .request, from: .reopened, action: .transfer, to: .transferred),
        // 退回审核 (FIELDS.md §3, 职能局退回): the centre approves a return (the order is its own again, to dispatch)
        // or rejects it (the unit that returned it has it again, to sign).
        .init(lifecycle: .request, from: .returned, action: .reviewReturn, to: .received, review: .upheld),
        .init(lifecycle: .request, from: .returned, action: .reviewReturn, to: .dispatched, review: .overturned),
        // 回访复核: the visit confirmed keeps the status; reversed, a dissatisfied visit found unfounded goes on to
        // closing and a satisfied one found unsound is handled again.
        .init(
            lifecycle: .request, from: .returnVisited, action: .reviewReturnVisit, to: .returnVisited,
            review: .upheld),
        .init(
            lifecycle: .request, from: .returnVisited, action: .reviewReturnVisit, to: .reopened,
            review: .overturned),
        .init(lifecycle: .request, from: .reopened, action: .reviewReturnVisit, to: .reopened, review: .upheld),
        .init(
            lifecycle: .request, from: .reopened, action: .reviewReturnVisit, to: .returnVisited, review: .overturned),
        // 重启流程: a closed work order starts again from the centre. A closed bad review stays closed.
        .init(lifecycle: .request, from: .closed, action: .restart, to: .received),
        // Bad-review loop: verify → fix now / fix by deadline / explain / appeal → feedback → rating → closed.
        .init(lifecycle: .badReview, from: .awaitingVerification, action: .verify, to: .verified),
        .init(lifecycle: .badReview, from: .verified, action: .fixImmediately, to: .awaitingFeedback),
        .init(lifecycle: .badReview, from: .verified, action: .fixByDeadline, to: .rectifying),
        .init(lifecycle: .badReview, from: .verified, action: .explain, to: .awaitingFeedback),
        .init(lifecycle: .badReview, from: .verified, action: .appeal, to: .appealed),
        .init(lifecycle: .badReview, from: .appealed, action: .upholdAppeal, to: .awaitingFeedback),
        .init(lifecycle: .badReview, from: .appealed, action: .rejectAppeal, to: .appealRejected),
        .init(lifecycle: .badReview, from: .appealRejected, action: .fixImmediately, to: .awaitingFeedback),
        .init(lifecycle: .badReview, from: .appealRejected, action: .fixByDeadline, to: .rectifying),
        .init(lifecycle: .badReview, from: .appealRejected, action: .explain, to: .awaitingFeedback),
        .init(lifecycle: .badReview, from: .rectifying, action: .completeRectification, to: .awaitingFeedback),
        .init(lifecycle: .badReview, from: .awaitingFeedback, action: .giveFeedback, to: .awaitingRating),
        // POLICY.md §3 rule 7: 满意/基本满意 closes the loop, 不满意 sends it back to rectification.
        .init(lifecycle: .badReview, from: .awaitingRating, action: .rateFeedback, to: .closed, level: .satisfied),
        .init(
            lifecycle: .badReview, from: .awaitingRating, action: .rateFeedback, to: .closed,
            level: .basicallySatisfied),
        .init(
            lifecycle: .badReview, from: .awaitingRating, action: .rateFeedback, to: .rectifying, level: .dissatisfied),
        .init(lifecycle: .badReview, from: .awaitingRating, action: .close, to: .closed),
        // Tourism complaint: accept / refuse / transfer → mediation → mediated / terminated.
        .init(lifecycle: .tourismComplaint, from: .received, action: .accept, to: .accepted),
        .init(lifecycle: .tourismComplaint, from: .received, action: .refuse, to: .refused),
        .init(lifecycle: .tourismComplaint, from: .received, action: .transfer, to: .transferred),
        .init(lifecycle: .tourismComplaint, from: .accepted, action: .startMediation, to: .mediating),
        .init(lifecycle: .tourismComplaint, from: .mediating, action: .recordAgreement, to: .mediated),
        .init(lifecycle: .tourismComplaint, from: .mediating, action: .terminateMediation, to: .terminated),
        // 催办 and 督办 (FIELDS.md §3; 12301 督办): in every open status of a work order or a tourism complaint,
        // which they keep; counted, never moving the case on.
        .init(lifecycle: .request, from: .received, action: .urge, to: .received),
        .init(lifecycle: .request, from: .received, action: .supervise, to: .received),
        .init(lifecycle: .request, from: .dispatched, action: .urge, to: .dispatched),
        .init(lifecycle: .request, from: .dispatched, action: .supervise, to: .dispatched),
        .init(lifecycle: .request, from: .transferred, action: .urge, to: .transferred),
        .init(lifecycle: .request, from: .transferred, action: .supervise, to: .transferred),
        .init(lifecycle: .request, from: .returned, action: .urge, to: .returned),
        .init(lifecycle: .request, from: .returned, action: .supervise, to: .returned),
        .init(lifecycle: .request, from: .signed, action: .urge, to: .signed),
        .init(lifecycle: .request, from: .signed, action: .supervise, to: .signed),
        .init(lifecycle: .request, from: .inProgress, action: .urge, to: .inProgress),
        .init(lifecycle: .request, from: .inProgress, action: .supervise, to: .inProgress),
        .init(lifecycle: .request, from: .replied, action: .urge, to: .replied),
        .init(lifecycle: .request, from: .replied, action: .supervise, to: .replied),
        .init(lifecycle: .request, from: .returnVisited, action: .urge, to: .returnVisited),
        .init(lifecycle: .request, from: .returnVisited, action: .supervise, to: .returnVisited),
        .init(lifecycle: .request, from: .reopened, action: .urge, to: .reopened),
        .init(lifecycle: .request, from: .reopened, action: .supervise, to: .reopened),
        .init(lifecycle: .tourismComplaint, from: .received, action: .urge, to: .received),
        .init(lifecycle: .tourismComplaint, from: .received, action: .supervise, to: .received),
        .init(lifecycle: .tourismComplaint, from: .accepted, action: .urge, to: .accepted),
        .init(lifecycle: .tourismComplaint, from: .accepted, action: .supervise, to: .accepted),
        .init(lifecycle: .tourismComplaint, from: .mediating, action: .urge, to: .mediating),
        .init(lifecycle: .tourismComplaint, from: .mediating, action: .supervise, to: .mediating),
    ]
}

/// An action of `kind` carrying the data its kind needs.
func completeAction(
    _ kind: LifecycleActionKind, level: SatisfactionLevel? = nil, review: ReviewResult? = nil
) -> LifecycleAction {
    var action = LifecycleAction(
        kind, unit: "潼南区文化旅游委", deadline: Fixtures.now.addingTimeInterval(86_400 * 3),
        level: level ?? .satisfied, notAdoptedReason: .malicious, note: "说明", feedbackMethod: .phone)
    action.review = review ?? .upheld
    return action
}

extension LifecycleAction {
    /// A review with its result and no opinion.
    static func reviewed(_ kind: LifecycleActionKind, _ review: ReviewResult) -> LifecycleAction {
        var action = LifecycleAction(kind)
        action.review = review
        return action
    }
}

@Suite struct LifecycleTests {
    @Test(arguments: Transition.all)
    func everyAllowedTransitionLeadsWhereThePolicySays(t: Transition) throws {
        let next = try t.lifecycle.next(
            from: t.from, applying: completeAction(t.action, level: t.level, review: t.review))
        #expect(next == t.to)
    }

    /// Every (lifecycle, status, action) not in the specification is refused as an illegal transition,
    /// and the error names exactly the actions the specification allows.
    @Test(arguments: Lifecycle.allCases)
    func everythingElseIsForbidden(lifecycle: Lifecycle) {
        for status in CaseStatus.allCases {
            let allowed = Transition.all.filter { $0.lifecycle == lifecycle && $0.from == status }.map(\.action)
            #expect(Set(lifecycle.allowedActions(from: status)) == Set(allowed), "\(lifecycle) \(status)")
            for kind in LifecycleActionKind.allCases where !allowed.contains(kind) {
                if kind.isClock {
                    // The clocks' events record time in every status and keep it (never an action out of it).
                    #expect((try? lifecycle.next(from: status, applying: completeAction(kind))) == status)
                    #expect(!lifecycle.allowedActions(from: status).contains(kind))
                    continue
                }
                do {
                    _ = try lifecycle.next(from: status, applying: completeAction(kind))
                    Issue.record("\(lifecycle): \(kind) from \(status) was allowed")
                } catch {
                    #expect(error.code == .illegalTransition)
                    #expect(Set(error.allowedActions) == Set(allowed))
                    #expect(error.violations.map(\.field) == ["action.kind"])
                    #expect(error.violations.map(\.rule) == [.lifecycleTransition])
                }
            }
        }
    }

    struct Forbidden: Sendable, CustomTestStringConvertible {
        let lifecycle: Lifecycle
        let from: CaseStatus
        let action: LifecycleActionKind
        let message: String
        var testDescription: String { "\(lifecycle): \(action) from \(from)" }
    }

    /// The refusals people will meet most, with the exact message they read.
    @Test(arguments: [
        Forbidden(
            lifecycle: .request, from: .received, action: .sign,
            message:
                "sign is not allowed in status received of the request lifecycle; allowed: dispatch, transfer, urge, supervise"
        ),
        Forbidden(
            lifecycle: .request, from: .signed, action: .reply,
            message:
                "reply is not allowed in status signed of the request lifecycle; allowed: return, startHandling, urge, supervise"
        ),
        Forbidden(
            lifecycle: .request, from: .replied, action: .close,
            message:
                "close is not allowed in status replied of the request lifecycle; allowed: returnVisit, urge, supervise"
        ),
        // A closed work order is not open: it is restarted (重启流程), not urged or supervised.
        Forbidden(
            lifecycle: .request, from: .closed, action: .urge,
            message: "urge is not allowed in status closed of the request lifecycle; allowed: restart"),
        Forbidden(
            lifecycle: .badReview, from: .closed, action: .restart,
            message: "restart is not allowed in status closed of the badReview lifecycle; allowed: none, the case is "
                + "final"),
        Forbidden(
            lifecycle: .request, from: .dispatched, action: .reviewReturn,
            message: "reviewReturn is not allowed in status dispatched of the request lifecycle; allowed: transfer, "
                + "sign, return, urge, supervise"),
        Forbidden(
            lifecycle: .badReview, from: .awaitingVerification, action: .fixImmediately,
            message: "fixImmediately is not allowed in status awaitingVerification of the badReview lifecycle; "
                + "allowed: verify"),
        Forbidden(
            lifecycle: .badReview, from: .appealRejected, action: .appeal,
            message: "appeal is not allowed in status appealRejected of the badReview lifecycle; "
                + "allowed: fixImmediately, fixByDeadline, explain"),
        Forbidden(
            lifecycle: .badReview, from: .rectifying, action: .giveFeedback,
            message: "giveFeedback is not allowed in status rectifying of the badReview lifecycle; "
                + "allowed: completeRectification"),
        Forbidden(
            lifecycle: .tourismComplaint, from: .received, action: .startMediation,
            message: "startMediation is not allowed in status received of the tourismComplaint lifecycle; "
                + "allowed: transfer, accept, refuse, urge, supervise"),
        Forbidden(
            lifecycle: .tourismComplaint, from: .mediated, action: .terminateMediation,
            message: "terminateMediation is not allowed in status mediated of the tourismComplaint lifecycle; "
                + "allowed: none, the case is final"),
        Forbidden(
            lifecycle: .evaluation, from: .recorded, action: .verify,
            message: "verify is not allowed in status recorded of the evaluation lifecycle; "
                + "allowed: none, the case is final"),
    ])
    func commonRefusalsNameTheAllowedActions(f: Forbidden) {
        #expect(
            throws: CaseError(
                code: .illegalTransition, message: f.message,
                violations: [FieldViolation(field: "action.kind", rule: .lifecycleTransition, message: f.message)],
                allowedActions: f.lifecycle.allowedActions(from: f.from))
        ) {
            try f.lifecycle.next(from: f.from, applying: completeAction(f.action))
        }
    }

    struct MissingData: Sendable, CustomTestStringConvertible {
        let lifecycle: Lifecycle
        let from: CaseStatus
        let action: LifecycleAction
        let field: String
        var testDescription: String { "\(action.kind) without \(field)" }
    }

    @Test(arguments: [
        MissingData(lifecycle: .request, from: .received, action: .init(.dispatch), field: "action.unit"),
        MissingData(lifecycle: .request, from: .received, action: .init(.transfer), field: "action.unit"),
        MissingData(lifecycle: .request, from: .dispatched, action: .init(.return), field: "action.note"),
        MissingData(
            lifecycle: .request, from: .inProgress, action: .init(.extend, note: "需现场核查"), field: "action.deadline"),
        // 延期审批: an extension states its basis and reason (FIELDS.md §3).
        MissingData(
            lifecycle: .request, from: .inProgress, action: .init(.extend, deadline: Fixtures.now), field: "action.note"
        ),
        MissingData(
            lifecycle: .request, from: .received, action: .init(.supervise, unit: "区政府办"), field: "action.note"),
        MissingData(lifecycle: .request, from: .inProgress, action: .init(.reply), field: "action.note"),
        // 退回审核 and 回访复核 state their result and opinion; a restart its reason.
        MissingData(
            lifecycle: .request, from: .returned, action: .init(.reviewReturn, note: "不属于本单位职责"),
            field: "action.review"),
        MissingData(
            lifecycle: .request, from: .reopened, action: .reviewed(.reviewReturnVisit, .overturned),
            field: "action.note"),
        MissingData(lifecycle: .request, from: .closed, action: .init(.restart), field: "action.note"),
        MissingData(lifecycle: .request, from: .replied, action: .init(.returnVisit), field: "action.level"),
        MissingData(
            lifecycle: .badReview, from: .appealed, action: .init(.upholdAppeal), field: "action.not_adopted_reason"),
        MissingData(lifecycle: .badReview, from: .awaitingRating, action: .init(.rateFeedback), field: "action.level"),
        MissingData(lifecycle: .tourismComplaint, from: .received, action: .init(.refuse), field: "action.note"),
        // The unit closing a bad review's loop without a rating records why (not rated in time, unreachable).
        MissingData(lifecycle: .badReview, from: .awaitingRating, action: .init(.close), field: "action.note"),
    ])
    func anAllowedActionWithoutItsDataIsAFieldViolation(m: MissingData) {
        do {
            _ = try m.lifecycle.next(from: m.from, applying: m.action)
            Issue.record("accepted without \(m.field)")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.violations.map { "\($0.field) \($0.rule)" } == ["\(m.field) required"])
        }
    }

    @Test func everyLifecycleStatusIsReachableFromItsInitialStatus() {
        for lifecycle in Lifecycle.allCases {
            var reached: Set<CaseStatus> = [lifecycle.initialStatus]
            var frontier = [lifecycle.initialStatus]
            while let status = frontier.popLast() {
                for t in Transition.all where t.lifecycle == lifecycle && t.from == status && !reached.contains(t.to) {
                    reached.insert(t.to)
                    frontier.append(t.to)
                }
            }
            #expect(reached == lifecycle.statuses, "\(lifecycle)")
        }
    }
}

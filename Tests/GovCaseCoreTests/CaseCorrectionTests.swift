import Foundation
import GovCaseCore
import Testing

/// The rules for a higher revision of the record that created a case (lifecycle.proto, `LIFECYCLE_ACTION_KIND_CORRECT`),
/// written from the contract, tested without a store.
@Suite struct CaseCorrectionTests {
    let now = Fixtures.now

    func stored(level: SatisfactionLevel) -> Case {
        var c = Fixtures.evaluation(level: level)
        c.caseID = "case-1"
        c.startDeadlines(using: .standard)
        return c
    }

    func revision(_ revision: UInt64, level: SatisfactionLevel) -> Case {
        var c = Fixtures.evaluation(level: level)
        c.source.revision = revision
        c.startDeadlines(using: .standard)
        return c
    }

    @Test func beforeAnyStepALevelCorrectedFromFiveToOneOpensTheBadReviewLoop() throws {
        let corrected = try stored(level: .verySatisfied).corrected(
            by: revision(2, level: .veryDissatisfied), recordedAt: now)
        #expect(corrected.caseID == "case-1")
        #expect(corrected.lifecycle == .badReview)
        #expect(corrected.status == Lifecycle.badReview.initialStatus)
        #expect(corrected.badReview != nil)
        #expect(corrected.events.map(\.step.action.kind) == [.correct])
        #expect(corrected.events.first?.step.actor.system == "sc-gov")
        #expect(corrected.events.first?.sourceRecord == SourceRecordReference(externalID: "PJ-2025-0001", revision: 2))
    }

    @Test func beforeAnyStepALevelCorrectedFromOneToFiveLeavesTheLoop() throws {
        let corrected = try stored(level: .veryDissatisfied).corrected(
            by: revision(2, level: .verySatisfied), recordedAt: now)
        #expect(corrected.lifecycle != .badReview)
        #expect(corrected.badReview == nil)
    }

    @Test func onceStepsAreRecordedCrossingTheBadReviewLineIsRefusedNamingThem() throws {
        var c = stored(level: .dissatisfied)
        _ = try c.apply(LifecycleStep(LifecycleAction(.verify), occurredAt: now), recordedAt: now, policy: .standard)
        #expect {
            try c.corrected(by: revision(2, level: .satisfied), recordedAt: now)
        } throws: { error in
            guard let error = error as? CaseError else { return false }
            return error.code == .correctionRefused && error.message.contains("evaluation.level")
                && error.message.contains("1 verify")
        }
        var elsewhere = revision(2, level: .dissatisfied)
        elsewhere.regionCode = "510105"
        #expect(throws: CaseError.self) { try c.corrected(by: elsewhere, recordedAt: now) }
    }

    @Test func onceStepsAreRecordedOtherFieldsAreCorrectedAndTheCorrectionIsAnEvent() throws {
        var c = stored(level: .dissatisfied)
        _ = try c.apply(LifecycleStep(LifecycleAction(.verify), occurredAt: now), recordedAt: now, policy: .standard)
        var new = revision(2, level: .veryDissatisfied)
        new.evaluation?.text = "窗口人员态度差"
        let corrected = try c.corrected(by: new, recordedAt: now)
        #expect(corrected.status == c.status && corrected.badReview == c.badReview)
        #expect(corrected.evaluation?.level == .veryDissatisfied && corrected.evaluation?.text == "窗口人员态度差")
        #expect(corrected.events.map(\.step.action.kind) == [.verify, .correct])
        #expect(corrected.events.last?.step.action.note == "revision 1 → 2: evaluation")
        #expect(corrected.events.last.map { $0.from == $0.to } == true)
    }

    @Test func noStateMachineAcceptsACorrectionAsAnAction() {
        var c = stored(level: .dissatisfied)
        #expect(throws: CaseError.self) {
            try c.apply(LifecycleStep(LifecycleAction(.correct), occurredAt: now), recordedAt: now, policy: .standard)
        }
    }
}

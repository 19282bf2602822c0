import Foundation
import GovCaseCore

/// What applying a follow-up did.
public struct FollowUpOutcome: Sendable, Hashable {
    /// The case it applied to.
    public var caseID: String
    /// Events appended; empty for a duplicate.
    public var events: [LifecycleEvent]
    /// Whether this (source system, external id, revision) was already applied.
    public var duplicate: Bool
}

extension CaseStore {
    /// Applies a follow-up record to the case of `sourceSystem` it names, idempotently on (source system, record
    /// type, external id, revision) and the follow-up's content digest. A later revision of a follow-up applies
    /// the steps that earlier revisions did not; a step an earlier revision applied must be unchanged.
    ///
    /// - Throws: `StoreError.notFound` if the case is unknown, `StoreError.olderRevision` if a later revision
    ///   of the follow-up was applied, `StoreError.alreadyExists` if this revision was applied with other content,
    ///   `CaseError` if a step is not allowed or would change a step already applied (nothing is written then).
    /// - Parameter authorize: Called with the target case before anything is written, duplicates included;
    ///   throw to refuse.
    public func apply(
        _ followUp: FollowUp, sourceSystem: String, recordedAt: Date,
        authorize: (Case) throws -> Void = { _ in }, policy: (String) -> DeadlinePolicy
    ) throws -> FollowUpOutcome {
        let outcome = try engine.write { db in
            try apply(
                followUp, sourceSystem: sourceSystem, recordedAt: recordedAt, authorize: authorize, policy: policy,
                db: db)
        }
        if !outcome.events.isEmpty {
            eventSignal.signal()
            signalForwards()
        }
        return outcome
    }

    /// `apply` inside a transaction of the caller's (a group commit's, in a savepoint of its own); the caller
    /// signals watchers and forwarders after the commit.
    func apply(
        _ followUp: FollowUp, sourceSystem: String, recordedAt: Date, authorize: (Case) throws -> Void,
        policy: (String) -> DeadlinePolicy, db: any StoreSession
    ) throws -> FollowUpOutcome {
        let applied = try db.rows(.appliedFollowUps, [sourceSystem, followUp.externalID, followUp.recordType ?? ""])
        if let same = applied.first(where: { ($0["revision"] as Int64) == Int64(followUp.revision) }) {
            let caseID: String = same["case_id"]
            guard let c = try fetchCase(id: caseID, db: db) else {
                throw StoreError(.corrupt, "case \(caseID) of follow-up \(followUp.externalID) vanished")
            }
            try authorize(c)
            guard let digest = followUp.contentDigest, digest == same["content_digest"] as Data? else {
                throw StoreError(
                    .alreadyExists,
                    "revision \(followUp.revision) of follow-up \(followUp.externalID) is already applied with "
                        + "other content; a correction needs a higher revision")
            }
            return FollowUpOutcome(caseID: caseID, events: [], duplicate: true)
        }
        if let latest = applied.map({ $0["revision"] as Int64 }).max(), latest > Int64(followUp.revision) {
            throw StoreError(
                .olderRevision,
                "revision \(followUp.revision) of \(followUp.externalID) is older than the applied revision \(latest)"
            )
        }
        guard
            var c = try fetchCase(
                sourceSystem: sourceSystem, recordType: followUp.targetRecordType,
                externalID: followUp.targetExternalID, db: db)
        else {
            throw StoreError(
                .notFound, "no case from \(sourceSystem) has external id \(followUp.targetExternalID)")
        }
        try authorize(c)
        let remaining = try followUp.stepsNotYetApplied(to: c)
        let events = try c.apply(remaining, recordedAt: recordedAt, policy: policy(c.regionCode))
        try save(c, db: db, createdAt: nil, now: recordedAt)
        try append(events, caseID: c.caseID, db: db)
        try enqueueSteps(events, of: c, now: recordedAt, db: db)
        try db.execute(.saveFollowUp, [
                sourceSystem, followUp.recordType ?? "", followUp.externalID, Int64(followUp.revision),
                followUp.contentDigest, c.caseID,
            ])
        return FollowUpOutcome(caseID: c.caseID, events: events, duplicate: false)
    }

    /// Applies one lifecycle step to a case, e.g. a handler's transition through the case service.
    ///
    /// - Parameter expected: If set, the step applies only if the case is in this status.
    /// - Throws: `StoreError.notFound`, `StoreError.conflict` when the status differs from `expected`, or
    ///   `CaseError` when the step is not allowed.
    public func transition(
        caseID: String, step: LifecycleStep, expected: CaseStatus? = nil, recordedAt: Date, policy: DeadlinePolicy
    ) throws -> (Case, LifecycleEvent) {
        defer {  // after the commit; a spurious wake on failure only costs a query
            eventSignal.signal()
            signalForwards()
        }
        return try engine.write { db in
            guard var c = try fetchCase(id: caseID, db: db) else {
                throw StoreError(.notFound, "no case has id \(caseID)")
            }
            if let expected, expected != c.status {
                throw StoreError(.conflict, "case \(caseID) is \(c.status.rawValue), not \(expected.rawValue)")
            }
            let event = try c.apply(step, recordedAt: recordedAt, policy: policy)
            try save(c, db: db, createdAt: nil, now: recordedAt)
            try append([event], caseID: caseID, db: db)
            try enqueueSteps([event], of: c, now: recordedAt, db: db)
            return (c, event)
        }
    }
}

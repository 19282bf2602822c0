import Foundation
import GRDB
import GovCaseCore

/// What a submission did.
public enum SubmitOutcome: Sendable, Hashable {
    /// A new case was stored.
    case created(caseID: String)
    /// A newer revision replaced the case's content; its lifecycle and history were kept.
    case updated(caseID: String)
    /// This (source system, external id, revision) was already stored; nothing changed.
    case duplicate(caseID: String)

    /// The case id, in every outcome.
    public var caseID: String {
        switch self {
        case .created(let id), .updated(let id), .duplicate(let id): id
        }
    }
}

extension CaseStore {
    /// Stores a translated case, idempotently on (source system, external id, revision). Returns after the
    /// commit is durable.
    ///
    /// - Throws: `StoreError.olderRevision` if a higher revision is stored.
    public func submit(_ c: Case, now: Date) throws -> SubmitOutcome {
        try pool.write { db in try submit(c, now: now, db: db) }
    }

    /// Stores several cases in one transaction (one durable commit), each independently: a refused record
    /// does not stop the others. Results are in input order.
    public func submit(batch cases: [Case], now: Date) throws -> [Result<SubmitOutcome, StoreError>] {
        try pool.write { db in try cases.map { c in try submitAlone(c, now: now, db: db) } }
    }

    /// Stores one case of a larger transaction in its own savepoint, so that its refusal undoes only itself.
    func submitAlone(_ c: Case, now: Date, db: Database) throws -> Result<SubmitOutcome, StoreError> {
        do {
            var outcome: SubmitOutcome!
            try db.inSavepoint {
                outcome = try submit(c, now: now, db: db)
                return .commit
            }
            return .success(outcome)
        } catch let error as StoreError {
            return .failure(error)
        }
    }

    func submit(_ c: Case, now: Date, db: Database) throws -> SubmitOutcome {
        let source = c.source
        guard let stored = try storedRevision(sourceSystem: source.sourceSystem, externalID: source.externalID, db: db)
        else {
            var new = c
            new.caseID = CaseID.next(at: now)
            try save(new, db: db, createdAt: now, now: now)
            return .created(caseID: new.caseID)
        }
        if source.revision == stored.revision { return .duplicate(caseID: stored.caseID) }
        guard source.revision > stored.revision else {
            throw StoreError(
                .olderRevision,
                "revision \(source.revision) of \(source.externalID) is older than the stored revision "
                    + "\(stored.revision)")
        }
        // A correction of the source record: new content, same case, same lifecycle and history.
        guard let current = try fetchCase(id: stored.caseID, db: db) else {
            throw StoreError(.corrupt, "case \(stored.caseID) vanished during its update")
        }
        var updated = c
        updated.caseID = current.caseID
        updated.lifecycle = current.lifecycle
        updated.status = current.status
        updated.events = current.events
        updated.handling = current.handling
        updated.badReview = current.badReview
        try save(updated, db: db, createdAt: nil, now: now)
        return .updated(caseID: current.caseID)
    }
}

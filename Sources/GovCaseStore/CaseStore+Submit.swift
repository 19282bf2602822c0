import Foundation
import GovCaseCore

/// What a submission did.
public enum SubmitOutcome: Sendable, Hashable {
    /// A new case was stored.
    case created(caseID: String)
    /// A newer revision corrected the case (see `Case.corrected(by:recordedAt:)`); the correction is an event.
    case updated(caseID: String)
    /// This (source system, record type, external id, revision) was already stored with the same content;
    /// nothing changed.
    case duplicate(caseID: String)

    /// The case id, in every outcome.
    public var caseID: String {
        switch self {
        case .created(let id), .updated(let id), .duplicate(let id): id
        }
    }
}

extension CaseStore {
    /// Stores a translated case, idempotently on (source system, record type, external id, revision) and its
    /// content digest. Returns after the commit is durable.
    ///
    /// - Throws: `StoreError.olderRevision` if a higher revision is stored, `StoreError.alreadyExists` if this
    ///   revision is stored with another digest, `CaseError.correctionRefused` if a higher revision would
    ///   change the lifecycle of a case with recorded steps.
    public func submit(_ c: Case, now: Date) throws -> SubmitOutcome {
        defer { signalForwards() }
        return try engine.write { db in try submit(c, now: now, db: db) }
    }

    /// Stores several cases in one transaction (one durable commit), each independently: a refused record
    /// does not stop the others. Results are in input order.
    public func submit(batch cases: [Case], now: Date) throws -> [Result<SubmitOutcome, any Error>] {
        defer { signalForwards() }
        return try engine.write { db in cases.map { c in submitAlone(c, now: now, db: db) } }
    }

    /// Stores one case of a larger transaction in its own savepoint, so that its failure, whatever it is, undoes
    /// only itself and fails only its own record. A failure that ends the transaction (the disk full, say) still
    /// fails the commit, and with it every record in it.
    func submitAlone(_ c: Case, now: Date, db: any StoreSession) -> Result<SubmitOutcome, any Error> {
        do {
            var outcome: SubmitOutcome!
            try db.savepoint {
                outcome = try submit(c, now: now, db: db)
            }
            return .success(outcome)
        } catch {
            return .failure(error)
        }
    }

    func submit(_ c: Case, now: Date, db: any StoreSession) throws -> SubmitOutcome {
        let source = c.source
        try checkOneEvaluationPerNode(c, db: db)
        guard let stored = try storedRevision(of: source, db: db) else {
            var new = c
            new.caseID = CaseID.next(at: now)
            try save(new, db: db, createdAt: now, now: now)
            try enqueueForwards(of: new, change: .created, now: now, db: db)
            return .created(caseID: new.caseID)
        }
        if source.revision == stored.revision {
            // A retry is a duplicate only if it carries what was stored; anything else would be acknowledged and lost.
            guard let digest = source.contentDigest, digest == stored.digest else {
                throw StoreError(
                    .alreadyExists,
                    "revision \(stored.revision) of \(source.externalID) is already stored with other content"
                        + (stored.digest == nil ? " (or stored before content digests were kept)" : "")
                        + "; a correction needs a revision higher than \(stored.revision)")
            }
            return .duplicate(caseID: stored.caseID)
        }
        guard source.revision > stored.revision else {
            throw StoreError(
                .olderRevision,
                "revision \(source.revision) of \(source.externalID) is older than the stored revision "
                    + "\(stored.revision)")
        }
        guard let current = try fetchCase(id: stored.caseID, db: db) else {
            throw StoreError(.corrupt, "case \(stored.caseID) vanished during its update")
        }
        let corrected = try current.corrected(by: c, recordedAt: now)
        try save(corrected, db: db, createdAt: nil, now: now)
        try append(Array(corrected.events.dropFirst(current.events.count)), caseID: current.caseID, db: db)
        try enqueueForwards(of: corrected, change: .revised, now: now, db: db)
        return .updated(caseID: current.caseID)
    }

    /// 一事多评: one evaluation per service node of a matter, and one node record per node. Another evaluation
    /// id for a node that already has one (from the same source system) is refused, naming the first; so is
    /// another node id for a node already pushed. An evaluation of the whole matter (no node) is not keyed by the
    /// matter: a matter may be evaluated as a whole more than once (service.proto, ServiceNode).
    func checkOneEvaluationPerNode(_ c: Case, db: any StoreSession) throws {
        guard c.kind == .evaluation || c.kind == .serviceNode, let node = c.service.node, !c.service.matterID.isEmpty
        else { return }
        let first = try db.value(.nodeTaken, [
                c.source.sourceSystem, c.service.matterID, node.number, c.kind.rawValue, c.source.externalID,
            ], as: String.self)
        if let first, c.kind == .evaluation, first.hasPrefix(Case.defaultRatingIDPrefix) {
            throw StoreError(
                .alreadyExists,
                "node \(node.number) of matter \(c.service.matterID) was given the default rating (默认评价) as "
                    + "evaluation \(first) when its default-rating time passed unrated; its rating period is closed")
        }
        if let first {
            throw StoreError(
                .alreadyExists,
                c.kind == .evaluation
                    ? "node \(node.number) of matter \(c.service.matterID) already has evaluation \(first); one "
                        + "evaluation per service node (一事多评)"
                    : "node \(node.number) of matter \(c.service.matterID) is already recorded as \(first); one "
                        + "record per service node")
        }
    }
}

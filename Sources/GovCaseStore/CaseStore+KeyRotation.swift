import Foundation
import GRDB

/// Where a key rotation stands.
public struct KeyRotationProgress: Sendable, Hashable {
    /// Boxes re-sealed with the current key by this run.
    public var resealed: Int
    /// Boxes still sealed with another key (zero when the rotation is complete).
    public var remaining: Int
}

extension CaseStore {
    /// Re-seals every evaluator box not sealed with the vault's current key, `batchSize` rows per transaction,
    /// while the gateway may go on serving (each batch is a short write). Resumable: progress is the data
    /// itself, so a run stopped at any point is continued by running it again. `progress` is called after each
    /// batch. A box that no configured key opens stops the run with an error naming its case and key id.
    ///
    /// A run walks the table once, in rowid order from where its last batch ended; it counts the boxes to do once,
    /// at its start (new boxes are sealed with the current key, so none are added while it runs).
    public func resealEvaluators(
        batchSize: Int = 500, progress: (KeyRotationProgress) throws -> Void = { _ in }
    ) throws -> KeyRotationProgress {
        let prefix = vault.currentPrefix
        let toDo = try unsealedWithCurrentKey()
        var resealed = 0
        var lastRow: Int64 = 0
        while true {
            let after = lastRow
            let (count, last) = try pool.write { db -> (Int, Int64?) in
                let rows = try Row.fetchAll(
                    db.statement(.boxesToReseal), arguments: [after, prefix.count, prefix, batchSize])
                for row in rows {
                    let caseID: String = row["id"]
                    guard let sealed = try vault.reseal(row["sealed_requester"], caseID: caseID) else { continue }
                    try db.statement(.reseal).execute(arguments: [sealed, caseID])
                }
                return (rows.count, rows.last?["rowid"])
            }
            lastRow = last ?? lastRow
            resealed += count
            let state = KeyRotationProgress(resealed: resealed, remaining: max(toDo - resealed, 0))
            try progress(state)
            if count < batchSize || state.remaining == 0 { return state }
        }
    }

    /// How many evaluator boxes are sealed with a key other than the current one.
    public func unsealedWithCurrentKey() throws -> Int {
        let prefix = vault.currentPrefix
        return try pool.read { db in
            try Int.fetchOne(db.statement(.boxesNotSealedWithKey), arguments: [prefix.count, prefix]) ?? 0
        }
    }
}

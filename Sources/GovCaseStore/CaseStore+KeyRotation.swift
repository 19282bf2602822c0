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
    public func resealEvaluators(
        batchSize: Int = 500, progress: (KeyRotationProgress) throws -> Void = { _ in }
    ) throws -> KeyRotationProgress {
        let prefix = vault.currentPrefix
        var resealed = 0
        while true {
            let count = try pool.write { db -> Int in
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, sealed_requester FROM cases
                        WHERE sealed_requester IS NOT NULL AND substr(sealed_requester, 1, ?) != ? LIMIT ?
                        """, arguments: [prefix.count, prefix, batchSize])
                for row in rows {
                    let caseID: String = row["id"]
                    guard let sealed = try vault.reseal(row["sealed_requester"], caseID: caseID) else { continue }
                    try db.execute(
                        sql: "UPDATE cases SET sealed_requester = ? WHERE id = ?", arguments: [sealed, caseID])
                }
                return rows.count
            }
            resealed += count
            let state = KeyRotationProgress(resealed: resealed, remaining: try unsealedWithCurrentKey())
            try progress(state)
            if count == 0 || state.remaining == 0 { return state }
        }
    }

    /// How many evaluator boxes are sealed with a key other than the current one.
    public func unsealedWithCurrentKey() throws -> Int {
        let prefix = vault.currentPrefix
        return try pool.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM cases
                    WHERE sealed_requester IS NOT NULL AND substr(sealed_requester, 1, ?) != ?
                    """, arguments: [prefix.count, prefix]) ?? 0
        }
    }
}

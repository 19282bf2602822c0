import Foundation

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
            let (count, last) = try engine.write { db -> (Int, Int64?) in
                let rows = try db.rows(.boxesToReseal, [after, prefix.count, prefix, batchSize])
                for row in rows {
                    let caseID: String = row["id"]
                    guard let sealed = try vault.reseal(row["sealed_requester"], caseID: caseID) else { continue }
                    try db.execute(.reseal, [sealed, caseID])
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
        return try engine.read { db in
            try db.value(.boxesNotSealedWithKey, [prefix.count, prefix], as: Int.self) ?? 0
        }
    }
}

/// The evaluator key the last gateway to start on a store seals new boxes with.
public struct SealingKeyRecord: Sendable, Hashable {
    /// Its key id (`govcase keys new` prints it).
    public var keyID: String
    /// When that gateway started.
    public var since: Date
}

extension CaseStore {
    private static let sealingKeySetting = "sealing_key_id"

    /// Records the key this store's vault seals with, as the gateway that serves from it: called at the gateway's
    /// start, so a rotation run beside it can tell whether it was restarted with the new key.
    public func recordSealingKey(now: Date) throws {
        try engine.write { db in
            try db.execute(.saveSetting, [Self.sealingKeySetting, vault.currentKeyID, now.timeIntervalSince1970])
        }
    }

    /// What the last gateway to start on this store recorded of its sealing key; nil if none has (a store no
    /// gateway of this version has served from).
    public func recordedSealingKey() throws -> SealingKeyRecord? {
        try engine.read { db in
            try db.row(.setting, [Self.sealingKeySetting]).map {
                SealingKeyRecord(keyID: $0["value"], since: Date(timeIntervalSince1970: $0["updated_at"]))
            }
        }
    }
}

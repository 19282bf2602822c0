import Foundation
import GRDB
import Logging
import Synchronization

/// Copies the write-ahead log back into the database file on its own connection and thread, and keeps the log
/// bounded.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses the threshold, so one submit in a
/// thousand waited for the database file's fsync as well as its own (the p99 of the unary benchmark). The
/// store turns automatic checkpoints off and this runs a PASSIVE checkpoint every `interval` instead: it
/// takes no write lock, so commits go on while it copies. Under sustained ingest a passive checkpoint never
/// catches up with the writers, so the log never restarts and grows without bound (hundreds of MB after 100k
/// records); once it passes `walLimitBytes`, a TRUNCATE checkpoint copies everything and empties the log. It
/// runs on the store's own writer connection, queued between commits like one: run from a second connection it
/// would compete for the write lock with a writer that never lets go (SQLite's locks are not fair) and fail.
///
/// A TRUNCATE waits for every reader to leave the log, and it holds the writer while it waits: with the store's
/// 10 s busy timeout, one slow page read (or `govcase keys rotate` reading beside the gateway) stopped every commit
/// for up to 10 s. So the TRUNCATE comes after a PASSIVE pass on this connection (which copies what it can without
/// the writer, leaving the TRUNCATE little to copy) and waits for readers no longer than a commit takes
/// (`truncateWait`); a reader still there defers it to a later pass, counted and logged, and commits go on.
/// Failures are logged and counted, never ignored.
final class Checkpointer: Sendable {
    private let connection: DatabaseQueue
    /// The store's pool: TRUNCATE checkpoints run on its writer.
    private let writer: DatabasePool
    private let queue = DispatchQueue(label: "govcase.store.checkpoint", qos: .utility)
    private let running = Mutex(true)
    private let interval: DispatchTimeInterval
    private let walPath: String
    private let walLimitBytes: Int
    /// How long a TRUNCATE waits for readers to leave the log, holding the writer meanwhile: about one commit.
    private let truncateWait: Duration
    private let logger: Logger
    private let counters = Mutex(CheckpointCounters())

    init(
        path: String, writer: DatabasePool, interval: DispatchTimeInterval = .milliseconds(250),
        walLimitBytes: Int = 64 << 20, truncateWait: Duration = .milliseconds(20), logger: Logger
    ) throws {
        var configuration = Configuration()
        configuration.label = "govcase.store.checkpoint"
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        connection = try DatabaseQueue(path: path, configuration: configuration)
        self.writer = writer
        self.interval = interval
        self.walPath = path + "-wal"
        self.walLimitBytes = walLimitBytes
        self.truncateWait = truncateWait
        self.logger = logger
        scheduleNext()
    }

    private func scheduleNext() {
        // Weak: a store dropped without `close()` takes its checkpointer with it.
        queue.asyncAfter(deadline: .now() + interval) { [weak self] in
            guard let self, running.withLock({ $0 }) else { return }
            pass()
            scheduleNext()
        }
    }

    /// One pass: PASSIVE, then TRUNCATE when the log has grown past its limit.
    private func pass() {
        let mode: Database.CheckpointMode = walBytes > walLimitBytes ? .truncate : .passive
        do {
            _ = try connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            if mode == .truncate {
                guard try truncateUnlessReadersStay() else { return }
            }
            let deferredBefore = counters.withLock { counts in
                counts.passes += 1
                guard mode == .truncate else { return 0 }
                counts.truncations += 1
                let deferred = counts.deferredInARow
                counts.deferredInARow = 0
                return deferred
            }
            if deferredBefore > 0 {
                logger.notice(
                    "the write-ahead log is emptied after readers held it",
                    metadata: ["checkpoint.deferred": "\(deferredBefore)"])
            }
        } catch {
            let failures = counters.withLock {
                $0.failures += 1
                return $0.failures
            }
            logger.error(
                "checkpoint failed; the write-ahead log grows until one succeeds",
                metadata: [
                    "checkpoint.mode": "\(mode)", "checkpoint.failures": "\(failures)",
                    "wal.bytes": "\(walBytes)", "error": "\(error)",
                ])
        }
    }

    /// A TRUNCATE on the writer that waits at most `truncateWait` for readers; false (counted, and logged at the
    /// first of a run) when readers still hold the log, which stays for a later pass.
    private func truncateUnlessReadersStay() throws -> Bool {
        let waitMilliseconds = Int(truncateWait / .milliseconds(1))
        do {
            try writer.writeWithoutTransaction { db in
                let previous = try Int.fetchOne(db, sql: "PRAGMA busy_timeout") ?? 0
                try db.execute(sql: "PRAGMA busy_timeout = \(waitMilliseconds)")
                defer { try? db.execute(sql: "PRAGMA busy_timeout = \(previous)") }
                _ = try db.checkpoint(.truncate)
            }
            return true
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            let first = counters.withLock {
                $0.deferredTruncations += 1
                $0.deferredInARow += 1
                return $0.deferredInARow == 1
            }
            if first {
                logger.notice(
                    "a reader holds the write-ahead log: emptying it waits for a later pass, and commits go on",
                    metadata: ["wal.bytes": "\(walBytes)", "wal.limit": "\(walLimitBytes)"])
            }
            return false
        }
    }

    /// The write-ahead log's size on disk.
    var walBytes: Int {
        ((try? FileManager.default.attributesOfItem(atPath: walPath))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Checkpoints done, truncating ones among them, and failures.
    var counts: CheckpointCounters { counters.withLock { $0 } }

    /// The `synchronous` setting in force on the checkpoint connection (2 is FULL).
    func synchronousSetting() throws -> Int {
        try connection.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } ?? -1
    }

    /// Stops checkpointing, after any pass in progress; copies the whole log into the database and empties it
    /// (a TRUNCATE checkpoint on the writer, after every commit queued before), then closes its connection.
    ///
    /// Another process may have the same file open: `govcase keys rotate` beside a running gateway. While it
    /// reads, a TRUNCATE waits; while it checkpoints, SQLite answers "database is locked" at once without
    /// waiting (the checkpoint lock has no busy handler), and `keys rotate` failed after finishing its work.
    /// Every commit is already durable in the log, so the last checkpoint is tidiness, not safety: it is
    /// retried for `closingWait`, then the log is left to the other process's checkpoints, with a notice.
    func stop(closingWait: Duration = .seconds(2)) throws {
        running.withLock { $0 = false }
        try queue.sync {
            try closingCheckpoint(within: closingWait)
            try connection.close()
        }
    }

    private func closingCheckpoint(within wait: Duration) throws {
        let clock = ContinuousClock()
        let deadline = clock.now + wait
        while true {
            do {
                _ = try writer.writeWithoutTransaction { db in
                    // Wait for another process's readers no longer than the whole closing wait.
                    try db.execute(sql: "PRAGMA busy_timeout = \(Int(wait.components.seconds * 1000) / 4)")
                    return try db.checkpoint(.truncate)
                }
                return
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                guard clock.now < deadline else {
                    counters.withLock { $0.failures += 1 }
                    logger.notice(
                        "the write-ahead log is left for another process's checkpoint: every commit is durable in it",
                        metadata: ["wal.bytes": "\(walBytes)", "error": "\(error)"])
                    return
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }
}

/// What the checkpointer has done, for logs, tests and the benchmark.
public struct CheckpointCounters: Sendable, Hashable {
    /// Checkpoints that succeeded.
    public var passes = 0
    /// Of those, TRUNCATE checkpoints run because the log passed its limit.
    public var truncations = 0
    /// Checkpoints that failed.
    public var failures = 0
    /// TRUNCATE checkpoints put off because a reader still held the log after `truncateWait`.
    public var deferredTruncations = 0
    /// Deferrals since the last TRUNCATE that emptied the log.
    var deferredInARow = 0
}

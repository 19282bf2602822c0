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
    private let logger: Logger
    private let counters = Mutex(CheckpointCounters())

    init(
        path: String, writer: DatabasePool, interval: DispatchTimeInterval = .milliseconds(250),
        walLimitBytes: Int = 64 << 20, logger: Logger
    ) throws {
        var configuration = Configuration()
        configuration.label = "govcase.store.checkpoint"
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        connection = try DatabaseQueue(path: path, configuration: configuration)
        self.writer = writer
        self.interval = interval
        self.walPath = path + "-wal"
        self.walLimitBytes = walLimitBytes
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

    /// One pass: PASSIVE, or TRUNCATE when the log has grown past its limit.
    private func pass() {
        let mode: Database.CheckpointMode = walBytes > walLimitBytes ? .truncate : .passive
        do {
            if mode == .truncate {
                _ = try writer.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
            } else {
                _ = try connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            }
            counters.withLock {
                $0.passes += 1
                if mode == .truncate { $0.truncations += 1 }
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
}

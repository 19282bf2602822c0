import Foundation
import GRDB
import Synchronization

/// Copies the write-ahead log back into the database file on its own connection and thread.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses the threshold, so one submit in a
/// thousand waited for the database file's fsync as well as its own (the p99 of the unary benchmark). The
/// store turns automatic checkpoints off and this runs a PASSIVE checkpoint every `interval` instead: it
/// takes no write lock, so commits go on while it copies, and the log restarts once it is fully copied.
final class Checkpointer: Sendable {
    private let connection: DatabaseQueue
    private let queue = DispatchQueue(label: "govcase.store.checkpoint", qos: .utility)
    private let running = Mutex(true)
    private let interval: DispatchTimeInterval

    init(path: String, interval: DispatchTimeInterval = .milliseconds(250)) throws {
        var configuration = Configuration()
        configuration.label = "govcase.store.checkpoint"
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        connection = try DatabaseQueue(path: path, configuration: configuration)
        self.interval = interval
        scheduleNext()
    }

    private func scheduleNext() {
        // Weak: a store dropped without `close()` takes its checkpointer with it.
        queue.asyncAfter(deadline: .now() + interval) { [weak self] in
            guard let self, running.withLock({ $0 }) else { return }
            // A failed pass (e.g. the database busy) is retried at the next one; the log only grows meanwhile.
            _ = try? connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            scheduleNext()
        }
    }

    /// The `synchronous` setting in force on the checkpoint connection (2 is FULL).
    func synchronousSetting() throws -> Int {
        try connection.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } ?? -1
    }

    /// Stops checkpointing, after any pass in progress, and closes the connection.
    func stop() throws {
        running.withLock { $0 = false }
        try queue.sync { try connection.close() }
    }
}

import Foundation
import Logging
import NIOPosix
import PostgresNIO
import ServiceLifecycle

/// Wakes this gateway's watchers and forwarders when any gateway on the same PostgreSQL database commits events or
/// outbox rows: it LISTENs on a connection of its own (a pooled connection cannot hold a LISTEN between calls),
/// and reconnects by itself when the server restarts. After each (re)connection it wakes everyone once, since
/// notifications sent while it was not listening are lost; a woken watcher reads from its cursor and finds what
/// it missed. On SQLite it has nothing to do: one process writes the file and wakes its own waiters.
public struct StoreNotifications: Service {
    let store: CaseStore
    let logger: Logger

    public init(store: CaseStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public func run() async throws {
        guard let engine = store.engine as? PostgresEngine else { return }
        var failures = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let started = ContinuousClock.now
            do {
                try await cancelWhenGracefulShutdown {
                    try await listen(configuration: engine.connections.connectionConfiguration)
                }
            } catch is CancellationError {
                return
            } catch where Task.isCancelled || Task.isShuttingDownGracefully {
                return  // the gateway stops: the connection ended because it was asked to
            } catch {
                // A connection that worked for a while starts the backoff again.
                failures = started.duration(to: .now) > .seconds(10) ? 1 : failures + 1
                logger.warning(
                    "the store's notification connection failed; reconnecting",
                    metadata: ["error": "\(error)", "failures": "\(failures)"])
            }
            store.wakeEveryone()
            // 0.1 s, doubling to 5 s: a restarting server is back within seconds; watchers still poll meanwhile.
            let wait = min(0.1 * pow(2, Double(min(failures, 6))), 5)
            do { try await Task.sleep(for: .seconds(wait)) } catch { return }
        }
    }

    private func listen(configuration: PostgresConnection.Configuration) async throws {
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 0, logger: logger)
        defer { connection.close().whenComplete { _ in _ = connection } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for channel in StoreChannel.allCases {
                group.addTask {
                    try await connection.listen(on: channel.rawValue) { notifications in
                        // The server has confirmed the LISTEN: from here no commit is missed. Wake the channel's
                        // waiters once for what committed before (while this connection was being made).
                        store.wake(channel)
                        for try await _ in notifications { store.wake(channel) }
                    }
                }
            }
            // The first channel to end (its connection closed) ends the others.
            try await group.next()
            group.cancelAll()
            throw StoreError(.unavailable, "the notification connection closed")
        }
    }
}

extension CaseStore {
    /// The service that wakes this store's waiters when other gateways commit (PostgreSQL; nothing on SQLite).
    public func notifications(logger: Logger) -> StoreNotifications { StoreNotifications(store: self, logger: logger) }

    func wake(_ channel: StoreChannel) {
        switch channel {
        case .events: eventSignal.signal()
        case .forwards: forwardSignal.signal()
        }
    }

    func wakeEveryone() { StoreChannel.allCases.forEach(wake) }
}

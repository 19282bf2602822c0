/// At most `limit` calls to a plugin at once; the others wait their turn in order, up to `maxWaiting`, past
/// which they are shed (`PluginCallError.overloaded`). A cancelled waiter leaves the line at once.
///
/// `withExclusiveAccess` waits until no other call is in flight and holds every permit: a record suspected of
/// crashing the plugin is tried alone, so that a crash then is its own (`BatchDispatcher`).
final class CallLimiter: Sendable {
    private let permits: WaitQueue<Int, Void, Void>
    /// One exclusive holder at a time collects the permits, so two never split them and wait on each other.
    private let exclusive = WaitQueue<Bool, Void, Void>(false)
    let limit: Int

    init(limit: Int, maxWaiting: Int, shed: @escaping @Sendable () -> any Error) {
        self.limit = limit
        permits = WaitQueue(limit, limit: maxWaiting, limitError: shed)
    }

    /// Calls waiting for a permit now.
    var waiting: Int { permits.waiting }

    /// Runs `body` with one permit.
    func withPermit<T>(_ body: () async throws -> T) async throws -> T {
        try await acquire(1)
        defer { release(1) }
        return try await body()
    }

    /// Runs `body` with every permit: no other call is in flight meanwhile.
    func withExclusiveAccess<T>(_ body: () async throws -> T) async throws -> T {
        try await exclusive.wait { held in
            guard held else {
                held = true
                return .now(())
            }
            return .wait
        }
        defer {
            exclusive.update { held, waiters in
                if !waiters.resumeFirst(with: ()) { held = false }
            }
        }
        var taken = 0
        defer { release(taken) }
        // Never shed: a record tried alone, or a removal waiting for calls to end, must get its turn.
        while taken < limit {
            try await acquire(1, bounded: false)
            taken += 1
        }
        return try await body()
    }

    /// Returns when no call is in flight: takes every permit and gives them back.
    func waitUntilIdle() async throws { try await withExclusiveAccess {} }

    private func acquire(_ count: Int, bounded: Bool = true) async throws {
        try await permits.wait(bounded: bounded) { available in
            guard available >= count else { return .wait }
            available -= count
            return .now(())
        }
    }

    private func release(_ count: Int) {
        guard count > 0 else { return }
        permits.update { available, waiters in
            for _ in 0..<count where !waiters.resumeFirst(with: ()) { available += 1 }
        }
    }
}

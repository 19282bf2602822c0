import Synchronization

/// Where a plugin's callers wait for it: ready (with its connection), starting (wait, up to a deadline), or
/// unavailable for a stated reason (quarantined, removed), when waiting is pointless.
final class ReadinessGate<Value: Sendable>: Sendable {
    enum Availability: Sendable {
        case ready(Value)
        case starting
        case unavailable(String)
    }

    private struct State {
        var availability: Availability = .starting
        var waiters: [UInt64: CheckedContinuation<Availability, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    var availability: Availability { state.withLock { $0.availability } }

    /// Sets the availability; waiters are answered unless the plugin is (still) starting.
    func set(_ availability: Availability) {
        let waiters = state.withLock { state in
            state.availability = availability
            if case .starting = availability { return [CheckedContinuation<Availability, Never>]() }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: availability) }
    }

    /// The availability once it is not `starting`, or `starting` when `timeout` passes first.
    func wait(timeout: Duration) async -> Availability {
        let id: UInt64 = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskGroup(of: Availability?.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let now: Availability? = self.state.withLock { state in
                        if case .starting = state.availability {
                            state.waiters[id] = continuation
                            return nil
                        }
                        return state.availability
                    }
                    if let now { continuation.resume(returning: now) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                // Time is up (or the caller was cancelled): answer the waiter, if it is still waiting.
                let waiter = self.state.withLock { $0.waiters.removeValue(forKey: id) }
                waiter?.resume(returning: .starting)
                return nil
            }
            let first = await group.next()!
            group.cancelAll()
            if let first { return first }
            return await group.next()!!
        }
    }
}

/// At most `limit` calls at once; the others wait their turn in order.
final class CallLimiter: Sendable {
    private struct State {
        var available: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
        var inFlight = 0
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(limit: Int) { state = Mutex(State(available: limit)) }

    /// Runs `body` with one of the permits.
    func withPermit<T>(_ body: () async throws -> T) async rethrows -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state in
                state.inFlight += 1
                guard state.available > 0 else {
                    state.waiting.append(continuation)
                    return false
                }
                state.available -= 1
                return true
            }
            if granted { continuation.resume() }
        }
        defer {
            let (next, idle) = state.withLock { state in
                state.inFlight -= 1
                let next = state.waiting.isEmpty ? nil : state.waiting.removeFirst()
                if next == nil { state.available += 1 }
                var idle: [CheckedContinuation<Void, Never>] = []
                if state.inFlight == 0 { swap(&idle, &state.idleWaiters) }
                return (next, idle)
            }
            next?.resume()
            for waiter in idle { waiter.resume() }
        }
        return try await body()
    }

    /// Returns when no call is in flight or waiting.
    func waitUntilIdle() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state in
                if state.inFlight == 0 { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }
}

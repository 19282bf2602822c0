/// Where a plugin's callers wait for it: ready (with its connection), starting (wait, up to a deadline), or
/// unavailable for a stated reason (quarantined, removed), when waiting is pointless.
final class ReadinessGate<Value: Sendable>: Sendable {
    enum Availability: Sendable {
        case ready(Value)
        case starting
        case unavailable(String)
    }

    private let queue = WaitQueue<Availability, Void, Availability>(.starting)

    var availability: Availability { queue.withState { $0 } }

    /// Sets the availability; waiters are answered unless the plugin is (still) starting.
    func set(_ availability: Availability) {
        queue.update { state, waiters in
            state = availability
            if case .starting = availability { return }
            waiters.resumeAll(with: .success(availability))
        }
    }

    /// The availability once it is not `starting`, or `starting` when `timeout` passes first. Throws
    /// `CancellationError` when the caller is cancelled first.
    func wait(timeout: Duration) async throws -> Availability {
        try await withThrowingTaskGroup(of: Availability?.self) { group in
            group.addTask {
                try await self.queue.wait { state in
                    if case .starting = state { return .wait }
                    return .now(state)
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            // The first to finish decides: the gate's answer, time up (nil), or the caller's cancellation.
            return try await group.next()! ?? .starting
        }
    }
}

import Synchronization

/// Where a plugin's callers wait for it: ready (with its connection), starting (wait, up to a deadline), or
/// unavailable for a stated reason (quarantined, removed), when waiting is pointless.
final class ReadinessGate<Value: Sendable>: Sendable {
    enum Availability: Sendable {
        case ready(Value)
        case starting
        case unavailable(String)
    }

    private let queue = WaitQueue<Availability, Void, Availability>(.starting)

    /// How many callers are waiting (tests: an opener that must come after a caller is waiting).
    var waitingCallers: Int { queue.update { _, waiters in waiters.waiting } }
    /// When a start under way is due to be over: a restart's backoff and its start-up wait. A caller waits at least
    /// until then, so that a backoff longer than its own wait does not fail it before the plugin had a chance.
    private let readyBy = Mutex<ContinuousClock.Instant?>(nil)
    /// The most a caller waits beyond its own wait for a restart: a plugin configured with backoffs of minutes does
    /// not hold its callers (and, for a record resent alone, the plugin's other callers) that long. 30 s
    /// (`standardExtraWait`); tests that must outlast a starved thread pool give more.
    let longestExtraWait: Duration
    static var standardExtraWait: Duration { .seconds(30) }

    init(longestExtraWait: Duration = ReadinessGate.standardExtraWait) { self.longestExtraWait = longestExtraWait }

    var availability: Availability { queue.withState { $0 } }

    /// Sets the availability; waiters are answered unless the plugin is (still) starting.
    func set(_ availability: Availability) {
        queue.update { state, waiters in
            state = availability
            if case .starting = availability { return }
            waiters.resumeAll(with: .success(availability))
        }
    }

    /// Says when the start under way (or the restart after a backoff) is due to be over.
    func expectReady(by instant: ContinuousClock.Instant) {
        readyBy.withLock { $0 = instant }
    }

    /// The availability once it is not `starting`, or `starting` when `timeout` has passed and so has the time the
    /// start under way when the caller came was due to be over (`expectReady(by:)`), but no more than
    /// `longestExtraWait` beyond `timeout`. Only that start: a plugin that fails its start again and again does not
    /// keep a caller waiting from one backoff to the next. Throws `CancellationError` when the caller is cancelled
    /// first.
    func wait(timeout: Duration) async throws -> Availability {
        let now = ContinuousClock.now
        let due = max(now + timeout, min(readyBy.withLock { $0 } ?? now, now + timeout + longestExtraWait))
        return try await withThrowingTaskGroup(of: Availability?.self) { group in
            group.addTask {
                try await self.queue.wait { state in
                    if case .starting = state { return .wait }
                    return .now(state)
                }
            }
            group.addTask {
                try await Task.sleep(until: due)
                return nil
            }
            defer { group.cancelAll() }
            // The first to finish decides: the gate's answer, time up (nil), or the caller's cancellation.
            return try await group.next()! ?? .starting
        }
    }
}

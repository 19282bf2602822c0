import Foundation

/// The pace of one route, as a pure state machine: how many batches it may have in flight now, and when to look
/// again. It knows nothing of rows, sockets or clocks; the forwarder feeds it what happened and the time.
///
/// ```
/// delivering ──outage──▶ backingOff(n) ──time──▶ probing ──delivered──▶ delivering
///      ▲                      ▲                    │
///      │                      └──────outage────────┘ (n + 1)
///      └──delivered── paused ◀──misconfigured── (any state)
/// ```
///
/// - `delivering`: the receiver answers; `concurrency` batches at once.
/// - `backingOff`: an outage; nothing is sent until a full-jitter wait ends (or the receiver's pushback, if
///   longer).
/// - `probing`: the retry budget of a recovering receiver: one batch, and the backlog follows only once it is
///   delivered, so a receiver coming back is not met by every batch at once.
/// - `paused`: a configuration fault (our identity refused, the destination not who it must be). One probe
///   batch every `maxBackoff` finds out when an operator has fixed it; the status says why meanwhile.
struct RouteDeliveryStateMachine: Sendable, Hashable {
    enum State: Sendable, Hashable {
        case delivering
        case backingOff(failures: Int, until: Date, reason: String)
        case probing(failures: Int, reason: String)
        case paused(until: Date, reason: String)
    }

    /// What a batch's answer was, for the route (the rows are settled apart).
    enum BatchResult: Sendable, Hashable {
        /// The receiver answered every record (accepted, duplicate or refused for content).
        case answered
        /// An outage; `pushback` is the receiver's `grpc-retry-pushback-ms`, if it sent one.
        case outage(reason: String, pushback: Duration?)
        case misconfigured(reason: String)
    }

    private(set) var state: State = .delivering
    let policy: RetryPolicy
    let concurrency: Int

    init(policy: RetryPolicy, concurrency: Int) {
        self.policy = policy
        self.concurrency = concurrency
    }

    /// Batches that may be in flight at `now`; 0 means wait until `wakeAt`. Moves a wait that has ended to
    /// probing.
    mutating func allowance(at now: Date) -> Int {
        switch state {
        case .delivering: return concurrency
        case .probing: return 1
        case .backingOff(let failures, let until, let reason):
            guard now >= until else { return 0 }
            state = .probing(failures: failures, reason: reason)
            return 1
        case .paused(let until, let reason):
            guard now >= until else { return 0 }
            state = .probing(failures: 0, reason: reason)
            return 1
        }
    }

    /// When a waiting route may send again; nil when it may send now.
    var wakeAt: Date? {
        switch state {
        case .delivering, .probing: nil
        case .backingOff(_, let until, _), .paused(let until, _): until
        }
    }

    /// Feeds the answer of a batch sent at `now`. `unit` draws the jitter from [0, 1].
    mutating func record(_ result: BatchResult, at now: Date, unit: Double) {
        switch (result, state) {
        case (.answered, _):
            state = .delivering
        case (.misconfigured(let reason), _):
            state = .paused(until: now.addingTimeInterval(policy.maxBackoff.seconds), reason: reason)
        case (.outage(let reason, let pushback), .delivering),
            (.outage(let reason, let pushback), .paused):
            state = backingOff(failures: 1, reason: reason, pushback: pushback, now: now, unit: unit)
        case (.outage(let reason, let pushback), .probing(let failures, _)),
            (.outage(let reason, let pushback), .backingOff(let failures, _, _)):
            // Batches sent side by side fail together; each after the first extends the same wait only if it asks
            // for longer.
            state = backingOff(failures: failures + 1, reason: reason, pushback: pushback, now: now, unit: unit)
        }
    }

    private func backingOff(failures: Int, reason: String, pushback: Duration?, now: Date, unit: Double) -> State {
        var wait = policy.backoff(afterFailures: failures, unit: unit).seconds
        if let pushback { wait = max(wait, pushback.seconds) }
        var until = now.addingTimeInterval(wait)
        if case .backingOff(_, let current, _) = state, current > until { until = current }
        return .backingOff(failures: failures, until: until, reason: reason)
    }
}

import Synchronization

/// The plugin host's one waiting primitive: a state behind a lock, and the tasks waiting on it in order.
///
/// A waiter either takes what it needs at once, waits, or is refused (the queue is full: the caller sheds
/// load). A waiting task that is cancelled leaves the queue at once and gets `CancellationError`, so a caller
/// whose deadline passed never holds a place, and never gets a permit or a connection it no longer wants.
/// Whoever changes the state resumes waiters through `update`; continuations are resumed outside the lock.
/// A waiter may carry a `Ticket` (what it brought: records to translate), which an `update` can take with it
/// (`takeFirst`): the work on the ticket then goes on, and a taken waiter cancelled meanwhile still leaves at once
/// (its answer, when it comes, is dropped).
final class WaitQueue<State: Sendable, Ticket: Sendable, Value: Sendable>: Sendable {
    /// What a waiter does, decided under the lock.
    enum Decision {
        /// Takes this at once.
        case now(Value)
        /// Waits its turn.
        case wait
        /// Does not wait: this error instead.
        case refuse(any Error)
    }

    fileprivate typealias Waiter = (id: UInt64, ticket: Ticket, continuation: CheckedContinuation<Value, any Error>)
    private struct Storage: ~Copyable {
        var state: State
        var waiters: [Waiter] = []
        /// Waiters taken with their tickets and not yet resumed, by id.
        var taken: [UInt64: CheckedContinuation<Value, any Error>] = [:]
        var nextID: UInt64 = 0
    }

    /// The waiters an `update` resumes, and with what.
    struct Resumptions {
        fileprivate var pending: [(CheckedContinuation<Value, any Error>, Result<Value, any Error>)] = []
        fileprivate var waiters: [Waiter]
        fileprivate var taken: [Waiter] = []
        fileprivate let queue: WaitQueue

        /// How many tasks are waiting.
        var waiting: Int { waiters.count }

        /// Resumes the longest-waiting task with `value`; false if none waits.
        @discardableResult
        mutating func resumeFirst(with value: Value) -> Bool {
            guard !waiters.isEmpty else { return false }
            pending.append((waiters.removeFirst().continuation, .success(value)))
            return true
        }

        /// Takes the longest-waiting task out of the line, with its ticket: the caller resumes it later through
        /// `Taken.resume`. Cancelled before that, the task leaves at once with `CancellationError` (its ticket is
        /// not given back: the work on it is under way), and the later `resume` does nothing.
        mutating func takeFirst() -> Taken? {
            guard !waiters.isEmpty else { return nil }
            let waiter = waiters.removeFirst()
            taken.append(waiter)
            return Taken(id: waiter.id, ticket: waiter.ticket, queue: queue)
        }

        /// The ticket of the longest-waiting task.
        var firstTicket: Ticket? { waiters.first?.ticket }

        /// Resumes every waiting task with `result`.
        mutating func resumeAll(with result: Result<Value, any Error>) {
            for waiter in waiters { pending.append((waiter.continuation, result)) }
            waiters.removeAll()
        }
    }

    /// A waiter taken out of the line by `takeFirst`, resumed once: by `resume`, or by its own cancellation first.
    struct Taken: Sendable {
        fileprivate let id: UInt64
        let ticket: Ticket
        fileprivate let queue: WaitQueue
        func resume(with result: Result<Value, any Error>) {
            queue.storage.withLock { $0.taken.removeValue(forKey: id) }?.resume(with: result)
        }
    }

    private let storage: Mutex<Storage>
    /// Most tasks waiting at once; past it, `wait` refuses with `limitError`.
    let limit: Int
    private let limitError: @Sendable () -> any Error

    init(_ state: State, limit: Int = .max, limitError: @escaping @Sendable () -> any Error = { CancellationError() })
    {
        storage = Mutex(Storage(state: state))
        self.limit = limit
        self.limitError = limitError
    }

    /// Reads the state.
    func withState<R>(_ body: (State) -> R) -> R { storage.withLock { body($0.state) } }

    /// Tasks waiting now.
    var waiting: Int { storage.withLock { $0.waiters.count } }

    /// Changes the state and resumes waiters as `body` says.
    @discardableResult
    func update<R>(_ body: (inout State, inout Resumptions) -> R) -> R {
        let (result, pending) = storage.withLock { storage in
            var resumptions = Resumptions(waiters: storage.waiters, queue: self)
            let result = body(&storage.state, &resumptions)
            storage.waiters = resumptions.waiters
            for waiter in resumptions.taken { storage.taken[waiter.id] = waiter.continuation }
            return (result, resumptions.pending)
        }
        for (continuation, outcome) in pending { continuation.resume(with: outcome) }
        return result
    }

    /// Takes what `decide` gives at once, or waits until an `update` resumes this task. Throws
    /// `CancellationError` if the task is cancelled first (it then leaves the queue, or the work that took its
    /// ticket), or the decision's error.
    /// `enqueued` runs (outside the lock) once the task is in the queue, e.g. to start whoever will resume it;
    /// `left` runs under the lock when a cancelled task leaves the queue, to take back what it added to the
    /// state. `bounded: false` waits past `limit` (a caller that must not be shed).
    func wait(
        ticket: Ticket, bounded: Bool = true, _ decide: (inout State) -> Decision, enqueued: () -> Void = {},
        left: @escaping @Sendable (inout State, Ticket) -> Void = { _, _ in }
    ) async throws -> Value {
        let id = storage.withLock { storage in
            defer { storage.nextID += 1 }
            return storage.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                let now: Result<Value, any Error>? = storage.withLock { storage in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    switch decide(&storage.state) {
                    case .now(let value): return .success(value)
                    case .refuse(let error): return .failure(error)
                    case .wait:
                        guard !bounded || storage.waiters.count < limit else { return .failure(limitError()) }
                        storage.waiters.append((id, ticket, continuation))
                        return nil
                    }
                }
                guard let now else { return enqueued() }
                continuation.resume(with: now)
            }
        } onCancel: {
            let removed = storage.withLock { storage -> CheckedContinuation<Value, any Error>? in
                if let continuation = storage.taken.removeValue(forKey: id) { return continuation }
                guard let index = storage.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                let waiter = storage.waiters.remove(at: index)
                left(&storage.state, waiter.ticket)
                return waiter.continuation
            }
            removed?.resume(throwing: CancellationError())
        }
    }
}

extension WaitQueue where Ticket == Void {
    /// Waits without a ticket.
    func wait(bounded: Bool = true, _ decide: (inout State) -> Decision) async throws -> Value {
        try await wait(ticket: (), bounded: bounded, decide)
    }
}

import Foundation
import GRDB
import GovCaseCore
import Synchronization

/// Group commit: concurrent submits share durable commits.
///
/// A durable commit (an fsync) costs about as much as a few hundred rows, so one commit per call caps unary
/// ingest far below what the transport carries. Callers queue their cases; one writer at a time takes
/// everything queued, stores it in one transaction in queue order, and completes every caller's ticket after
/// the commit. A caller alone waits for one commit, as before; callers arriving during a commit share the
/// next one.
final class CommitQueue: Sendable {
    struct Job {
        var cases: [Case]
        var now: Date
        var ticket: CommitTicket
    }

    struct State {
        var waiting: [Job] = []
        var writing = false
    }

    let state = Mutex(State())
    /// Commits run here, off the cooperative thread pool, so a waiting fsync never holds a Swift task thread.
    let writer = DispatchQueue(label: "govcase.store.group-commit")
}

/// The outcome of queued cases, available once their transaction has committed.
public final class CommitTicket: Sendable {
    private enum State {
        case pending(CheckedContinuation<[Result<SubmitOutcome, any Error>], any Error>?)
        case done(Result<[Result<SubmitOutcome, any Error>], any Error>)
    }

    private let state = Mutex(State.pending(nil))

    init() {}

    /// Per-case results in input order, after the commit; throws if the transaction failed as a whole.
    public func results() async throws -> [Result<SubmitOutcome, any Error>] {
        try await withCheckedThrowingContinuation { continuation in
            let done: Result<[Result<SubmitOutcome, any Error>], any Error>? = state.withLock { state in
                switch state {
                case .done(let result): return result
                case .pending:
                    state = .pending(continuation)
                    return nil
                }
            }
            if let done { continuation.resume(with: done) }
        }
    }

    func complete(_ result: Result<[Result<SubmitOutcome, any Error>], any Error>) {
        let waiter = state.withLock { state in
            defer { state = .done(result) }
            if case .pending(let continuation) = state { return continuation }
            return nil
        }
        waiter?.resume(with: result)
    }
}

extension CaseStore {
    /// Queues `cases` for the next shared transaction and returns at once; the ticket gives their results
    /// after the commit. Cases queued earlier commit no later than cases queued after them, so a caller that
    /// queues in order keeps its order. Each case stands alone, as in `submit(batch:now:)`.
    public func enqueue(_ cases: [Case], now: Date) -> CommitTicket {
        let ticket = CommitTicket()
        let startWriter = queue.state.withLock { state in
            state.waiting.append(.init(cases: cases, now: now, ticket: ticket))
            defer { state.writing = true }
            return !state.writing
        }
        if startWriter { queue.writer.async { self.writeQueuedJobs() } }
        return ticket
    }

    /// Commits queued jobs, a group at a time, until none wait.
    private func writeQueuedJobs() {
        while true {
            let jobs = queue.state.withLock { state in
                defer { state.waiting = [] }
                if state.waiting.isEmpty { state.writing = false }
                return state.waiting
            }
            guard !jobs.isEmpty else { return }
            do {
                let results = try pool.write { db in
                    jobs.map { job in job.cases.map { c in submitAlone(c, now: job.now, db: db) } }
                }
                signalForwards()
                for (job, results) in zip(jobs, results) { job.ticket.complete(.success(results)) }
            } catch {
                for job in jobs { job.ticket.complete(.failure(error)) }
            }
        }
    }
}

import Foundation
import GovCaseCore
import Synchronization

/// Group commit: concurrent submits share durable commits.
///
/// A durable commit (an fsync) costs about as much as a few hundred rows, so one commit per call caps unary
/// ingest far below what the transport carries. Callers queue their new cases and follow-ups; one writer at a
/// time takes what is queued, stores it in one transaction in queue order (each record in a savepoint of its own,
/// so one refusal costs no other record), and completes every caller's ticket after the commit. A caller alone
/// waits for one commit, as before; callers arriving during a commit share the next one. A group takes at most
/// `maxRecordsPerCommit` records (whole calls; a larger call alone), so a backlog never makes one transaction
/// that holds the writer, and the first callers' answers, for as long as the backlog takes.
final class CommitQueue: Sendable {
    struct Job {
        var cases: [Case]
        var followUps: [QueuedFollowUp]
        var now: Date
        var ticket: CommitTicket
        var records: Int { cases.count + followUps.count }
    }

    struct State {
        var waiting: [Job] = []
        var writing = false
    }

    let state = Mutex(State())
    /// Commits run here, off the cooperative thread pool, so a waiting fsync never holds a Swift task thread.
    let writer = DispatchQueue(label: "govcase.store.group-commit")
    /// Shared transactions committed or failed so far (tests read it).
    let groups = Atomic<Int>(0)
    /// The most records one shared transaction takes.
    let maxRecordsPerCommit: Int
    /// On SQLite: a few fsyncs' worth of rows (a commit of 2,000 rows costs some 20 ms here), so the fsync stays
    /// shared and no group holds the writer for long.
    static let sqliteRecordsPerCommit = 2_000
    /// On PostgreSQL each record's statements are round trips made while the transaction holds the write lock
    /// every gateway on the database waits for: 200 records (a few hundred milliseconds) keep another gateway's
    /// wait far inside its statement timeout.
    static let postgresRecordsPerCommit = 200

    init(maxRecordsPerCommit: Int) { self.maxRecordsPerCommit = maxRecordsPerCommit }

    /// Takes the next group off the queue: jobs in order until the next would pass the bound (the first always).
    func nextGroup() -> [Job] {
        state.withLock { state in
            var records = 0
            var taken = 0
            for job in state.waiting {
                guard taken == 0 || records + job.records <= maxRecordsPerCommit else { break }
                records += job.records
                taken += 1
            }
            if taken == 0 { state.writing = false }
            defer { state.waiting.removeFirst(taken) }
            return Array(state.waiting.prefix(taken))
        }
    }
}

/// A follow-up queued for a group commit, with its caller's checks: `authorize` is called with the case it names
/// before anything is written (duplicates included; throw to refuse), `policy` gives a region's deadlines.
public struct QueuedFollowUp: Sendable {
    public var followUp: FollowUp
    public var sourceSystem: String
    public var authorize: @Sendable (Case) throws -> Void
    public var policy: @Sendable (String) -> DeadlinePolicy

    public init(
        _ followUp: FollowUp, sourceSystem: String, authorize: @escaping @Sendable (Case) throws -> Void = { _ in },
        policy: @escaping @Sendable (String) -> DeadlinePolicy
    ) {
        self.followUp = followUp
        self.sourceSystem = sourceSystem
        self.authorize = authorize
        self.policy = policy
    }
}

/// What one queued call's records came to, in the order queued.
public struct CommitOutcomes: Sendable {
    public var submits: [Result<SubmitOutcome, any Error>]
    public var followUps: [Result<FollowUpOutcome, any Error>]
}

/// The outcome of queued records, available once their transaction has committed.
public final class CommitTicket: Sendable {
    private enum State {
        case pending(CheckedContinuation<CommitOutcomes, any Error>?)
        case done(Result<CommitOutcomes, any Error>)
    }

    private let state = Mutex(State.pending(nil))

    init() {}

    /// Per-record results in queue order, after the commit; throws if the transaction failed as a whole.
    public func outcomes() async throws -> CommitOutcomes {
        try await withCheckedThrowingContinuation { continuation in
            let done: Result<CommitOutcomes, any Error>? = state.withLock { state in
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

    /// The new cases' results in input order, after the commit; throws if the transaction failed as a whole.
    public func results() async throws -> [Result<SubmitOutcome, any Error>] { try await outcomes().submits }

    func complete(_ result: Result<CommitOutcomes, any Error>) {
        let waiter = state.withLock { state in
            defer { state = .done(result) }
            if case .pending(let continuation) = state { return continuation }
            return nil
        }
        waiter?.resume(with: result)
    }
}

extension CaseStore {
    /// Queues `cases`, then `followUps`, for the next shared transaction and returns at once; the ticket gives
    /// their results after the commit. What is queued earlier commits no later than what is queued after it, so a
    /// caller that queues in order keeps its order, and a follow-up sees the cases queued before it. Each record
    /// stands alone, as in `submit(batch:now:)`; follow-ups are recorded at `now`.
    public func enqueue(_ cases: [Case], followUps: [QueuedFollowUp] = [], now: Date) -> CommitTicket {
        let ticket = CommitTicket()
        let startWriter = queue.state.withLock { state in
            state.waiting.append(.init(cases: cases, followUps: followUps, now: now, ticket: ticket))
            defer { state.writing = true }
            return !state.writing
        }
        if startWriter { queue.writer.async { self.writeQueuedJobs() } }
        return ticket
    }

    /// Commits queued jobs, a bounded group at a time, until none wait.
    private func writeQueuedJobs() {
        while true {
            let jobs = queue.nextGroup()
            guard !jobs.isEmpty else { return }
            queue.groups.add(1, ordering: .relaxed)
            do {
                let results = try engine.write { db in
                    jobs.map { job in
                        CommitOutcomes(
                            submits: job.cases.map { c in submitAlone(c, now: job.now, db: db) },
                            followUps: job.followUps.map { f in applyAlone(f, now: job.now, db: db) })
                    }
                }
                signalForwards()
                if results.contains(where: { $0.followUps.contains { (try? $0.get().events.isEmpty) == false } }) {
                    eventSignal.signal()
                }
                for (job, results) in zip(jobs, results) { job.ticket.complete(.success(results)) }
            } catch {
                for job in jobs { job.ticket.complete(.failure(error)) }
            }
        }
    }

    /// One queued follow-up in a savepoint of its own: a refusal undoes it alone.
    private func applyAlone(_ queued: QueuedFollowUp, now: Date, db: any StoreSession) -> Result<FollowUpOutcome, any Error> {
        do {
            var outcome: FollowUpOutcome!
            try db.savepoint {
                outcome = try apply(
                    queued.followUp, sourceSystem: queued.sourceSystem, recordedAt: now, authorize: queued.authorize,
                    policy: queued.policy, db: db)
            }
            return .success(outcome)
        } catch {
            return .failure(error)
        }
    }
}

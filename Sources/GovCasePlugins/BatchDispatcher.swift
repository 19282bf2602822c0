import Crypto
import Foundation
import GRPCCore
import GovCaseProto
import Logging
import SwiftProtobuf
import Synchronization

/// Takes records to one plugin: small requests share calls, at most `concurrency` batches are in flight, every
/// waiting line is bounded and drops callers who gave up; and failures stay with the records that cause them.
///
/// Each call's outcome is classified (`PluginCallOutcome`) and only the plugin's own failures reach its process
/// (`PluginSupervisor`): a missed call deadline or a lost connection ends that launch; a caller's cancellation
/// or deadline ends that caller's call and nothing else.
///
/// Failure isolation: a batch that loses its plugin is sent again record by record, each alone on the plugin
/// (`CallLimiter.withExclusiveAccess`), so a crash then is that record's own. A record that crashes the plugin
/// alone is poison: it fails with a reason that says so, its content digest is kept (`poisonRecords`, for
/// operators) so that sending it again fails at once, and the crashes it caused do not count toward the
/// plugin's quarantine. The others of its batch are translated as if it had never been there.
final class BatchDispatcher: Sendable {
    typealias Request = Govcase_Plugin_V1_TranslateRequest
    typealias Response = Govcase_Plugin_V1_TranslateResponse
    typealias Answer = Result<Response, PluginCallError>

    private unowned let supervisor: PluginSupervisor
    let limiter: CallLimiter
    private let coalescing: WaitQueue<CoalescingState, [Request], [Answer]>
    private let poison = Mutex(PoisonList())
    /// Launches that were sent a call whose caller gave up before the answer: the plugin may still be working on
    /// it, so a crash or a hang of such a launch convicts no record. The newest few launches are enough.
    private let abandoned = Mutex(Set<Int>())
    /// Whether the plugin has ever answered a batch: until it has, a record that crashes it alone proves nothing
    /// of the record (the plugin may crash on every record), and the crash counts as the plugin's.
    private let hasAnswered = Atomic<Bool>(false)
    private var manifest: PluginManifest { supervisor.manifest }
    private var pluginID: String { supervisor.manifest.id }

    private struct CoalescingState: Sendable {
        var senders = 0
        var queuedRecords = 0
    }

    /// How long a shed caller is asked to wait: a call deadline, when the queue ahead will have moved.
    var retryAfterMilliseconds: Int { min(manifest.callDeadlineMilliseconds, 1_000) }

    init(supervisor: PluginSupervisor) {
        self.supervisor = supervisor
        let manifest = supervisor.manifest
        let id = manifest.id
        let retryAfter = min(manifest.callDeadlineMilliseconds, 1_000)
        let shed: @Sendable () -> any Error = {
            PluginCallError(
                pluginID: id, reason: "too many batches wait for it", kind: .overloaded(retryAfterMilliseconds: retryAfter))
        }
        // Batches waiting for a permit: four rounds of the plugin's concurrency.
        limiter = CallLimiter(limit: manifest.concurrency, maxWaiting: max(16, 4 * manifest.concurrency), shed: shed)
        coalescing = WaitQueue(CoalescingState())
    }

    /// Forgets the poison records: an operator released the plugin, having fixed it.
    func forgetPoisonRecords() { poison.withLock { $0 = PoisonList() } }

    /// Records that crashed the plugin alone, newest last.
    var poisonRecords: [PoisonRecord] { poison.withLock { $0.records } }

    /// Most records waiting to share a call: four full batches per sending call.
    var maxQueuedRecords: Int { 4 * manifest.batchSize * coalescingCalls }

    /// Calls that carry queued small requests: the manifest's concurrency, but no more than twice the
    /// machine's cores (a translator is CPU-bound: more calls buy nothing, bigger batches do).
    var coalescingCalls: Int { min(manifest.concurrency, 2 * ProcessInfo.processInfo.activeProcessorCount) }

    // MARK: Translating

    /// One answer per request, in order.
    func translate(_ requests: [Request]) async -> [Answer] {
        guard !requests.isEmpty else { return [] }
        let size = manifest.batchSize
        if requests.count < size / 2 { return await coalesced(requests) }
        let batches = stride(from: 0, to: requests.count, by: size).map {
            Array(requests[$0..<min($0 + size, requests.count)])
        }
        guard batches.count > 1 else { return await isolating(requests) }
        return await withTaskGroup(of: (Int, [Answer]).self) { group in
            for (index, batch) in batches.enumerated() { group.addTask { (index, await self.isolating(batch)) } }
            var answers = [[Answer]](repeating: [], count: batches.count)
            for await (index, answer) in group { answers[index] = answer }
            return answers.flatMap { $0 }
        }
    }

    /// Small requests (a unary submit's one record) share calls: up to `coalescingCalls` calls are in flight,
    /// each taking every small request queued meanwhile (up to `batch_size` records). Idle, a request goes out at
    /// once; under load, calls carry several records and the per-call cost is shared. A caller cancelled while
    /// its records wait leaves the queue. One whose records are on a call already leaves at once too, and its
    /// answers are dropped: the call is shared, so it runs on in the plugin for the others (and even when every
    /// caller on it has gone: a caller's cancellation never ends a plugin's call others share).
    private func coalesced(_ requests: [Request]) async -> [Answer] {
        var startSender = false
        let maxQueued = maxQueuedRecords
        let retryAfter = retryAfterMilliseconds
        do {
            return try await coalescing.wait(
                ticket: requests,
                { state in
                    guard state.queuedRecords + requests.count <= maxQueued else {
                        return .refuse(
                            PluginCallError(
                                pluginID: pluginID, reason: "\(maxQueued) records wait for it already",
                                kind: .overloaded(retryAfterMilliseconds: retryAfter)))
                    }
                    state.queuedRecords += requests.count
                    if state.senders < coalescingCalls {
                        state.senders += 1
                        startSender = true
                    }
                    return .wait
                },
                enqueued: {
                    // A sender ends when the queue is empty; translations are pure, so it serves whoever waits
                    // and need not outlive anyone.
                    if startSender { Task { await self.sendQueued() } }
                },
                left: { state, ticket in state.queuedRecords -= ticket.count })
        } catch let error as PluginCallError {
            return requests.map { _ in .failure(error) }
        } catch {
            return requests.map { _ in .failure(cancelled()) }
        }
    }

    private func sendQueued() async {
        while true {
            let batchSize = manifest.batchSize
            let taken = coalescing.update { state, waiters -> [WaitQueue<CoalescingState, [Request], [Answer]>.Taken] in
                var taken: [WaitQueue<CoalescingState, [Request], [Answer]>.Taken] = []
                var records = 0
                while let next = waiters.firstTicket, taken.isEmpty || records + next.count <= batchSize {
                    let item = waiters.takeFirst()!
                    records += item.ticket.count
                    taken.append(item)
                }
                state.queuedRecords -= records
                if taken.isEmpty { state.senders -= 1 }
                return taken
            }
            // Records queued by callers who have since been cancelled left the queue, and took back their counts.
            guard !taken.isEmpty else { return }
            var answers = await isolating(taken.flatMap(\.ticket))[...]
            for item in taken {
                item.resume(with: .success(Array(answers.prefix(item.ticket.count))))
                answers = answers.dropFirst(item.ticket.count)
            }
        }
    }

    /// One batch, its records isolated if it loses the plugin.
    private func isolating(_ batch: [Request]) async -> [Answer] {
        var answers = [Answer?](repeating: nil, count: batch.count)
        var pending: [Int] = []
        for (index, request) in batch.enumerated() {
            if let known = poison.withLock({ $0.record(digest: Self.digest(of: request)) }) {
                answers[index] = .failure(poisoned(known))
            } else {
                pending.append(index)
            }
        }
        guard !pending.isEmpty else { return answers.map { $0! } }
        switch await attempt(pending.map { batch[$0] }) {
        case .success(let responses):
            for (index, response) in zip(pending, responses) { answers[index] = .success(response) }
        case .failure(let failure):
            guard failure.outcome.lostThePlugin, let launch = failure.launch else {
                for index in pending { answers[index] = .failure(failure.error) }
                break
            }
            // The plugin died or hung on this batch: each record again, alone on the plugin, so a crash or a hang
            // is its own.
            supervisor.logger.notice(
                "plugin lost during a batch; sending its records again one at a time",
                metadata: ["plugin.records": "\(pending.count)", "plugin.outcome": "\(failure.outcome)"])
            for index in pending {
                answers[index] = await alone(batch[index], crashedLaunch: launch)
            }
        }
        return answers.map { $0! }
    }

    /// A record suspected of crashing the plugin, sent with no other call in flight: a crash now is its own.
    private func alone(_ request: Request, crashedLaunch: Int) async -> Answer {
        // The same record twice in a batch, or from two callers at once: found poison by the first already.
        if let known = poison.withLock({ $0.record(digest: Self.digest(of: request)) }) {
            return .failure(poisoned(known))
        }
        let result: Result<[Response], AttemptFailure>
        let outOfMemoryKills = Mutex<UInt64?>(nil)
        do {
            result = try await limiter.withExclusiveAccess {
                // Read once the record has the plugin to itself, so that the window holds this call alone.
                outOfMemoryKills.withLock { $0 = KernelCounters.outOfMemoryKills() }
                return await attempt([request], holdingPermit: true)
            }
        } catch let error as PluginCallError {
            return .failure(error)
        } catch {
            return .failure(cancelled())
        }
        switch result {
        case .success(let responses): return .success(responses[0])
        case .failure(let failure):
            guard failure.outcome.lostThePlugin, let launch = failure.launch, hasAnswered.load(ordering: .relaxed)
            else {
                return .failure(failure.error)
            }
            // Only a launch lost to this record alone convicts it: the process exited by itself, hung past its own
            // call deadline, or was killed by the kernel's out-of-memory killer (its count of kills rose meanwhile:
            // an operator's SIGKILL convicts nothing). A stop, a removal or a lost connection the gateway ended
            // does not. Nor does any loss of a launch that still worked on a call its caller had abandoned: that
            // work, not this record, may have crashed it or held it past the deadline.
            let exit = await supervisor.exitCause(of: launch, within: .seconds(5))
            let before = outOfMemoryKills.withLock { $0 }
            let outOfMemory = KernelCounters.outOfMemoryKills().map { $0 > (before ?? .max) } ?? false
            guard let cause = exit?.poisonCause(outOfMemoryKillSeen: outOfMemory),
                !abandoned.withLock({ $0.contains(launch) })
            else {
                return .failure(failure.error)
            }
            let record = PoisonRecord(
                digest: Self.digest(of: request),
                recordType: String(request.record.typeURL.split(separator: "/").last ?? ""), at: Date(), cause: cause)
            guard poison.withLock({ $0.add(record) }) else { return .failure(poisoned(record)) }
            supervisor.poisonRecordFound(launches: [crashedLaunch, launch])
            supervisor.logger.error(
                "a record took the plugin down twice, the second time alone: it is held as a poison record",
                metadata: [
                    "plugin.poison_digest": "\(record.digest)", "record.type": "\(record.recordType)",
                    "plugin.poison_cause": "\(cause)",
                ])
            return .failure(poisoned(record))
        }
    }

    private func poisoned(_ record: PoisonRecord) -> PluginCallError {
        PluginCallError(
            pluginID: pluginID,
            reason: "this record (content digest \(record.digest)) \(record.cause.rawValue), the second time "
                + "alone; it is refused at once until the plugin is fixed and registered again "
                + "(`govcase adapters describe \(pluginID)` lists such records)",
            kind: .poisonRecord(digest: record.digest))
    }

    private func cancelled() -> PluginCallError {
        PluginCallError(pluginID: pluginID, reason: "the caller was cancelled or its deadline passed", kind: .cancelled)
    }

    /// A record's identity for the poison list: its type and bytes.
    static func digest(of request: Request) -> String {
        var hasher = SHA256()
        hasher.update(data: Data(request.record.typeURL.utf8))
        hasher.update(data: request.record.value)
        return hasher.finalize().prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: One attempt

    /// Why an attempt failed: the classified outcome and the error its callers get.
    struct AttemptFailure: Error {
        var outcome: PluginCallOutcome
        var error: PluginCallError
        /// The launch the batch went to, if it reached one.
        var launch: Int? = nil
    }

    /// Waits for the plugin (up to its start timeout, as long as a restart may take), then sends the batch
    /// under the call deadline, and classifies what happened. The process hears only of its own failures.
    func attempt(_ batch: [Request], route: PluginSupervisor.Route = .either, holdingPermit: Bool = false) async
        -> Result<[Response], AttemptFailure>
    {
        let ready: ReadyPlugin
        do {
            ready = try await readyPlugin()
        } catch let error as PluginCallError {
            return .failure(AttemptFailure(outcome: .notReady, error: error))
        } catch {
            return .failure(AttemptFailure(outcome: .callerCancelled, error: cancelled()))
        }
        let send = { await self.send(batch, to: ready, route: route) }
        let outcome: PluginCallOutcome
        if holdingPermit {
            outcome = await send()
        } else {
            do {
                outcome = try await limiter.withPermit { await send() }
            } catch let error as PluginCallError {
                return .failure(AttemptFailure(outcome: .notReady, error: error))
            } catch {
                return .failure(AttemptFailure(outcome: .callerCancelled, error: cancelled()))
            }
        }
        return await resolve(outcome, batch: batch, launch: ready.launch)
    }

    /// What an outcome means for the callers and for the process.
    private func resolve(_ outcome: PluginCallOutcome, batch: [Request], launch: Int) async
        -> Result<[Response], AttemptFailure>
    {
        let deadline = manifest.callDeadlineMilliseconds
        func failure(_ reason: String, _ kind: PluginCallError.Kind = .unavailable) -> Result<[Response], AttemptFailure>
        {
            .failure(
                AttemptFailure(
                    outcome: outcome, error: PluginCallError(pluginID: pluginID, reason: reason, kind: kind),
                    launch: launch))
        }
        switch outcome {
        case .answered(let responses, byStream: _):
            guard responses.count == batch.count else {
                return failure("it answered \(responses.count) results for \(batch.count) records", .failed)
            }
            return .success(responses)
        case .callerCancelled:
            return .failure(AttemptFailure(outcome: outcome, error: cancelled()))
        case .missedDeadline:
            supervisor.logger.error(
                "plugin missed its call deadline; killing it", metadata: ["plugin.call_deadline_ms": "\(deadline)"])
            supervisor.end(launch: launch, cause: .missedCallDeadline(milliseconds: deadline))
            return failure("no answer within \(deadline) ms (call_deadline_ms); restarting it")
        case .connectionLost(let why):
            // Usually the process died: its exit, with its own cause, comes within moments. Only a process that
            // still runs with its connection gone is the gateway's to kill.
            supervisor.retire(launch: launch)
            guard await supervisor.exitCause(of: launch, within: .seconds(1)) != nil else {
                // Still running: the status was the plugin's own answer (a handler that fails with UNAVAILABLE),
                // not a lost connection. The call failed; the process is left alone.
                supervisor.unretire(launch: launch)
                return .failure(
                    AttemptFailure(
                        outcome: .pluginError(.unavailable, why),
                        error: PluginCallError(pluginID: pluginID, reason: "the call failed: \(why)", kind: .failed),
                        launch: launch))
            }
            return failure("the call failed: its connection was lost (\(why)); restarting it")
        case .pluginError(let code, let message):
            return failure("the call failed: \(code): \(message)", .failed)
        case .brokeStreamRules(let why):
            return failure(why, .failed)
        case .routeUnavailable(let why):
            return failure(why, .failed)
        case .notReady:
            return failure("not ready")
        case .unclassified(let why):
            supervisor.logger.error("plugin call failed in a way not classified", metadata: ["error": "\(why)"])
            return failure("the call failed: \(why)", .failed)
        }
    }

    /// The plugin's connection, once it is ready; a `PluginCallError` if it does not become ready in time.
    private func readyPlugin() async throws -> ReadyPlugin {
        switch try await supervisor.gate.wait(timeout: manifest.startUpWait) {
        case .ready(let plugin): return plugin
        case .unavailable(let why):
            let quarantined = supervisor.statistics.state == .quarantined
            throw PluginCallError(
                pluginID: pluginID,
                reason: why
                    + (quarantined
                        ? "; an operator releases it with `govcase adapters release \(pluginID)` once it is fixed" : ""))
        case .starting:
            let s = supervisor.statistics
            throw PluginCallError(
                pluginID: pluginID,
                reason: "not ready within \(manifest.startUpWait) of its start (start_timeout_ms and 0.5 s; \(s.state.rawValue)"
                    + (s.lastError.isEmpty ? ")" : "; last error: \(s.lastError))"))
        }
    }

    /// Sends one batch on a stream or as a call, and says what happened. Never throws: every way it can end is
    /// a case of `PluginCallOutcome`.
    private func send(_ batch: [Request], to ready: ReadyPlugin, route: PluginSupervisor.Route) async
        -> PluginCallOutcome
    {
        let deadline = Duration.milliseconds(manifest.callDeadlineMilliseconds)
        let request = BatchRequest.with { $0.requests = batch }
        let started = ContinuousClock.now
        var outcome: PluginCallOutcome
        var byStream = false
        if route != .call, let streams = ready.streams, let stream = streams.checkOut() {
            byStream = true
            do {
                let answer = try await stream.exchange(request, deadline: deadline)
                outcome = .answered(answer.responses, byStream: true)
            } catch {
                outcome = PluginCallOutcome(error, callerCancelled: Task.isCancelled)
            }
            streams.checkIn(stream)
        } else if route == .stream {
            outcome = .routeUnavailable(
                ready.streams == nil
                    ? "it serves no TranslateStream (Describe's max_translate_streams is 0)"
                    : "every TranslateStream stream is busy")
        } else {
            do {
                let answer = try await ready.client.translateBatch(
                    request, options: .translation(timeout: deadline))
                outcome = .answered(answer.responses, byStream: false)
            } catch {
                outcome = PluginCallOutcome(error, callerCancelled: Task.isCancelled)
            }
        }
        if case .callerCancelled = outcome {
            abandoned.withLock { launches in
                launches.insert(ready.launch)
                launches = launches.filter { $0 > ready.launch - 16 }
            }
        }
        if case .answered = outcome {
            hasAnswered.store(true, ordering: .relaxed)
            supervisor.count(records: batch.count, byStream: byStream, elapsed: ContinuousClock.now - started)
        } else if case .callerCancelled = outcome {
        } else {
            supervisor.count(records: batch.count, byStream: byStream, elapsed: nil)
        }
        return outcome
    }
}

extension CallOptions {
    /// Options of a translation call or stream.
    static func translation(timeout: Duration?) -> CallOptions {
        var options = CallOptions.defaults
        options.timeout = timeout
        // No waiting for a connection that will not come back: a plugin's connection lost is its process
        // gone, and the call is better failed now and sent to the next launch.
        options.waitForReady = false
        // A batch's answers (up to `batch_size` cases) can exceed the default 4 MiB.
        options.maxResponseMessageBytes = 64 << 20
        options.maxRequestMessageBytes = 64 << 20
        return options
    }
}

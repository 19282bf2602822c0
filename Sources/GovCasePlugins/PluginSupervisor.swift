import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GovCaseProto
import Logging
import Subprocess
import SwiftProtobuf
import Synchronization
import SystemPackage

typealias PluginClient = Govcase_Plugin_V1_AdapterPluginService.Client<HTTP2ClientTransport.Posix>

/// A ready plugin: its client, its translation streams if it serves them, and which launch of the process it
/// talks to.
struct ReadyPlugin: Sendable {
    let client: PluginClient
    let streams: TranslationStreams?
    let launch: Int
}

/// Where a supervised plugin's manifest came from, for operators.
public struct ManifestOrigin: Sendable, Hashable {
    /// The manifest as written, YAML.
    public var yaml: String
    /// The file that declares it, in the configuration's plugins folder; `nil` when it was registered through
    /// the admin API (or kept from such a registration).
    public var file: String?

    public init(yaml: String, file: String? = nil) {
        self.yaml = yaml
        self.file = file
    }
}

/// Runs one plugin adapter and keeps it running: launches its executable, reads its handshake, checks its
/// health and Describe, and restarts it with exponential backoff and jitter when it exits. A plugin that
/// exits `restart.max_exits` times within `restart.window_seconds` is quarantined until `release()`.
///
/// Records reach it through `translate`, at most `concurrency` batches at once, each under the manifest's call
/// deadline: over the plugin's `TranslateStream` streams if it serves them (`TranslationStreams`), as
/// `TranslateBatch` calls otherwise; a plugin that misses a deadline is killed (and so restarted). A failed
/// batch is a `PluginCallError`: the records were not translated and nothing of them is stored, so the sender
/// may retry.
public final class PluginSupervisor: Sendable {
    public let manifest: PluginManifest
    /// The manifest's text and the file that declared it, when it came from a gateway's registry.
    public let origin: ManifestOrigin?
    /// The folder of the plugin's Unix domain sockets, which only the gateway's user can open. Each launch gets
    /// a socket of its own (`<id>-<launch>.sock`), so that nothing meant for a dead process reaches its successor.
    public let socketDirectory: String
    let logger: Logger
    let gate = ReadinessGate<ReadyPlugin>()
    let limiter: CallLimiter
    private let stats = Mutex(PluginStatistics())
    private let described = Mutex<Govcase_Plugin_V1_DescribeResponse?>(nil)
    /// Sends SIGKILL to the running process, with its launch number; set only while that process runs.
    private let killSwitch = Mutex<(launch: Int, kill: @Sendable () -> Void)?>(nil)
    private let launches = Mutex(0)
    private let releases: (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation)
    private let task = Mutex<Task<Void, Never>?>(nil)
    /// Small requests waiting for a call, and the calls sending them.
    typealias QueuedRequest = (
        requests: [Govcase_Plugin_V1_TranslateRequest],
        continuation: CheckedContinuation<[Govcase_Plugin_V1_TranslateResponse], any Error>
    )
    private struct Queue: ~Copyable {
        var pending: [QueuedRequest] = []
        var senders = 0
    }
    private let queue = Mutex(Queue())
    /// Why the current launch failed, if the gateway found out before the process exited.
    private let launchError = Mutex<String?>(nil)

    /// Lines of stderr logged per second at most; the rest are counted as dropped.
    static let stderrLinesPerSecond = 200

    public init(manifest: PluginManifest, socketDirectory: String, logger: Logger, origin: ManifestOrigin? = nil) {
        self.manifest = manifest
        self.origin = origin
        self.socketDirectory = socketDirectory
        var logger = logger
        logger[metadataKey: "plugin.id"] = "\(manifest.id)"
        self.logger = logger
        self.limiter = CallLimiter(limit: manifest.concurrency)
        self.releases = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// What an operator sees.
    public var statistics: PluginStatistics {
        var statistics = stats.withLock { $0 }
        if case .ready(let ready) = gate.availability { statistics.openStreams = ready.streams?.openCount ?? 0 }
        return statistics
    }

    /// What the plugin said of itself, once it has been ready.
    public var description: Govcase_Plugin_V1_DescribeResponse? { described.withLock { $0 } }

    /// Supervises the plugin until `stop()` or cancellation; then the process is sent SIGTERM and, after two
    /// seconds, SIGKILL.
    public func run() async {
        let task = Task { await self.supervise() }
        self.task.withLock { $0 = task }
        await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
    }

    /// Stops supervising: the process is stopped and records get UNAVAILABLE.
    public func stop() { task.withLock { $0?.cancel() } }

    /// Starts a quarantined plugin again, with its exit count cleared.
    public func release() throws(PluginCallError) {
        guard statistics.state == .quarantined else {
            throw PluginCallError(pluginID: manifest.id, reason: "it is not quarantined (\(statistics.state.rawValue))")
        }
        releases.continuation.yield()
    }

    /// Returns once the plugin is ready, or the reason it is not after `timeout`.
    public func waitUntilReady(timeout: Duration) async -> String? {
        switch await gate.wait(timeout: timeout) {
        case .ready: return nil
        case .unavailable(let why): return why
        case .starting:
            let last = statistics.lastError
            return "not ready within \(timeout)" + (last.isEmpty ? "" : ": \(last)")
        }
    }

    /// Waits until no call is in flight.
    public func waitUntilIdle() async { await limiter.waitUntilIdle() }

    // MARK: Supervision

    private func supervise() async {
        var releases = self.releases.stream.makeAsyncIterator()
        var exits: [ContinuousClock.Instant] = []
        let window = Duration.seconds(manifest.restart.windowSeconds)
        while !Task.isCancelled {
            let ended = await launchOnce()
            guard !Task.isCancelled else { break }
            gate.set(.starting)
            let now = ContinuousClock.now
            exits.append(now)
            exits.removeAll { now - $0 > window }
            let found = launchError.withLock { error in
                defer { error = nil }
                return error
            }
            let lastError = found.map { "\($0); \(ended)" } ?? ended
            stats.withLock {
                $0.pid = 0
                $0.lastError = lastError
            }
            logger.warning(
                "plugin stopped",
                metadata: ["plugin.error": "\(lastError)", "plugin.exits_in_window": "\(exits.count)"])
            if exits.count >= manifest.restart.maxExits {
                let reason =
                    "quarantined after \(exits.count) exits within \(manifest.restart.windowSeconds) s; last: \(lastError)"
                stats.withLock {
                    $0.state = .quarantined
                    $0.quarantineReason = reason
                }
                gate.set(
                    .unavailable(reason + "; an operator releases it with `govcase adapters release \(manifest.id)`"))
                logger.error("plugin quarantined", metadata: ["plugin.quarantine_reason": "\(reason)"])
                guard await releases.next() != nil, !Task.isCancelled else { break }
                logger.notice("plugin released from quarantine")
                exits.removeAll()
                stats.withLock { $0.quarantineReason = "" }
                gate.set(.starting)
            } else {
                stats.withLock { $0.state = .backingOff }
                try? await Task.sleep(for: backoff(afterExits: exits.count))
            }
            stats.withLock { $0.restarts += 1 }
        }
        stats.withLock {
            $0.state = .stopped
            $0.pid = 0
        }
        gate.set(.unavailable("adapter plugin \(manifest.id) is stopped (removed, or the gateway is stopping)"))
    }

    /// Exponential in the exits within the window, capped, with jitter so that plugins that failed together do
    /// not restart together.
    func backoff(afterExits exits: Int) -> Duration {
        let restart = manifest.restart
        let exponential = Double(restart.initialBackoffMilliseconds) * pow(2, Double(max(0, exits - 1)))
        let capped = min(exponential, Double(restart.maxBackoffMilliseconds))
        return .milliseconds(Int(capped * Double.random(in: 0.5...1.0)))
    }

    /// Runs the plugin's process once, until it exits; returns how it ended.
    private func launchOnce() async -> String {
        let launch = launches.withLock {
            $0 += 1
            return $0
        }
        let socketPath = socketDirectory + "/" + manifest.id + "-\(launch).sock"
        try? FileManager.default.removeItem(atPath: socketPath)
        defer { try? FileManager.default.removeItem(atPath: socketPath) }
        stats.withLock { $0.state = .starting }
        var options = PlatformOptions()
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))]
        do {
            let result = try await Subprocess.run(
                .path(FilePath(manifest.executable)), arguments: Arguments(manifest.arguments),
                environment: manifest.launchEnvironment(handshake: [
                    HandshakeEnvironment.cookieName: HandshakeEnvironment.cookieValue,
                    HandshakeEnvironment.socketName: socketPath,
                    HandshakeEnvironment.protocolVersionsName: ProtocolVersions.gateway.joined(separator: ","),
                ]),
                workingDirectory: manifest.workingDirectory.map { FilePath($0) }, platformOptions: options,
                input: .none, output: .sequence, error: .sequence
            ) { execution in
                let pid = execution.processIdentifier.value
                stats.withLock { $0.pid = pid }
                killSwitch.withLock { $0 = (launch, { try? execution.send(signal: .kill) }) }
                defer { killSwitch.withLock { $0 = nil } }
                logger.info("plugin launched", metadata: ["plugin.pid": "\(pid)"])
                await self.serve(
                    standardOutput: execution.standardOutput, standardError: execution.standardError,
                    socketPath: socketPath, launch: launch)
            }
            return "exited (\(result.terminationStatus))"
        } catch {
            return "could not be started: \(error)"
        }
    }

    /// One launch: reads stdout (the handshake) and stderr (the log) until the process closes them, and
    /// meanwhile connects to it and holds the connection.
    private func serve(
        standardOutput: SubprocessOutputSequence, standardError: SubprocessOutputSequence, socketPath: String,
        launch: Int
    ) async {
        let handshake = ReadinessGate<HandshakeLine>()
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.readStandardOutput(standardOutput, handshake: handshake, socketPath: socketPath)
                return true
            }
            group.addTask {
                await self.logStandardError(standardError)
                return true
            }
            group.addTask {
                await self.connect(after: handshake, socketPath: socketPath, launch: launch)
                return false
            }
            var outputsEnded = 0
            while let isOutput = await group.next() {
                if isOutput { outputsEnded += 1 }
                if outputsEnded == 2 { group.cancelAll() }
            }
        }
        gate.set(.starting)
    }

    private func readStandardOutput(
        _ output: SubprocessOutputSequence, handshake: ReadinessGate<HandshakeLine>, socketPath: String
    ) async {
        var handshaken = false
        func take(_ line: String) {
            guard !handshaken else {
                logger.warning(
                    "plugin wrote to stdout after its handshake; stdout is for the handshake only, log to stderr",
                    metadata: ["plugin.stdout": "\(line)"])
                return
            }
            handshaken = true
            do {
                let parsed = try HandshakeLine(parsing: line)
                try parsed.check(socketPath: socketPath, manifest: manifest, gatewayVersions: ProtocolVersions.gateway)
                handshake.set(.ready(parsed))
            } catch {
                handshake.set(.unavailable("handshake: \(error)"))
            }
        }
        await forEachLine(of: output, named: "stdout", take)
        if !handshaken { handshake.set(.unavailable("handshake: the plugin closed stdout without writing one")) }
    }

    private func logStandardError(_ output: SubprocessOutputSequence) async {
        var windowStart = ContinuousClock.now
        var logged = 0
        var dropped = 0
        func flushDropped() {
            guard dropped > 0 else { return }
            logger.warning(
                "plugin stderr lines dropped: it writes faster than \(Self.stderrLinesPerSecond) lines/s",
                metadata: ["plugin.stderr_dropped": "\(dropped)"])
            dropped = 0
        }
        func take(_ line: String) {
            let now = ContinuousClock.now
            if now - windowStart >= .seconds(1) {
                flushDropped()
                windowStart = now
                logged = 0
            }
            guard logged < Self.stderrLinesPerSecond else {
                // Counted at once, so operators see it; logged as one line per second of flood.
                dropped += 1
                stats.withLock { $0.stderrLinesDropped += 1 }
                return
            }
            logged += 1
            logger.info("\(line)", metadata: ["plugin.stream": "stderr"])
        }
        await forEachLine(of: output, named: "stderr", take)
        flushDropped()
    }

    /// Each line of one of the plugin's outputs, in bounded memory (`LineSplitter`), until it closes.
    private func forEachLine(
        of output: SubprocessOutputSequence, named name: String, _ take: (String) -> Void
    ) async {
        var splitter = LineSplitter()
        do {
            for try await buffer in output {
                for line in buffer.withUnsafeBytes({ splitter.feed($0) }) { take(line) }
            }
        } catch {
            logger.warning("plugin \(name) could not be read", metadata: ["error": "\(error)"])
        }
        if let rest = splitter.finish() { take(rest) }
    }

    /// Waits for the handshake, connects, checks health and Describe, then opens the gate and holds the
    /// connection until the launch ends. Any failure is recorded and the process killed.
    private func connect(after handshake: ReadinessGate<HandshakeLine>, socketPath: String, launch: Int) async {
        let startTimeout = Duration.milliseconds(manifest.startTimeoutMilliseconds)
        let started = ContinuousClock.now
        switch await handshake.wait(timeout: startTimeout) {
        case .ready: break
        case .starting:
            return fail(
                HandshakeError.timedOut(
                    milliseconds: manifest.startTimeoutMilliseconds, stage: "write its handshake line"
                ).description)
        case .unavailable(let why): return fail(why)
        }
        do {
            let transport = try HTTP2ClientTransport.Posix(
                target: .unixDomainSocket(path: socketPath), transportSecurity: .plaintext)
            try await withGRPCClient(transport: transport) { grpc in
                var options = CallOptions.defaults
                options.timeout = max(.milliseconds(100), startTimeout - (ContinuousClock.now - started))
                let health = try await Grpc_Health_V1_Health.Client(wrapping: grpc).check(
                    .with { $0.service = "" }, options: options)
                guard health.status == .serving else {
                    throw HandshakeError.protocolBroken("its health service says \(health.status), not SERVING")
                }
                let client = PluginClient(wrapping: grpc)
                let description = try await client.describe(
                    .with { $0.protocolVersions = ProtocolVersions.gateway }, options: options)
                try check(description)
                described.withLock { $0 = description }
                stats.withLock { $0.state = .ready }
                let streams =
                    description.maxTranslateStreams > 0
                    ? TranslationStreams(
                        client: client, limit: min(Int(description.maxTranslateStreams), manifest.concurrency))
                    : nil
                gate.set(.ready(ReadyPlugin(client: client, streams: streams, launch: launch)))
                logger.info(
                    "plugin ready",
                    metadata: [
                        "plugin.version": "\(description.version)",
                        "plugin.startup": "\(ContinuousClock.now - started)",
                    ])
                // Hold the connection (and the streams) for the life of this launch: the task is cancelled when
                // the process's output ends.
                await streams?.run()
                while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
            }
        } catch is CancellationError {
        } catch let error as RPCError where Task.isCancelled && error.code == .cancelled {
        } catch let error as HandshakeError {
            fail(error.description)
        } catch let error as RPCError {
            fail("while starting: \(error.code): \(error.message)")
        } catch {
            fail("while starting: \(error)")
        }
    }

    /// Describe must agree with the manifest: a plugin is what its manifest says.
    private func check(_ d: Govcase_Plugin_V1_DescribeResponse) throws(HandshakeError) {
        guard d.id == manifest.id else {
            throw .protocolBroken("Describe says id \"\(d.id)\"; the manifest says \"\(manifest.id)\"")
        }
        guard d.version == manifest.version else {
            throw .protocolBroken("Describe says version \(d.version); the manifest says \(manifest.version)")
        }
        let chosen = ProtocolVersions.common(gateway: ProtocolVersions.gateway, plugin: manifest.protocolVersions).last
        guard d.protocolVersion == chosen else {
            throw .versionMismatch(
                "Describe chose protocol \"\(d.protocolVersion)\"; the handshake agreed \(chosen ?? "none")")
        }
        guard Set(d.messageTypes) == Set(manifest.messageTypes) else {
            throw .protocolBroken(
                "Describe lists message types [\(d.messageTypes.joined(separator: ", "))]; the manifest lists "
                    + "[\(manifest.messageTypes.joined(separator: ", "))]")
        }
    }

    private func fail(_ why: String) {
        launchError.withLock { $0 = why }
        stats.withLock { $0.lastError = why }
        logger.error("plugin failed to start; stopping it", metadata: ["plugin.error": "\(why)"])
        kill()
    }

    /// Kills the running process (the supervisor then restarts it); with `launch`, only if that launch is
    /// still the one running.
    func kill(launch: Int? = nil) {
        killSwitch.withLock { running in
            guard let running, launch == nil || launch == running.launch else { return }
            running.kill()
        }
    }

    // MARK: Calls

    /// Translates records, in batches of the manifest's `batch_size`, answering one response per request in
    /// order, or throwing `PluginCallError` for the whole call.
    public func translate(_ requests: [Govcase_Plugin_V1_TranslateRequest]) async throws
        -> [Govcase_Plugin_V1_TranslateResponse]
    {
        let size = manifest.batchSize
        let batches = stride(from: 0, to: requests.count, by: size).map {
            Array(requests[$0..<min($0 + size, requests.count)])
        }
        if requests.count < size / 2 || requests.isEmpty { return try await coalesced(requests) }
        guard batches.count > 1 else { return try await call(requests) }
        return try await withThrowingTaskGroup(of: (Int, [Govcase_Plugin_V1_TranslateResponse]).self) { group in
            for (index, batch) in batches.enumerated() { group.addTask { (index, try await self.call(batch)) } }
            var answers = [[Govcase_Plugin_V1_TranslateResponse]](repeating: [], count: batches.count)
            for try await (index, answer) in group { answers[index] = answer }
            return answers.flatMap { $0 }
        }
    }

    /// How a batch reaches the plugin: as the gateway chooses (a stream if one is free, else a call), or only
    /// one way (the conformance kit checks that both answer alike).
    public enum Route: Sendable {
        case either, call, stream
    }

    /// One batch by `route`, as is: no coalescing, no second attempt. For the conformance kit.
    public func translateBatch(_ requests: [Govcase_Plugin_V1_TranslateRequest], route: Route) async throws
        -> [Govcase_Plugin_V1_TranslateResponse]
    {
        try await attempt(requests, route: route)
    }

    /// Small requests (a unary submit's one record) share calls: up to `coalescingCalls` calls are in flight,
    /// each taking every small request queued meanwhile (up to `batch_size` records). Idle, a request goes out at
    /// once; under load, calls carry several records and the per-call cost is shared.
    private func coalesced(_ requests: [Govcase_Plugin_V1_TranslateRequest]) async throws
        -> [Govcase_Plugin_V1_TranslateResponse]
    {
        try await withCheckedThrowingContinuation { continuation in
            let startSender = queue.withLock { queue -> Bool in
                queue.pending.append((requests, continuation))
                guard queue.senders < coalescingCalls else { return false }
                queue.senders += 1
                return true
            }
            // A sender ends when the queue is empty; translations are pure, so it need not outlive anyone.
            if startSender { Task { await self.sendQueued() } }
        }
    }

    /// Calls that carry queued small requests: the manifest's concurrency, but no more than twice the
    /// machine's cores (a translator is CPU-bound: more calls buy nothing, bigger batches do).
    var coalescingCalls: Int { min(manifest.concurrency, 2 * ProcessInfo.processInfo.activeProcessorCount) }

    private func sendQueued() async {
        while true {
            let taken = queue.withLock { queue -> [QueuedRequest]? in
                guard !queue.pending.isEmpty else {
                    queue.senders -= 1
                    return nil
                }
                var taken: [QueuedRequest] = []
                var records = 0
                while let first = queue.pending.first,
                    taken.isEmpty || records + first.requests.count <= manifest.batchSize
                {
                    taken.append(queue.pending.removeFirst())
                    records += first.requests.count
                }
                return taken
            }
            guard let taken else { return }
            do {
                var answers = try await call(taken.flatMap(\.requests))[...]
                for item in taken {
                    item.continuation.resume(returning: Array(answers.prefix(item.requests.count)))
                    answers = answers.dropFirst(item.requests.count)
                }
            } catch {
                for item in taken { item.continuation.resume(throwing: error) }
            }
        }
    }

    /// One batch. Translation is pure (plugin.proto), so a batch whose connection was lost before it was
    /// answered (the plugin died) is sent once more, to the restarted plugin: a plugin killed between batches
    /// costs the senders nothing, and one that dies on a batch dies on it twice before the batch is refused.
    private func call(_ batch: [Govcase_Plugin_V1_TranslateRequest]) async throws
        -> [Govcase_Plugin_V1_TranslateResponse]
    {
        do {
            return try await attempt(batch)
        } catch let error as PluginCallError where error.connectionLost {
            logger.notice("plugin connection lost during a call; restarting it and sending the batch again")
            retire(launch: error.launch)
            do {
                return try await attempt(batch)
            } catch let again as PluginCallError where again.connectionLost {
                retire(launch: again.launch)
                throw again
            }
        }
    }

    /// A launch whose connection was lost: its process is killed (a no-op if it died) and callers wait for the
    /// next one instead of finding the dead connection again. A newer launch, already ready, is left alone.
    private func retire(launch: Int) {
        if case .ready(let ready) = gate.availability, ready.launch == launch { gate.set(.starting) }
        kill(launch: launch)
    }

    /// Waits for the plugin (up to its start timeout, as long as a restart may take), then makes the call under
    /// the call deadline.
    private func attempt(_ batch: [Govcase_Plugin_V1_TranslateRequest], route: Route = .either) async throws
        -> [Govcase_Plugin_V1_TranslateResponse]
    {
        let deadline = Duration.milliseconds(manifest.callDeadlineMilliseconds)
        let ready: ReadyPlugin
        switch await gate.wait(timeout: .milliseconds(manifest.startTimeoutMilliseconds)) {
        case .ready(let plugin): ready = plugin
        case .unavailable(let why): throw PluginCallError(pluginID: manifest.id, reason: why)
        case .starting:
            let s = statistics
            throw PluginCallError(
                pluginID: manifest.id,
                reason: "not ready within \(manifest.startTimeoutMilliseconds) ms (\(s.state.rawValue)"
                    + (s.lastError.isEmpty ? ")" : "; last error: \(s.lastError))"))
        }
        let launch = ready.launch
        return try await limiter.withPermit {
            let options = CallOptions.translation(timeout: deadline)
            let started = ContinuousClock.now
            do {
                let request = BatchRequest.with { $0.requests = batch }
                let answer: BatchResponse
                let byStream: Bool
                if route != .call, let streams = ready.streams, let stream = streams.checkOut() {
                    defer { streams.checkIn(stream) }
                    byStream = true
                    answer = try await stream.exchange(request, deadline: deadline)
                } else {
                    guard route != .stream else {
                        throw PluginCallError(
                            pluginID: manifest.id,
                            reason: ready.streams == nil
                                ? "it serves no TranslateStream (Describe's max_translate_streams is 0)"
                                : "every TranslateStream stream is busy")
                    }
                    byStream = false
                    answer = try await ready.client.translateBatch(request, options: options)
                }
                guard answer.responses.count == batch.count else {
                    throw PluginCallError(
                        pluginID: manifest.id,
                        reason: "it answered \(answer.responses.count) results for \(batch.count) records")
                }
                let elapsed = ContinuousClock.now - started
                stats.withLock {
                    $0.calls += 1
                    if byStream { $0.streamBatches += 1 }
                    $0.records += UInt64(batch.count)
                    $0.callMicros +=
                        UInt64(elapsed.components.seconds * 1_000_000)
                        + UInt64(elapsed.components.attoseconds / 1_000_000_000_000)
                }
                return answer.responses
            } catch let error as PluginCallError {
                countFailure()
                throw error
            } catch let error as PluginStreamError {
                countFailure()
                throw PluginCallError(pluginID: manifest.id, reason: error.description)
            } catch let error as RPCError where error.code == .deadlineExceeded {
                countFailure()
                logger.error(
                    "plugin missed its call deadline; killing it",
                    metadata: ["plugin.call_deadline_ms": "\(manifest.callDeadlineMilliseconds)"])
                launchError.withLock { $0 = "missed its \(manifest.callDeadlineMilliseconds) ms call deadline" }
                kill(launch: launch)
                throw PluginCallError(
                    pluginID: manifest.id,
                    reason: "no answer within \(manifest.callDeadlineMilliseconds) ms (call_deadline_ms); restarting it"
                )
            } catch let error as RPCError {
                countFailure()
                var failure = PluginCallError(
                    pluginID: manifest.id, reason: "the call failed: \(error.code): \(error.message)")
                failure.connectionLost = error.code == .unavailable
                failure.launch = launch
                throw failure
            } catch {
                // The client's own errors (its connection stopped with the process): the plugin is gone.
                countFailure()
                var failure = PluginCallError(pluginID: manifest.id, reason: "the call failed: \(error)")
                failure.connectionLost = true
                failure.launch = launch
                throw failure
            }
        }
    }

    private func countFailure() {
        stats.withLock {
            $0.calls += 1
            $0.callErrors += 1
        }
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

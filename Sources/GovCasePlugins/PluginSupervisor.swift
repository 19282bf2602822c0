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

/// Runs one plugin adapter's process and keeps it running; knows nothing of records or callers.
///
/// The process's life is one `PluginProcess.StateMachine`: this type drives it (spawns, reads the handshake,
/// connects, kills, waits out backoffs) and reports its state. Each launch runs in its own session and process
/// group, signalled as a group, with a stdin pipe whose end tells the plugin the gateway is gone, and an
/// environment of `PluginManifest.inheritedEnvironment` and the manifest's own variables. A launch lasts as long
/// as its process (`ProcessExit`), not as long as its stdout.
///
/// Records reach the plugin through `dispatcher` (`BatchDispatcher`), which tells this type only what the
/// process did: missed its own deadline, lost its connection, or crashed on a record proven poison.
public final class PluginSupervisor: Sendable {
    public let manifest: PluginManifest
    /// The manifest's text and the file that declares it, when it came from a gateway's registry.
    public let origin: ManifestOrigin?
    /// The folder of the plugin's Unix domain sockets, which only the gateway's user can open.
    public let socketDirectory: String
    let logger: Logger
    let gate = ReadinessGate<ReadyPlugin>()
    /// Batches, callers and poison records: the other half of the job.
    var dispatcher: BatchDispatcher { _dispatcher.withLock { $0! } }
    private let _dispatcher = Mutex<BatchDispatcher?>(nil)
    private let machine: Mutex<PluginProcess.StateMachine<ContinuousClock.Instant>>
    private let stats = Mutex(PluginStatistics())
    private let described = Mutex<Govcase_Plugin_V1_DescribeResponse?>(nil)
    /// Signals the running launch's process group; set only while that launch's process runs.
    private let running = Mutex<(launch: Int, signal: @Sendable (Subprocess.Signal) -> Void)?>(nil)
    /// How recent launches ended, for a dispatcher that must know whether a record or an outsider killed one.
    /// The connection of a launch retired on a suspected connection loss, until its process is known to run on.
    private let retired = Mutex<ReadyPlugin?>(nil)
    private let exitCauses = WaitQueue<[Int: PluginProcess.ExitCause], Void, [Int: PluginProcess.ExitCause]>([:])
    private let controls: (stream: AsyncStream<Control>, continuation: AsyncStream<Control>.Continuation)
    private let task = Mutex<Task<Void, Never>?>(nil)
    /// Distinguishes this supervisor's sockets from those of any other supervisor of the same id (a plugin
    /// removed and registered again while the first still stops).
    private let instance: UInt64
    private static let instances = Atomic<UInt64>(0)
    /// Both outputs' lines logged per second at most; the rest are counted as dropped.
    private let outputLog = Mutex(OutputLogThrottle())

    private enum Control: Sendable {
        /// An operator released the quarantine (`StateMachine.requestRelease` accepted it).
        case released
    }

    public init(manifest: PluginManifest, socketDirectory: String, logger: Logger, origin: ManifestOrigin? = nil) {
        self.manifest = manifest
        self.origin = origin
        self.socketDirectory = socketDirectory
        var logger = logger
        logger[metadataKey: "plugin.id"] = "\(manifest.id)"
        self.logger = logger
        self.machine = Mutex(
            .init(maxExits: manifest.restart.maxExits, window: .seconds(manifest.restart.windowSeconds)))
        self.controls = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.instance = Self.instances.wrappingAdd(1, ordering: .relaxed).newValue
        _dispatcher.withLock { $0 = BatchDispatcher(supervisor: self) }
    }

    /// What an operator sees.
    public var statistics: PluginStatistics {
        var statistics = stats.withLock { $0 }
        let (state, lastExit) = machine.withLock { ($0.reported, $0.lastExit) }
        statistics.state = state
        if statistics.lastError.isEmpty, let lastExit { statistics.lastError = lastExit.description }
        if case .ready(let ready) = gate.availability { statistics.openStreams = ready.streams?.openCount ?? 0 }
        statistics.poisonRecords = dispatcher.poisonRecords
        return statistics
    }

    /// What the plugin said of itself, once it has been ready.
    public var description: Govcase_Plugin_V1_DescribeResponse? { described.withLock { $0 } }

    /// Supervises the plugin until `stop()` or cancellation; then the process group is sent SIGTERM and, after
    /// two seconds, SIGKILL.
    public func run() async {
        let task = Task { await self.supervise() }
        self.task.withLock { $0 = task }
        // A stop() between the two lines above found no task to cancel; the machine remembers it.
        if machine.withLock({ $0.reported == .stopped && $0.launches > 0 }) { task.cancel() }
        await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            self.stop()
        }
    }

    /// Stops supervising: the process is stopped and records get UNAVAILABLE.
    public func stop() {
        _ = machine.withLock { $0.stop() }
        task.withLock { $0?.cancel() }
    }

    /// Starts a quarantined plugin again, with its exit count cleared.
    ///
    /// The machine accepts one release per quarantine, under its lock: of two releases at once one wins and the
    /// other is refused, and no release is left waiting to free a later quarantine that no operator has seen.
    public func release() throws(PluginCallError) {
        let (accepted, state) = machine.withLock { ($0.requestRelease(), $0.reported) }
        guard accepted else {
            throw PluginCallError(
                pluginID: manifest.id,
                reason: state == .quarantined
                    ? "a release is already under way" : "it is not quarantined (\(state.rawValue))")
        }
        controls.continuation.yield(.released)
    }

    /// Returns once the plugin is ready, or the reason it is not after `timeout`.
    public func waitUntilReady(timeout: Duration) async -> String? {
        switch try? await gate.wait(timeout: timeout) {
        case .ready: return nil
        case .unavailable(let why): return why
        case .starting, nil:
            let last = statistics.lastError
            return "not ready within \(timeout)" + (last.isEmpty ? "" : ": \(last)")
        }
    }

    /// Waits until no call is in flight.
    public func waitUntilIdle() async { try? await dispatcher.limiter.waitUntilIdle() }

    // MARK: Supervision

    /// Drives the state machine: performs each action it returns until it says `finish`.
    private func supervise() async {
        var controls = self.controls.stream.makeAsyncIterator()
        var action = machine.withLock { $0.start() }
        // The backoff drawn when a launch ended, waited out by the `restart` that follows.
        var pause: Duration?
        while true {
            switch action {
            case .launch(let launch):
                stats.withLock { $0.lastError = "" }
                gate.expectReady(by: .now + manifest.startUpWait)
                let (status, spawnFailure) = await launchOnce(launch)
                action = machine.withLock {
                    $0.processExited(
                        launch: launch, status: "\(status.map { "\($0)" } ?? "not started")",
                        spawnFailure: spawnFailure, killedBySIGKILL: status == .signaled(SIGKILL), at: .now)
                }
                // When the restart is due, before anyone learns of the exit: a caller that waits for the plugin
                // from now on (a batch resent after the crash among them) waits for that restart.
                if case .restart(let exits) = action {
                    let drawn = backoff(afterExits: exits)
                    gate.expectReady(by: .now + drawn + manifest.startUpWait)
                    pause = drawn
                }
                gate.set(.starting)
                let cause = machine.withLock { $0.lastExit }
                if let cause {
                    exitCauses.update { causes, waiters in
                        causes[launch] = cause
                        causes = causes.filter { $0.key > launch - 16 }
                        waiters.resumeAll(with: .success(causes))
                    }
                }
                logger.warning(
                    "plugin stopped",
                    metadata: [
                        "plugin.launch": "\(launch)", "plugin.exit": "\(cause?.description ?? "")",
                        "plugin.exits_in_window": "\(machine.withLock { $0.exits.count })",
                    ])
                if case .restart = action { stats.withLock { $0.restarts += 1 } }
            case .restart(let exits):
                let wait = pause ?? backoff(afterExits: exits)
                pause = nil
                try? await Task.sleep(for: wait)
                action = Task.isCancelled ? machine.withLock { $0.stop() } : machine.withLock { $0.backoffElapsed() }
            case .quarantine(let reason):
                stats.withLock { $0.quarantineReason = reason }
                // The hint to release is added where an operator can act on it (`BatchDispatcher`): a plugin that
                // fails its registration is forgotten, and there is nothing to release.
                gate.set(.unavailable(reason))
                logger.error("plugin quarantined", metadata: ["plugin.quarantine_reason": "\(reason)"])
                guard await controls.next() != nil, !Task.isCancelled, let released = machine.withLock({ $0.release() })
                else {
                    action = machine.withLock { $0.stop() }
                    continue
                }
                logger.notice("plugin released from quarantine; its poison records are forgotten")
                dispatcher.forgetPoisonRecords()
                stats.withLock {
                    $0.quarantineReason = ""
                    $0.restarts += 1
                }
                action = released
            case .finish:
                gate.set(.unavailable("adapter plugin \(manifest.id) is stopped (removed, or the gateway is stopping)"))
                stats.withLock { $0.pid = 0 }
                return
            case .none, .kill, .terminate:
                // Only `launch`, `restart`, `quarantine` and `finish` come back from the events driven here; a
                // process still running when stop() came is torn down by the cancelled launch.
                assert(Task.isCancelled, "the plugin state machine answered \(action) to the supervisor's own event")
                action = .finish
            }
        }
    }

    /// Exponential in the exits within the window, capped, with jitter so that plugins that failed together do
    /// not restart together.
    func backoff(afterExits exits: Int) -> Duration {
        let restart = manifest.restart
        let exponential = Double(restart.initialBackoffMilliseconds) * pow(2, Double(max(0, exits - 1)))
        let capped = min(exponential, Double(restart.maxBackoffMilliseconds))
        return .milliseconds(Int(capped * Double.random(in: 0.5...1.0)))
    }

    /// The socket of one launch: unique to this supervisor and launch, and short (a Unix socket's path is at
    /// most 107 bytes).
    func socketPath(launch: Int) -> String { socketDirectory + "/\(instance)-\(launch).sock" }

    /// Runs the plugin's process once, until it exits; returns its status, or why it could not be spawned.
    private func launchOnce(_ launch: Int) async -> (status: TerminationStatus?, spawnFailure: String?) {
        let socketPath = socketPath(launch: launch)
        try? FileManager.default.removeItem(atPath: socketPath)
        defer { try? FileManager.default.removeItem(atPath: socketPath) }
        var options = PlatformOptions()
        // Its own session and process group: a signal reaches the plugin and every process it started.
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(2))]
        do {
            let result = try await Subprocess.run(
                .path(FilePath(manifest.executable)), arguments: Arguments(manifest.arguments),
                environment: manifest.launchEnvironment(handshake: [
                    HandshakeEnvironment.cookieName: HandshakeEnvironment.cookieValue,
                    HandshakeEnvironment.socketName: socketPath,
                    HandshakeEnvironment.protocolVersionsName: ProtocolVersions.gateway.joined(separator: ","),
                ]),
                workingDirectory: manifest.workingDirectory.map { FilePath($0) }, platformOptions: options,
                // A pipe the gateway holds open and never writes: its end (the gateway exited, however it
                // exited) tells the plugin to exit (plugin.proto, "Launch").
                input: .inputWriter, output: .sequence, error: .sequence
            ) { execution in
                let pid = execution.processIdentifier.value
                stats.withLock { $0.pid = pid }
                running.withLock { $0 = (launch, { try? execution.send(signal: $0, toProcessGroup: true) }) }
                defer { running.withLock { $0 = nil } }
                logger.info("plugin launched", metadata: ["plugin.pid": "\(pid)", "plugin.launch": "\(launch)"])
                await self.serve(
                    execution.standardOutput, execution.standardError, socketPath: socketPath, launch: launch,
                    processDescriptor: execution.processIdentifier.processDescriptor, pid: pid)
            }
            return (result.terminationStatus, nil)
        } catch {
            return (nil, "\(error)")
        }
    }

    /// One launch: reads stdout (the handshake) and stderr (the log), connects, and returns when the process
    /// exits; then the rest of its process group is killed.
    private func serve(
        _ standardOutput: SubprocessOutputSequence, _ standardError: SubprocessOutputSequence, socketPath: String,
        launch: Int, processDescriptor: CInt, pid: pid_t
    ) async {
        let handshake = ReadinessGate<HandshakeLine>()
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.readStandardOutput(standardOutput, handshake: handshake, socketPath: socketPath)
                return false
            }
            group.addTask {
                await self.forEachLine(of: standardError, named: "stderr") { self.log($0, from: "stderr") }
                return false
            }
            group.addTask {
                await self.connect(after: handshake, socketPath: socketPath, launch: launch)
                return false
            }
            group.addTask {
                do {
                    try await ProcessExit.wait(processDescriptor: processDescriptor, pid: pid)
                } catch {
                    // Cancelled: the gateway stops the plugin, and Subprocess's teardown (SIGTERM to the group,
                    // SIGKILL two seconds later) does the rest.
                    return true
                }
                // It exited by itself: a child it left behind holds nothing of the gateway's, and goes too (the
                // leader is not reaped before this body returns, so the group id is still its own).
                kill(-pid, SIGKILL)
                return true
            }
            while let exited = await group.next() {
                if exited { break }
            }
            group.cancelAll()
        }
    }

    private func readStandardOutput(
        _ output: SubprocessOutputSequence, handshake: ReadinessGate<HandshakeLine>, socketPath: String
    ) async {
        var handshaken = false
        await forEachLine(of: output, named: "stdout") { line in
            guard !handshaken else {
                return log(line, from: "stdout (after the handshake; stdout is for the handshake only)")
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
        if !handshaken { handshake.set(.unavailable("handshake: the plugin closed stdout without writing one")) }
    }

    /// Logs a line of the plugin's output within the throttle both outputs share.
    private func log(_ line: String, from stream: String) {
        let (admit, droppedReport) = outputLog.withLock { $0.admit(now: .now) }
        // Counted at once, so operators see it; logged as one line per second of flood.
        if !admit { stats.withLock { $0.stderrLinesDropped += 1 } }
        if let droppedReport {
            logger.warning(
                "plugin output lines dropped: it writes faster than \(OutputLogThrottle.linesPerSecond) lines/s",
                metadata: ["plugin.output_dropped": "\(droppedReport)"])
        }
        guard admit else { return }
        logger.info("\(line)", metadata: ["plugin.stream": "\(stream)"])
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
        } catch is CancellationError {
        } catch {
            logger.warning("plugin \(name) could not be read", metadata: ["error": "\(error)"])
        }
        if let rest = splitter.finish() { take(rest) }
    }

    /// Waits for the handshake, connects, checks health and Describe, then opens the gate and holds the
    /// connection until the launch ends. A failure ends the launch (`failedHandshake`).
    private func connect(after handshake: ReadinessGate<HandshakeLine>, socketPath: String, launch: Int) async {
        let startTimeout = Duration.milliseconds(manifest.startTimeoutMilliseconds)
        let started = ContinuousClock.now
        switch try? await handshake.wait(timeout: startTimeout) {
        case .ready: break
        case nil: return
        case .starting:
            return failHandshake(
                launch: launch,
                HandshakeError.timedOut(
                    milliseconds: manifest.startTimeoutMilliseconds, stage: "write its handshake line"
                ).description)
        case .unavailable(let why):
            // Stdout closed without a handshake usually means the process is exiting: let its exit, with its
            // status, be the cause (this task is cancelled when it comes).
            try? await Task.sleep(for: .milliseconds(500))
            guard !Task.isCancelled else { return }
            return failHandshake(launch: launch, why)
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
                guard machine.withLock({ $0.currentLaunch == launch }) else { return }
                _ = machine.withLock { $0.handshakeSucceeded(launch: launch) }
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
                // the process exits.
                await streams?.run()
                while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
            }
        } catch is CancellationError {
        } catch let error as RPCError where Task.isCancelled && error.code == .cancelled {
        } catch let error as HandshakeError {
            failHandshake(launch: launch, error.description)
        } catch let error as RPCError {
            failHandshake(launch: launch, "while starting: \(error.code): \(error.message)")
        } catch {
            failHandshake(launch: launch, "while starting: \(error)")
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

    private func failHandshake(launch: Int, _ why: String) {
        stats.withLock { $0.lastError = why }
        logger.error("plugin failed to start; stopping it", metadata: ["plugin.error": "\(why)"])
        end(launch: launch, cause: .failedHandshake(why))
    }

    // MARK: What the dispatcher reports and asks

    /// How `launch` ended, once it has (nil if that takes longer than `limit`).
    func exitCause(of launch: Int, within limit: Duration) async -> PluginProcess.ExitCause? {
        await withTaskGroup(of: PluginProcess.ExitCause?.self) { group in
            group.addTask {
                while true {
                    guard
                        let causes = try? await self.exitCauses.wait({ causes in
                            causes[launch] == nil ? .wait : .now(causes)
                        })
                    else { return nil }
                    if let cause = causes[launch] { return cause }
                }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
    }

    /// Ends `launch` for `cause` (the gateway kills it): a no-op if that launch is over or ending already.
    func end(launch: Int, cause: PluginProcess.ExitCause) {
        let action = machine.withLock { $0.gatewayEnds(launch: launch, cause: cause) }
        perform(action)
    }

    /// Callers stop finding `launch`'s connection: they wait for the next launch instead.
    func retire(launch: Int) {
        if case .ready(let ready) = gate.availability, ready.launch == launch {
            retired.withLock { $0 = ready }
            gate.set(.starting)
        }
    }

    /// `launch` was retired for a lost connection that was not one (the process runs on): callers find it again.
    func unretire(launch: Int) {
        guard let ready = retired.withLock({ $0.take() }), ready.launch == launch,
            machine.withLock({ $0.state == .ready(launch: launch) })
        else { return }
        gate.set(.ready(ready))
    }

    /// A record proven poison crashed these launches: their exits are the record's, not the plugin's.
    func poisonRecordFound(launches: [Int]) {
        let action = machine.withLock { $0.poisonRecordFound(launches: launches, at: .now) }
        perform(action)
    }

    private func perform(_ action: PluginProcess.Action) {
        guard case .kill(let launch) = action else { return }
        retire(launch: launch)
        running.withLock { running in
            guard let running, running.launch == launch else { return }
            running.signal(.kill)
        }
    }

    /// Counts a finished call for operators.
    func count(records: Int, byStream: Bool, elapsed: Duration?) {
        stats.withLock {
            $0.calls += 1
            guard let elapsed else {
                $0.callErrors += 1
                return
            }
            if byStream { $0.streamBatches += 1 }
            $0.records += UInt64(records)
            $0.callMicros +=
                UInt64(elapsed.components.seconds * 1_000_000)
                + UInt64(elapsed.components.attoseconds / 1_000_000_000_000)
        }
    }

    // MARK: Calls (forwarded to the dispatcher)

    /// Translates records: one result per request, in order. A record fails alone (`PluginCallError`): a
    /// batch that loses its plugin is sent again record by record, so only a record that crashes the plugin on
    /// its own fails for it.
    public func translate(_ requests: [Govcase_Plugin_V1_TranslateRequest]) async
        -> [Result<Govcase_Plugin_V1_TranslateResponse, PluginCallError>]
    {
        await dispatcher.translate(requests)
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
        try await dispatcher.attempt(requests, route: route).mapError(\.error).get()
    }
}

/// One budget of log lines per second for a plugin's stdout and stderr together: a chatty plugin costs the
/// gateway's log a line a second for what it drops, whichever output it floods.
struct OutputLogThrottle: Sendable {
    static let linesPerSecond = 200
    private var windowStart: ContinuousClock.Instant?
    private var logged = 0
    private var dropped = 0

    /// Whether to log a line now, and the count of lines dropped in the window that just ended, if any.
    mutating func admit(now: ContinuousClock.Instant) -> (admit: Bool, droppedReport: Int?) {
        var report: Int?
        if windowStart.map({ now - $0 >= .seconds(1) }) ?? true {
            if dropped > 0 { report = dropped }
            windowStart = now
            logged = 0
            dropped = 0
        }
        guard logged < Self.linesPerSecond else {
            dropped += 1
            return (false, report)
        }
        logged += 1
        return (true, report)
    }
}

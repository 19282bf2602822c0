/// One plugin's process over its life, as a pure state machine: each event returns what the driver
/// (`PluginSupervisor`) must do, and nothing here does I/O or reads a clock (instants come in with the events).
///
/// ```
/// launching ──handshake──▶ ready
///     │                      │
///     └─────gatewayEnds──────┴──▶ ending(cause) ──exited──▶ backingOff ──backoffElapsed──▶ launching
///     └──────────────exited (crashed)──────────────────────┘    or quarantined ──release──▶ launching
/// any ──stop──▶ stopping ──exited──▶ stopped
/// ```
///
/// Every exit carries its cause (`PluginProcess.ExitCause`). A caller's cancellation or deadline is not an
/// event here at all: it ends that caller's call, never the process. Exits the gateway caused for its own
/// reasons (stopping, removal) never count toward quarantine; exits that a record proven poison caused count
/// as poison records instead, with the same limit, so a plugin that crashes on every record is still
/// quarantined while one bad record does not take the plugin from every other sender.
public enum PluginProcess {
    /// Why a launch ended.
    public enum ExitCause: Sendable, Hashable, CustomStringConvertible {
        /// It exited on its own (a crash, or an exit the gateway did not ask for), with its status.
        case exited(String)
        /// Something outside the gateway sent it SIGKILL (an operator, the kernel's OOM killer). It is a record's
        /// doing only when the kernel counted an out-of-memory kill while that record was alone on the plugin.
        case killedFromOutside
        /// It could not be started at all (the executable failed to spawn).
        case couldNotStart(String)
        /// It failed its handshake (stdout line, health, Describe), or missed the start timeout.
        case failedHandshake(String)
        /// It did not answer a call within its own `call_deadline_ms`; the gateway killed it.
        case missedCallDeadline(milliseconds: Int)
        /// Its connection was lost while it still ran; the gateway killed it.
        case connectionLost(String)
        /// The gateway stopped it (stopping, or the plugin was removed). Never counted.
        case stopped

        /// Whether the exit counts toward quarantine: every exit the plugin caused, none the gateway caused.
        var countsTowardQuarantine: Bool {
            switch self {
            case .exited, .killedFromOutside, .couldNotStart, .failedHandshake, .missedCallDeadline, .connectionLost:
                true
            case .stopped: false
            }
        }

        /// How a record alone on the plugin took it down, when this exit of that launch convicts the record: the
        /// plugin's own failures do (a SIGKILL only when the kernel's out-of-memory killer was seen at work); the
        /// gateway's decisions other than a missed deadline do not.
        func poisonCause(outOfMemoryKillSeen: Bool) -> PoisonRecord.Cause? {
            switch self {
            case .exited: .crashed
            case .killedFromOutside: outOfMemoryKillSeen ? .killed : nil
            case .missedCallDeadline: .hung
            case .couldNotStart, .failedHandshake, .connectionLost, .stopped: nil
            }
        }

        public var description: String {
            switch self {
            case .exited(let status): "exited by itself (\(status))"
            case .killedFromOutside: "killed by SIGKILL from outside the gateway"
            case .couldNotStart(let why): "could not be started: \(why)"
            case .failedHandshake(let why): "failed its handshake: \(why); killed by the gateway"
            case .missedCallDeadline(let ms): "missed its \(ms) ms call deadline (call_deadline_ms); killed by the gateway"
            case .connectionLost(let why): "its connection was lost (\(why)); killed by the gateway"
            case .stopped: "stopped by the gateway"
            }
        }
    }

    /// Where the process is.
    enum State: Sendable, Hashable {
        /// Spawned (or being spawned) and not yet through its handshake.
        case launching(launch: Int)
        case ready(launch: Int)
        /// The gateway has decided to end this launch and sent SIGKILL; the exit is awaited.
        case ending(launch: Int, cause: ExitCause)
        case backingOff(lastExit: ExitCause)
        case quarantined(reason: String)
        /// `stop()` came while a process ran; its exit is awaited.
        case stopping
        case stopped
    }

    /// What the driver must do after an event.
    enum Action: Sendable, Hashable {
        case none
        /// Kill this launch's process group (SIGKILL).
        case kill(launch: Int)
        /// Terminate this launch's process group (SIGTERM, then SIGKILL), and do not start another.
        case terminate(launch: Int)
        /// Start launch number `launch`.
        case launch(Int)
        /// Wait, then send `backoffElapsed`. `exitsInWindow` sizes the exponential backoff.
        case restart(afterExitsInWindow: Int)
        /// Log it and wait for `release`.
        case quarantine(reason: String)
        /// The supervisor is done.
        case finish
    }
}

extension PluginProcess {
    /// The pure state machine. `Instant` is the clock's instant type (`ContinuousClock.Instant` when driven,
    /// anything `Comparable` in tests).
    struct StateMachine<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
        let maxExits: Int
        let window: Duration
        private(set) var state: State = .stopped
        private(set) var launches = 0
        /// Counted exits within the window: when, which launch, why.
        private(set) var exits: [(at: Instant, launch: Int)] = []
        /// Records proven poison within the window.
        private(set) var poisonRecords: [Instant] = []
        /// Launches whose exit a poison record caused, learned before or after the exit itself arrived.
        private var poisonLaunches: Set<Int> = []
        private(set) var lastExit: ExitCause?

        init(maxExits: Int, window: Duration) {
            self.maxExits = maxExits
            self.window = window
        }

        /// The current launch, if a process is (or is meant to be) running.
        var currentLaunch: Int? {
            switch state {
            case .launching(let launch), .ready(let launch), .ending(let launch, _): launch
            case .backingOff, .quarantined, .stopping, .stopped: nil
            }
        }

        /// Supervision begins.
        mutating func start() -> Action {
            // A stop that came before supervision began is kept: nothing is launched.
            guard !stopRequested else { return .finish }
            guard case .stopped = state, launches == 0 else { return .none }
            return nextLaunch()
        }

        /// `stop()` came; sticky, so that a start after it launches nothing.
        private var stopRequested = false

        private mutating func nextLaunch() -> Action {
            launches += 1
            state = .launching(launch: launches)
            return .launch(launches)
        }

        /// The launch passed its handshake, health check and Describe.
        mutating func handshakeSucceeded(launch: Int) -> Action {
            guard case .launching(launch) = state else { return .none }
            state = .ready(launch: launch)
            return .none
        }

        /// The gateway must end this launch for `cause` (handshake failed, a call deadline missed, the
        /// connection lost). Ignored for a launch that is not the current one, or already ending.
        mutating func gatewayEnds(launch: Int, cause: ExitCause) -> Action {
            switch state {
            case .launching(launch), .ready(launch):
                state = .ending(launch: launch, cause: cause)
                return .kill(launch: launch)
            default:
                return .none
            }
        }

        /// The launch's process exited (or could not be spawned: `cause` given). Decides: restart after a
        /// backoff, quarantine, or stop.
        mutating func processExited(
            launch: Int, status: String, spawnFailure: String? = nil, killedBySIGKILL: Bool = false, at now: Instant
        ) -> Action {
            let cause: ExitCause
            switch state {
            case .stopping:
                lastExit = .stopped
                state = .stopped
                return .finish
            case .ending(launch, let decided):
                cause = decided
            case .launching(launch), .ready(launch):
                cause =
                    spawnFailure.map(ExitCause.couldNotStart) ?? (killedBySIGKILL ? .killedFromOutside : .exited(status))
            default:
                return .none
            }
            lastExit = cause
            if let reason = quarantineOnExit {
                quarantineOnExit = nil
                state = .quarantined(reason: reason)
                return .quarantine(reason: reason)
            }
            if cause.countsTowardQuarantine && !poisonLaunches.contains(launch) {
                exits.append((now, launch))
            }
            forgetOld(now: now)
            if exits.count >= maxExits {
                let reason =
                    "quarantined after \(exits.count) exits within \(window.components.seconds) s; last: \(cause)"
                state = .quarantined(reason: reason)
                return .quarantine(reason: reason)
            }
            state = .backingOff(lastExit: cause)
            return .restart(afterExitsInWindow: exits.count)
        }

        /// A record was proven poison: it crashed `launches` (the launch it shared and the launch it had to
        /// itself). Those exits stop counting as the plugin's; the poison record counts instead.
        mutating func poisonRecordFound(launches: [Int], at now: Instant) -> Action {
            poisonLaunches.formUnion(launches)
            exits.removeAll { launches.contains($0.launch) }
            poisonRecords.append(now)
            forgetOld(now: now)
            guard poisonRecords.count >= maxExits else { return .none }
            let reason =
                "quarantined after \(poisonRecords.count) different records crashed it within "
                + "\(window.components.seconds) s"
            switch state {
            case .launching(let launch), .ready(let launch):
                state = .ending(launch: launch, cause: .stopped)
                // Its exit then lands in `ending`, and is turned into the quarantine below.
                quarantineOnExit = reason
                return .kill(launch: launch)
            case .backingOff:
                state = .quarantined(reason: reason)
                return .quarantine(reason: reason)
            case .ending:
                quarantineOnExit = reason
                return .none
            case .quarantined, .stopping, .stopped:
                return .none
            }
        }

        /// A quarantine decided while a process still ran (too many poison records).
        private var quarantineOnExit: String?

        /// The backoff after an exit has passed.
        mutating func backoffElapsed() -> Action {
            switch state {
            case .backingOff: return nextLaunch()
            // Quarantined while it backed off (poison records): the driver now waits for a release.
            case .quarantined(let reason): return .quarantine(reason: reason)
            case .stopped: return .finish
            default: return .none
            }
        }

        /// An operator asks to release the quarantined plugin: accepted once per quarantine (true), refused when
        /// it is not quarantined or a release is already on its way (false). The driver then sends `release`.
        mutating func requestRelease() -> Bool {
            guard case .quarantined = state, !releaseRequested else { return false }
            releaseRequested = true
            return true
        }

        private var releaseRequested = false

        /// An operator released the quarantined plugin: its exits and poison count start from zero.
        mutating func release() -> Action? {
            guard case .quarantined = state else { return nil }
            releaseRequested = false
            exits.removeAll()
            poisonRecords.removeAll()
            return nextLaunch()
        }

        /// Supervision ends: the running process, if any, is terminated.
        mutating func stop() -> Action {
            stopRequested = true
            switch state {
            case .launching(let launch), .ready(let launch), .ending(let launch, _):
                state = .stopping
                return .terminate(launch: launch)
            case .backingOff, .quarantined, .stopped:
                state = .stopped
                return .finish
            case .stopping:
                return .none
            }
        }

        private mutating func forgetOld(now: Instant) {
            exits.removeAll { $0.at.duration(to: now) > window }
            poisonRecords.removeAll { $0.duration(to: now) > window }
        }

        /// What an operator sees.
        var reported: PluginStatistics.State {
            switch state {
            case .launching, .ending: .starting
            case .ready: .ready
            case .backingOff: .backingOff
            case .quarantined: .quarantined
            case .stopping, .stopped: .stopped
            }
        }
    }
}

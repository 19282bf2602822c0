import Foundation
import Testing

@testable import GovCasePlugins

/// The plugin process's state machine alone: no process, no clock.
@Suite struct PluginProcessStateMachineTests {
    typealias Machine = PluginProcess.StateMachine<ContinuousClock.Instant>
    let t0 = ContinuousClock.now

    func at(_ seconds: Int) -> ContinuousClock.Instant { t0.advanced(by: .seconds(seconds)) }

    /// A machine whose first launch is ready.
    func ready(maxExits: Int = 3, window: Int = 60) -> Machine {
        var machine = Machine(maxExits: maxExits, window: .seconds(window))
        #expect(machine.start() == .launch(1))
        #expect(machine.handshakeSucceeded(launch: 1) == .none)
        #expect(machine.reported == .ready)
        return machine
    }

    @Test func aCrashRestartsAfterABackoffAndCounts() {
        var machine = ready()
        #expect(machine.processExited(launch: 1, status: "exited(1)", at: at(1)) == .restart(afterExitsInWindow: 1))
        #expect(machine.lastExit == .exited("exited(1)"))
        #expect(machine.reported == .backingOff)
        #expect(machine.backoffElapsed() == .launch(2))
        #expect(machine.reported == .starting)
    }

    /// Every cause the gateway decides is the exit's cause, whatever status the killed process reports.
    @Test(arguments: [
        PluginProcess.ExitCause.missedCallDeadline(milliseconds: 500), .failedHandshake("no line"),
        .connectionLost("unavailable"),
    ])
    func aKillByTheGatewayCarriesItsCause(cause: PluginProcess.ExitCause) {
        var machine = ready()
        #expect(machine.gatewayEnds(launch: 1, cause: cause) == .kill(launch: 1))
        // A second report for the same launch kills nothing more.
        #expect(machine.gatewayEnds(launch: 1, cause: .connectionLost("again")) == .none)
        #expect(machine.processExited(launch: 1, status: "signaled(9)", at: at(1)) == .restart(afterExitsInWindow: 1))
        #expect(machine.lastExit == cause)
    }

    @Test func aReportAboutAnOldLaunchIsIgnored() {
        var machine = ready()
        _ = machine.processExited(launch: 1, status: "exited(1)", at: at(1))
        _ = machine.backoffElapsed()
        _ = machine.handshakeSucceeded(launch: 2)
        #expect(machine.gatewayEnds(launch: 1, cause: .missedCallDeadline(milliseconds: 5)) == .none)
        #expect(machine.processExited(launch: 1, status: "exited(1)", at: at(2)) == .none)
        #expect(machine.reported == .ready)
    }

    @Test func exitsWithinTheWindowQuarantineAndReleaseStartsAfresh() {
        var machine = ready(maxExits: 3)
        for launch in 1...2 {
            #expect(machine.processExited(launch: launch, status: "exited(1)", at: at(launch)) != .none)
            #expect(machine.backoffElapsed() == .launch(launch + 1))
        }
        guard case .quarantine(let reason) = machine.processExited(launch: 3, status: "exited(1)", at: at(3)) else {
            Issue.record("not quarantined")
            return
        }
        #expect(reason.contains("3 exits within 60 s"))
        #expect(machine.reported == .quarantined)
        #expect(machine.release() == .launch(4))
        #expect(machine.exits.isEmpty)
    }

    @Test func exitsOutsideTheWindowAreForgotten() {
        var machine = ready(maxExits: 2, window: 10)
        _ = machine.processExited(launch: 1, status: "exited(1)", at: at(0))
        _ = machine.backoffElapsed()
        #expect(machine.processExited(launch: 2, status: "exited(1)", at: at(11)) == .restart(afterExitsInWindow: 1))
    }

    /// Stopping (removal, the gateway's own shutdown) never counts, and nothing restarts.
    @Test func stoppingTerminatesAndFinishes() {
        var machine = ready(maxExits: 1)
        #expect(machine.stop() == .terminate(launch: 1))
        #expect(machine.processExited(launch: 1, status: "signaled(15)", at: at(1)) == .finish)
        #expect(machine.reported == .stopped)
        #expect(machine.exits.isEmpty)
    }

    @Test func stoppingWhileBackingOffFinishesAtOnce() {
        var machine = ready()
        _ = machine.processExited(launch: 1, status: "exited(1)", at: at(1))
        #expect(machine.stop() == .finish)
        #expect(machine.backoffElapsed() == .finish)
    }

    /// The two crashes a poison record causes (the batch it shared, then alone) are the record's: they leave the
    /// plugin's count, whether the exit or the finding comes first.
    @Test func exitsAPoisonRecordCausedDoNotCount() {
        var machine = ready(maxExits: 2)
        #expect(machine.processExited(launch: 1, status: "exited(139)", at: at(1)) == .restart(afterExitsInWindow: 1))
        _ = machine.backoffElapsed()
        _ = machine.handshakeSucceeded(launch: 2)
        // The finding arrives before launch 2's exit.
        #expect(machine.poisonRecordFound(launches: [1, 2], at: at(2)) == .none)
        #expect(machine.exits.isEmpty)
        #expect(machine.processExited(launch: 2, status: "exited(139)", at: at(2)) == .restart(afterExitsInWindow: 0))
        _ = machine.backoffElapsed()
        #expect(machine.reported == .starting)
    }

    /// A plugin that crashes on every record is still quarantined: by the count of poison records.
    @Test func manyPoisonRecordsQuarantine() {
        var machine = ready(maxExits: 2)
        #expect(machine.poisonRecordFound(launches: [], at: at(1)) == .none)
        #expect(machine.poisonRecordFound(launches: [], at: at(2)) == .kill(launch: 1))
        guard case .quarantine(let reason) = machine.processExited(launch: 1, status: "signaled(9)", at: at(3)) else {
            Issue.record("not quarantined")
            return
        }
        #expect(reason.contains("2 different records crashed it"))
    }

    @Test func aReleaseOfAPluginNotQuarantinedIsRefused() {
        var machine = ready()
        #expect(machine.requestRelease() == false)
        #expect(machine.release() == nil)
    }

    /// Two operators release at once: one request is accepted, the other refused; and once released and
    /// quarantined again, the plugin waits for a new request (none is left over to free it unseen).
    @Test func oneReleasePerQuarantine() {
        var machine = ready(maxExits: 1)
        guard case .quarantine = machine.processExited(launch: 1, status: "exited(1)", at: at(1)) else {
            Issue.record("not quarantined")
            return
        }
        #expect(machine.requestRelease() == true)
        #expect(machine.requestRelease() == false)
        #expect(machine.release() == .launch(2))
        #expect(machine.requestRelease() == false)
        _ = machine.handshakeSucceeded(launch: 2)
        guard case .quarantine = machine.processExited(launch: 2, status: "exited(1)", at: at(2)) else {
            Issue.record("not quarantined again")
            return
        }
        #expect(machine.reported == .quarantined)
        #expect(machine.requestRelease() == true)
    }

    /// Which exits of a launch that had one record alone convict that record, and how it took the plugin down. A
    /// SIGKILL from outside convicts only when the kernel's out-of-memory killer was seen at work meanwhile.
    @Test(arguments: [
        (PluginProcess.ExitCause.exited("exited(6)"), false, PoisonRecord.Cause?.some(.crashed)),
        (.killedFromOutside, true, .killed), (.killedFromOutside, false, nil),
        (.missedCallDeadline(milliseconds: 500), false, .hung), (.connectionLost("closed"), true, nil),
        (.failedHandshake("no line"), false, nil), (.stopped, true, nil), (.couldNotStart("ENOENT"), false, nil),
    ])
    func anExitConvictsARecordAloneOnlyWhenThePluginFailedOnIt(
        cause: PluginProcess.ExitCause, outOfMemory: Bool, poison: PoisonRecord.Cause?
    ) {
        #expect(cause.poisonCause(outOfMemoryKillSeen: outOfMemory) == poison)
    }

    /// The kernel's count of out-of-memory kills, from the files Linux writes (vmstat, cgroup v2's memory.events,
    /// v1's memory.oom_control), and none where a file does not say; the memory cgroup's files found from
    /// /proc/self/cgroup in either version.
    @Test func theKernelsOutOfMemoryKillsAreRead() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vmstat-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try "pgfault 12\noom_kill 3\nnr_foll_pin_acquired 0\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(KernelCounters.outOfMemoryKills(in: file.path) == 3)
        try "low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\noom_group_kill 0\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(KernelCounters.outOfMemoryKills(in: file.path) == 2)
        try "pgfault 12\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(KernelCounters.outOfMemoryKills(in: file.path) == nil)
        #expect(KernelCounters.cgroupFiles("0::/system.slice/govcase.service\n") == [
            "/sys/fs/cgroup/system.slice/govcase.service/memory.events"
        ])
        #expect(KernelCounters.cgroupFiles("0::/\n") == ["/sys/fs/cgroup/memory.events"])
        #expect(KernelCounters.cgroupFiles("5:cpu,cpuacct:/a\n4:memory:/docker/x\n0::/\n") == [
            "/sys/fs/cgroup/memory/docker/x/memory.oom_control", "/sys/fs/cgroup/memory.events",
        ])
        #if os(Linux)
            #expect(KernelCounters.outOfMemoryKills() != nil, "this Linux kernel counts out-of-memory kills")
        #endif
    }

    /// Quarantined by poison records while it backed off: when the backoff ends, the driver is told to wait for a
    /// release, never to stop (the plugin stays registered and releasable).
    @Test func aQuarantineFoundWhileBackingOffIsKeptWhenTheBackoffEnds() {
        var machine = ready(maxExits: 5)
        _ = machine.processExited(launch: 1, status: "exited(6)", at: at(1))
        for second in 2...5 { #expect(machine.poisonRecordFound(launches: [], at: at(second)) == .none) }
        guard case .quarantine = machine.poisonRecordFound(launches: [], at: at(6)),
            case .quarantine = machine.backoffElapsed()
        else {
            Issue.record("not quarantined")
            return
        }
        #expect(machine.reported == .quarantined)
        #expect(machine.release() == .launch(2))
    }

    /// A stop that comes before supervision starts is kept: nothing is launched.
    @Test func aStopBeforeTheStartLaunchesNothing() {
        var machine = Machine(maxExits: 3, window: .seconds(60))
        #expect(machine.stop() == .finish)
        #expect(machine.start() == .finish)
        #expect(machine.launches == 0)
    }
}

import Foundation
import Testing

@testable import GovCasePlugins

/// Where a plugin's callers wait: a caller's start-up wait does not run out during a restart's backoff.
@Suite struct ReadinessGateTests {
    /// A plugin restarting after a backoff longer than a caller's wait: the caller waits for the restart, not only
    /// its own `timeout`, and gets the plugin once it is ready.
    @Test func aCallerWaitsOutARestartsBackoffLongerThanItsOwnWait() async throws {
        // The restart far off, and the cap on the extra wait above it: a full suite has held both cooperative
        // threads for up to a minute, and the caller's own tasks must outlast that to judge the gate at all.
        let gate = ReadinessGate<Int>(longestExtraWait: .seconds(600))
        gate.expectReady(by: .now + .seconds(600))
        // Opened from a thread of its own (a full suite has held both cooperative threads for a minute with its
        // synchronous tests, and an opener on the pool would run only after the caller's longest wait), 400 ms
        // after the caller is waiting: four times its own wait.
        let opener = Thread {
            while gate.waitingCallers == 0 { Thread.sleep(forTimeInterval: 0.005) }
            Thread.sleep(forTimeInterval: 0.4)
            gate.set(.ready(7))
        }
        opener.start()
        let started = ContinuousClock.now
        let answer = try await gate.wait(timeout: .milliseconds(100))
        guard case .ready(let value) = answer else {
            Issue.record("the caller gave up after \(ContinuousClock.now - started) with \(answer), during the backoff")
            return
        }
        #expect(value == 7)
        #expect(ContinuousClock.now - started >= .milliseconds(400), "it waited past its own 100 ms for the opener")
    }

    /// Past both its own wait and the time the start was due to be over, a caller is told the plugin is starting.
    @Test func aCallerGivesUpOnceTheStartWasDueToBeOver() async throws {
        let gate = ReadinessGate<Int>()
        gate.expectReady(by: .now + .milliseconds(300))
        let started = ContinuousClock.now
        guard case .starting = try await gate.wait(timeout: .milliseconds(50)) else {
            Issue.record("a gate nobody opened answered other than starting")
            return
        }
        #expect(ContinuousClock.now - started >= .milliseconds(300), "it waited until the start was due to be over")
        // A start due in the past leaves a caller its own wait.
        gate.expectReady(by: .now - .seconds(10))
        let again = ContinuousClock.now
        _ = try await gate.wait(timeout: .milliseconds(50))
        #expect(ContinuousClock.now - again >= .milliseconds(50))
    }
}

extension ReadinessGateTests {
    /// Only the start under way when the caller came: a restart announced later (the plugin failed its start
    /// again) does not keep a waiting caller from one backoff to the next.
    @Test func aLaterRestartDoesNotExtendACallerAlreadyWaiting() async throws {
        // A cap far above the later restart, so that a gate that let it apply would hold the caller 300 s.
        let gate = ReadinessGate<Int>(longestExtraWait: .seconds(600))
        gate.expectReady(by: .now + .milliseconds(200))
        // Announced from a thread of its own once the caller waits (for 10 s at most: a caller whose wait ended
        // before it was queued has nothing left to extend).
        let mover = Thread {
            let giveUp = ContinuousClock.now + .seconds(10)
            while gate.waitingCallers == 0, ContinuousClock.now < giveUp { Thread.sleep(forTimeInterval: 0.005) }
            gate.expectReady(by: .now + .seconds(300))
        }
        mover.start()
        let started = ContinuousClock.now
        guard case .starting = try await gate.wait(timeout: .milliseconds(50)) else {
            Issue.record("a gate nobody opened answered other than starting")
            return
        }
        // 300 s against 200 ms: a starved pool (up to a minute here) cannot blur them; 200 ms when it is not.
        #expect(ContinuousClock.now - started < .seconds(150), "the later restart's time did not apply to this caller")
    }
}

import Synchronization
import Testing

@testable import GovCasePlugins

/// The plugin host's one waiting primitive, and the call limiter on it: a full line sheds, and a cancelled waiter
/// leaves at once, giving back what it queued.
@Suite struct WaitQueueTests {
    struct Shed: Error {}

    @Test func aFullLineShedsAndACancelledWaiterLeavesGivingBackWhatItQueued() async throws {
        let queue = WaitQueue<Int, Int, Int>(0, limit: 1, limitError: { Shed() })
        let first = Task {
            try await queue.wait(
                ticket: 5, { queued in
                    queued += 5
                    return .wait
                }, left: { queued, ticket in queued -= ticket })
        }
        while queue.waiting == 0 { await Task.yield() }
        #expect(queue.withState { $0 } == 5)
        // The line holds one: the next is shed at once, and queues nothing.
        await #expect(throws: Shed.self) {
            try await queue.wait(ticket: 1, { _ in .wait })
        }
        first.cancel()
        await #expect(throws: CancellationError.self) { try await first.value }
        #expect(queue.waiting == 0)
        #expect(queue.withState { $0 } == 0, "the cancelled waiter took back its 5")
    }

    /// A coalesced caller whose records are already on a shared call: cancelled, it leaves at once (not when the
    /// call answers), and the call's later answer for it is dropped.
    @Test func aTakenWaiterCancelledLeavesAtOnceAndItsLateAnswerIsDropped() async throws {
        let queue = WaitQueue<Int, Int, Int>(0)
        let finished = Atomic<Bool>(false)
        let waiter = Task {
            defer { finished.store(true, ordering: .sequentiallyConsistent) }
            return try await queue.wait(ticket: 7, { _ in .wait })
        }
        while queue.waiting == 0 { await Task.yield() }
        let taken = try #require(queue.update { _, waiters in waiters.takeFirst() })
        #expect(taken.ticket == 7 && queue.waiting == 0)
        waiter.cancel()
        let leftBy = ContinuousClock.now.advanced(by: .seconds(5))
        while !finished.load(ordering: .sequentiallyConsistent), ContinuousClock.now < leftBy {
            try await Task.sleep(for: .milliseconds(5))
        }
        let leftAtOnce = finished.load(ordering: .sequentiallyConsistent)
        #expect(leftAtOnce, "the cancelled waiter left before its call answered")
        taken.resume(with: .success(42))  // the shared call's answer comes later: dropped, never a second resume
        await #expect(throws: CancellationError.self) { try await waiter.value }
        // A taken waiter not cancelled gets its answer.
        let kept = Task { try await queue.wait(ticket: 1, { _ in .wait }) }
        while queue.waiting == 0 { await Task.yield() }
        try #require(queue.update { _, waiters in waiters.takeFirst() }).resume(with: .success(5))
        #expect(try await kept.value == 5)
    }

    @Test func aCallerCancelledWhileWaitingForAPermitNeverGetsOne() async throws {
        let limiter = CallLimiter(limit: 1, maxWaiting: 4, shed: { Shed() })
        let (held, release) = AsyncStream<Void>.makeStream()
        let (entered, enter) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await limiter.withPermit {
                enter.yield()
                for await _ in held {}
            }
        }
        for await _ in entered { break }
        let ran = Task { try await limiter.withPermit { true } }
        while limiter.waiting == 0 { await Task.yield() }
        ran.cancel()
        await #expect(throws: CancellationError.self) { try await ran.value }
        release.finish()
        try await holder.value
        // The permit went back to the limiter, not to the cancelled caller: a new caller gets it.
        #expect(try await limiter.withPermit { true })
    }
}

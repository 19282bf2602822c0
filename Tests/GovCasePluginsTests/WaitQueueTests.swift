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

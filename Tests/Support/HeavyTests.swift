import Foundation
import Synchronization
import Testing

/// Tests that start gateways, plugins, kits or many TLS connections of their own (`@Suite(.heavy)`) run a few at
/// a time, while every other test runs as wide as Swift Testing likes.
///
/// Why: `swift test` starts every test of every target at once, in one process. On CI's two cores that meant
/// some 20 suites each starting gateway and plugin processes in the same seconds; tests that judge time from
/// outside (a handshake timeout, a retry's pause, a start-up wait) then saw the machine's load, not the code
/// (four such failures in one CI run, none of them reproducible alone). Bounding them keeps the run about as
/// long, since two cores do the same work either way, and makes what each test measures its own.
///
/// `GOVCASE_HEAVY_TESTS` sets the width (default 4).
public struct HeavyTestTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    /// Test cases take a place; a suite itself does not (its tests do, one by one).
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> HeavyTestTrait? {
        testCase == nil ? nil : self
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        await HeavyTestGate.shared.enter()
        defer { HeavyTestGate.shared.leave() }
        try await function()
    }
}

extension Trait where Self == HeavyTestTrait {
    /// Runs among at most `GOVCASE_HEAVY_TESTS` (default 4) heavy tests at a time; see `HeavyTestTrait`.
    public static var heavy: HeavyTestTrait { HeavyTestTrait() }
}

/// A counting semaphore in first-come order. Tests are never cancelled while they wait here (Swift Testing does
/// not cancel a run's tests), so it has no cancellation path.
final class HeavyTestGate: Sendable {
    static let shared = HeavyTestGate(
        width: ProcessInfo.processInfo.environment["GOVCASE_HEAVY_TESTS"].flatMap(Int.init).map { max($0, 1) } ?? 4)

    private struct State {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(width: Int) { state = Mutex(State(free: width)) }

    func enter() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = state.withLock { state -> Bool in
                guard state.free > 0 else {
                    state.waiting.append(continuation)
                    return false
                }
                state.free -= 1
                return true
            }
            if admitted { continuation.resume() }
        }
    }

    func leave() {
        // A place freed goes straight to the first waiter, so a newcomer cannot overtake it.
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.free += 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}

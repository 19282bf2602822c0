import Foundation
import Synchronization

extension CaseStore {
    /// Runs one of the store's blocking methods (a read, or a write and its fsync) on one of the store's lanes,
    /// and suspends the caller until it returns.
    ///
    /// Swift's cooperative pool has one thread per core (two here): a handler that called SQLite directly would
    /// hold one for the whole read or fsync, and a few concurrent audited reads would stall every other task of
    /// the gateway, health checks included. The pool's readers and its single writer still bound how much runs
    /// at once.
    public func call<T: Sendable>(_ body: @escaping @Sendable (CaseStore) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let lane = lanes[nextLane.wrappingAdd(1, ordering: .relaxed).oldValue % lanes.count]
            lane.async { continuation.resume(with: Result { try body(self) }) }
        }
    }
}

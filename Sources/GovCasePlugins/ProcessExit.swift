import Dispatch
import Foundation
import Synchronization

/// Waits for a process to end, as the kernel reports it: a pidfd turns readable when its process terminates,
/// whatever the process did with its stdout and stderr (a plugin may close both and keep running, or exit while
/// a child it started holds them open). A launch's life follows this, never pipe EOF.
enum ProcessExit {
    /// Returns when the process of `processDescriptor` (a pidfd) has terminated, or, where the kernel gives no
    /// pidfd (-1), when `pid` no longer exists. Throws `CancellationError` when cancelled first.
    static func wait(processDescriptor: CInt, pid: pid_t) async throws {
        guard processDescriptor >= 0 else { return try await poll(pid: pid) }
        let descriptor = dup(processDescriptor)
        guard descriptor >= 0 else { return try await poll(pid: pid) }
        let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: .global())
        let continuation = Mutex<CheckedContinuation<Void, any Error>?>(nil)
        source.setCancelHandler { close(descriptor) }
        defer { source.cancel() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (waiting: CheckedContinuation<Void, any Error>) in
                continuation.withLock { $0 = waiting }
                source.setEventHandler {
                    continuation.withLock { $0.take() }?.resume()
                }
                source.activate()
                if Task.isCancelled { continuation.withLock { $0.take() }?.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            continuation.withLock { $0.take() }?.resume(throwing: CancellationError())
        }
    }

    /// The fallback for kernels before 5.3: the process is gone once signal 0 cannot reach it.
    private static func poll(pid: pid_t) async throws {
        while kill(pid, 0) == 0 || errno != ESRCH { try await Task.sleep(for: .milliseconds(200)) }
    }
}

import GRPCCore
import Synchronization

/// Ends every call whose deadline (`grpc-timeout`) passes.
///
/// grpc-swift signals that through the RPC's cancellation handle, not by cancelling the handler's task
/// (`ServerContext.RPCCancellationHandle`): a handler waiting on a request stream, as `SubmitStream` does
/// between a client's messages, would keep the call open long after its deadline (the conformance kit's
/// `receiver.deadline.honoured` found it still open 10 s after a 300 ms one). Here the handler's work runs in
/// a task that the deadline's cancellation cancels, and the call ends DEADLINE_EXCEEDED. What the work
/// committed stays committed: an acknowledgement is only sent after its commit, and a record whose
/// acknowledgement the deadline swallowed comes back as a DUPLICATE on the client's retry.
struct CancellationInterceptor: ServerInterceptor {
    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        // No deadline, nothing to enforce: the call runs as it is, without a task of its own.
        guard
            let deadline = request.metadata[stringValues: "grpc-timeout"].first(where: { _ in true })
                .flatMap(Self.timeout(fromHeader:)).map({ ContinuousClock.now + $0 })
        else { return try await next(request, context) }
        // A unary handler does its work here; a streaming one, in the producer below. `cancellable` awaits its
        // task to the end, so `next` does not outlive this call.
        var response = try await withoutActuallyEscaping(next) { next in
            try await Self.cancellable(deadline) { try await next(request, context) }
        }
        if case .success(var contents) = response.accepted {
            let producer = contents.producer
            contents.producer = { writer in try await Self.cancellable(deadline) { try await producer(writer) } }
            response.accepted = .success(contents)
        }
        return response
    }

    /// How early before the deadline this interceptor computed a cancellation still counts as the deadline's.
    static let deadlineTolerance = Duration.milliseconds(100)

    /// `work` in a task of its own, cancelled when the RPC is cancelled at its deadline (or the caller's task is
    /// cancelled). Other cancellations of the RPC (the client resets the stream, the gateway drains) are left to
    /// the handlers, which end their streams normally on them (`WatchCaseEvents`, health's `Watch`).
    static func cancellable<Result: Sendable>(
        _ deadline: ContinuousClock.Instant, _ work: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        let task = Task { try await work() }
        let expired = Atomic(false)
        let outcome = await withTaskCancellationHandler {
            await withRPCCancellationHandler {
                await task.result
            } onCancelRPC: {
                // grpc-swift's own timer started a moment before this interceptor read the header, so it fires a
                // little before `deadline`: a cancellation that close to it is the deadline's.
                guard ContinuousClock.now + deadlineTolerance >= deadline else { return }
                expired.store(true, ordering: .relaxed)
                task.cancel()
            }
        } onCancel: {
            task.cancel()
        }
        // Past its deadline, whatever the work made of it (an error, or a request stream that looked finished)
        // is not the call's outcome.
        if expired.load(ordering: .relaxed) {
            throw RPCError(
                code: .deadlineExceeded, message: "the call's deadline (grpc-timeout) passed before it ended")
        }
        return try outcome.get()
    }

    /// A `grpc-timeout` header's duration: at most 8 digits and a unit (H, M, S, m, u, n), per the gRPC over
    /// HTTP/2 specification; nil when malformed.
    static func timeout(fromHeader value: String) -> Duration? {
        guard let unit = value.last, (2...9).contains(value.count), let amount = Int64(value.dropLast()), amount >= 0
        else { return nil }
        switch unit {
        case "H": return .seconds(amount * 3_600)
        case "M": return .seconds(amount * 60)
        case "S": return .seconds(amount)
        case "m": return .milliseconds(amount)
        case "u": return .microseconds(amount)
        case "n": return .nanoseconds(amount)
        default: return nil
        }
    }
}

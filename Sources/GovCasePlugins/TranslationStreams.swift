import GRPCCore
import GovCaseProto
import NIOCore
import NIOPosix
import Synchronization

typealias BatchRequest = Govcase_Plugin_V1_TranslateBatchRequest
typealias BatchResponse = Govcase_Plugin_V1_TranslateBatchResponse

/// The `TranslateStream` streams held open to one launch of a plugin that serves them (plugin.proto). A batch
/// takes an idle stream, or opens one while fewer than `limit` are open; each stream carries one batch at a
/// time, so answers need no correlation. A single-record submit then costs a message each way on an open
/// stream instead of a call's setup and teardown in both processes, which was most of the plugin's work for a
/// small batch (BENCHMARKS.md, the plugin path).
final class TranslationStreams: Sendable {
    private let client: PluginClient
    /// Most streams open at once: what the plugin says it serves, and no more than the manifest's concurrency.
    let limit: Int
    private let streams = Mutex<(idle: [TranslationStream], open: Int)>(([], 0))
    private let opened:
        (stream: AsyncStream<TranslationStream>, continuation: AsyncStream<TranslationStream>.Continuation)

    init(client: PluginClient, limit: Int) {
        self.client = client
        self.limit = limit
        self.opened = AsyncStream.makeStream()
    }

    /// Runs the streams until the task is cancelled (the launch ends); then each stream ends, and a batch
    /// waiting on one gets the error that ended it.
    func run() async {
        defer { opened.continuation.finish() }
        await withDiscardingTaskGroup { group in
            for await stream in opened.stream {
                group.addTask {
                    await stream.run(on: self.client)
                    self.streams.withLock { $0.open -= 1 }
                }
            }
        }
    }

    /// Streams open now.
    var openCount: Int { streams.withLock { $0.open } }

    /// An idle stream, or a new one; nil if `limit` streams are busy (the batch then goes as a call).
    func checkOut() -> TranslationStream? {
        let taken = streams.withLock { streams -> (stream: TranslationStream, isNew: Bool)? in
            while let last = streams.idle.popLast() {
                if last.isOpen { return (last, false) }
            }
            guard streams.open < limit else { return nil }
            streams.open += 1
            return (TranslationStream(), true)
        }
        guard let taken else { return nil }
        if taken.isNew {
            guard case .enqueued = opened.continuation.yield(taken.stream) else {
                // The launch is ending: no stream; the call will find out why.
                streams.withLock { $0.open -= 1 }
                return nil
            }
        }
        return taken.stream
    }

    /// Gives a stream back after its batch; one that ended is dropped.
    func checkIn(_ stream: TranslationStream) {
        guard stream.isOpen else { return }
        streams.withLock { $0.idle.append(stream) }
    }
}

/// One `TranslateStream` call: batches go out one at a time; each answer goes to the batch waiting for it.
final class TranslationStream: Sendable {
    private enum State {
        case open(waiting: CheckedContinuation<BatchResponse, any Error>?, deadline: Scheduled<Void>?)
        case ended(any Error)
    }
    private let state = Mutex(State.open(waiting: nil, deadline: nil))
    private let outgoing: (stream: AsyncStream<BatchRequest>, continuation: AsyncStream<BatchRequest>.Continuation)

    init() { outgoing = AsyncStream.makeStream() }

    var isOpen: Bool {
        state.withLock {
            if case .open = $0 { return true }
            return false
        }
    }

    /// Holds the call open until the plugin ends it, the connection fails, or the task is cancelled.
    func run(on client: PluginClient) async {
        do {
            // No timeout on the stream itself: each batch has its own deadline.
            try await client.translateStream(options: .translation(timeout: nil)) { writer in
                for await batch in self.outgoing.stream { try await writer.write(batch) }
            } onResponse: { response in
                for try await answer in response.messages { try self.deliver(answer) }
            }
            end(with: PluginStreamError.endedByPlugin)
        } catch {
            // Cancelled: the launch is over, its process gone or going; the batch may go to the next launch.
            end(
                with: Task.isCancelled ? RPCError(code: .unavailable, message: "the plugin's connection closed") : error
            )
        }
    }

    func exchange(_ batch: BatchRequest, deadline: Duration) async throws -> BatchResponse {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let failure = state.withLock { state -> (any Error)? in
                    switch state {
                    case .ended(let error): return error
                    case .open(.some, _): return PluginStreamError.busy
                    case .open(.none, _):
                        // Cheap on an event loop; cancelled when the answer comes.
                        let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(
                            in: .nanoseconds(
                                Int64(deadline.components.seconds) * 1_000_000_000
                                    + deadline.components.attoseconds / 1_000_000_000)
                        ) { [self] in
                            end(with: RPCError(code: .deadlineExceeded, message: "no answer on the stream in time"))
                        }
                        state = .open(waiting: continuation, deadline: timer)
                        return nil
                    }
                }
                if let failure { return continuation.resume(throwing: failure) }
                outgoing.continuation.yield(batch)
            }
        } onCancel: {
            end(with: CancellationError())
        }
    }

    private func deliver(_ answer: BatchResponse) throws {
        let waiting = state.withLock { state -> CheckedContinuation<BatchResponse, any Error>? in
            guard case .open(let waiting, let deadline) = state else { return nil }
            deadline?.cancel()
            state = .open(waiting: nil, deadline: nil)
            return waiting
        }
        guard let waiting else { throw PluginStreamError.unaskedAnswer }
        waiting.resume(returning: answer)
    }

    /// Ends the stream: the batch waiting, if any, gets `error`, and so does any batch sent to it later.
    private func end(with error: any Error) {
        let waiting = state.withLock { state -> CheckedContinuation<BatchResponse, any Error>? in
            guard case .open(let waiting, let deadline) = state else { return nil }
            deadline?.cancel()
            state = .ended(error)
            return waiting
        }
        outgoing.continuation.finish()
        waiting?.resume(throwing: error)
    }
}

/// Why a stream failed a batch: the plugin broke the stream's rules (plugin.proto, `TranslateStream`), or, for
/// `busy`, the gateway did (a stream carries one batch at a time; `TranslationStreams` keeps to it).
enum PluginStreamError: Error, CustomStringConvertible {
    case endedByPlugin
    case unaskedAnswer
    case busy

    var description: String {
        switch self {
        case .endedByPlugin: "it ended a translation stream while the gateway held it open"
        case .unaskedAnswer: "it answered on a translation stream when no batch was waiting"
        case .busy: "a translation stream was given a second batch before the first was answered"
        }
    }
}

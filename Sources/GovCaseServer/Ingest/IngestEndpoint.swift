import Foundation
import GRPCCore
import GovCasePolicy
import GovCaseProto
import SwiftProtobuf
import Synchronization

/// A record as it arrives: the adapter it is for, and its source message or why it cannot be read.
struct IncomingRecord: Sendable {
    var adapterID: String
    var message: Result<any SwiftProtobuf.Message, RPCError>

    /// A record of a typed service, whose `oneof` may be unset.
    static func typed(_ adapterID: String, _ message: (any SwiftProtobuf.Message)?) -> IncomingRecord {
        IncomingRecord(
            adapterID: adapterID,
            message: message.map { .success($0) }
                ?? .failure(RPCError(code: .invalidArgument, message: "record: no record is set")))
    }
}

/// Unary, client-streaming and bidirectional ingest, shared by every ingest service.
struct IngestEndpoint: Sendable {
    let pipeline: IngestPipeline
    /// Most records one batch message may carry.
    let maxBatchRecords: Int
    /// Largest request message, bytes.
    let maxMessageBytes: Int
    /// The bytes of messages in flight, gateway-wide and per connection.
    let budget: IngestBudget

    /// A message's size on the wire (`Sized`), checked: RESOURCE_EXHAUSTED, with both sizes, for a message over
    /// the limit. The transport resets streams whose messages exceed a hard cap set above this limit; below the cap
    /// the caller gets this clear error.
    func checkSize(_ size: Int) throws -> Int {
        guard size <= maxMessageBytes else {
            throw RPCError(
                code: .resourceExhausted,
                message: "the message is \(size) bytes; at most \(maxMessageBytes) are allowed")
        }
        return size
    }

    func caller(_ context: ServerContext) throws -> CallerIdentity { try RequestCaller.resolved() }

    /// One record of `bytes` on the wire: the ack if stored (or a duplicate), otherwise the error with its own
    /// status code. Its bytes are held in the budget until it is answered; past the budget it is shed.
    func unary(_ record: IncomingRecord, bytes: Int, context: ServerContext) async throws
        -> Govcase_Gateway_V1_RecordAck
    {
        let caller = try caller(context)
        let ack = try await budget.withAccount(connection: context.remotePeer) { account in
            _ = try account.reserve(bytes)
            return await pipeline.ingest(
                [.init(adapterID: record.adapterID, message: record.message, index: 0)], caller: caller)[0]
        }
        guard ack.outcome == .rejected else { return ack }
        let code = Status.Code(rawValue: Int(ack.errorCode)).flatMap(RPCError.Code.init) ?? .invalidArgument
        guard ack.hasRejection else { throw RPCError(code: code, message: ack.errorMessage) }
        let detail = ack.rejection.violations.map { "\($0.field): \($0.rule): \($0.message)" }.joined(separator: "; ")
        throw ack.rejection.refusal(code, message: detail.isEmpty ? ack.errorMessage : detail)
    }

    /// Batches on a client stream: pipelined like `stream`; the summary comes at the end.
    func batch<Batch: SwiftProtobuf.Message>(
        _ requests: RPCAsyncSequence<Sized<Batch>, any Error>, context: ServerContext,
        records: @Sendable @escaping (Batch) -> [IncomingRecord]
    ) async throws -> Govcase_Gateway_V1_BatchSummary {
        let summary = Mutex(Govcase_Gateway_V1_BatchSummary())
        try await pipelined(requests, context: context, records: records) { acks in
            summary.withLock { summary in
                for ack in acks {
                    switch ack.outcome {
                    case .accepted: summary.accepted += 1
                    case .duplicate: summary.duplicates += 1
                    default: summary.rejected += 1
                    }
                    if BatchSummaryBound.lists(ack, listed: summary.acks.count) {
                        summary.acks.append(ack)
                    } else {
                        summary.acksOmitted += 1
                    }
                }
            }
        }
        return summary.withLock { $0 }
    }

    /// Batches on a bidirectional stream: one acknowledgement message per batch, in order, after its commit.
    func stream<Batch: SwiftProtobuf.Message>(
        _ requests: RPCAsyncSequence<Sized<Batch>, any Error>, response: RPCWriter<Govcase_Gateway_V1_StreamAcks>,
        context: ServerContext,
        records: @Sendable @escaping (Batch) -> [IncomingRecord]
    ) async throws {
        try await pipelined(requests, context: context, records: records) { acks in
            try await response.write(.with { $0.acks = acks })
        }
    }

    /// How far a stream reads ahead: the next message is read while earlier ones commit (their cases share
    /// commits). Two messages in flight whatever their size (one commits while the next is translated); more, up
    /// to `pipelineWindow`, only while those in flight total under `streamWindowBytes`: small messages still fill
    /// shared commits, and a stream of largest messages holds two (8 MiB), not 32 (128 MiB). HTTP/2 flow control
    /// holds the sender beyond it. Every message in flight is also held in the `IngestBudget`.
    static let pipelineWindow = 32
    static let streamWindowBytes = 1 << 20

    /// Whether a stream with `messages` totalling `bytes` in flight must wait for an acknowledgement before it
    /// reads its next message.
    static func windowIsFull(messages: Int, bytes: Int) -> Bool {
        messages >= 2 && (messages >= pipelineWindow || bytes >= streamWindowBytes)
    }

    /// Reads a stream's messages and translates each in a task of its own, so that several messages are
    /// translated at once (a plugin adapter's round trip overlaps the next message's); a sequencer queues
    /// their cases for the shared commits in message order (a later revision never commits before an
    /// earlier one); a third task delivers acknowledgements in message order as commits complete. A failing
    /// message ends the stream with its error after the acknowledgements of the messages before it. A message's
    /// bytes are held in the budget from its read to its acknowledgement; one the budget cannot hold is shed
    /// (RESOURCE_EXHAUSTED) and ends the stream so; whatever the stream still holds when it ends, however it ends,
    /// is released (`IngestBudget.withAccount`).
    private func pipelined<Batch: SwiftProtobuf.Message>(
        _ requests: RPCAsyncSequence<Sized<Batch>, any Error>, context: ServerContext,
        records: @Sendable @escaping (Batch) -> [IncomingRecord],
        deliver: @Sendable @escaping ([Govcase_Gateway_V1_RecordAck]) async throws -> Void
    ) async throws {
        let caller = try caller(context)
        try await budget.withAccount(connection: context.remotePeer) { account in
            try await pipelined(requests, caller: caller, account: account, records: records, deliver: deliver)
        }
    }

    private func pipelined<Batch: SwiftProtobuf.Message>(
        _ requests: RPCAsyncSequence<Sized<Batch>, any Error>, caller: CallerIdentity, account: IngestBudget.Account,
        records: @Sendable @escaping (Batch) -> [IncomingRecord],
        deliver: @Sendable @escaping ([Govcase_Gateway_V1_RecordAck]) async throws -> Void
    ) async throws {
        let (translating, toSequencer) = AsyncStream<Translating>.makeStream()
        let (prepared, toAcker) = AsyncStream<(IngestPipeline.Prepared, Held)>.makeStream()
        let (credits, toReader) = AsyncStream<Int>.makeStream()
        let pipeline = self.pipeline
        try await withThrowingTaskGroup { group in
            group.addTask {
                // Queues each message's cases in message order, once its translation is done.
                defer { toAcker.finish() }
                for await message in translating {
                    let translated = await message.translations.value
                    toAcker.yield(
                        (
                            pipeline.enqueue(message.records, translated: translated, caller: caller, now: message.now),
                            message.held
                        ))
                }
            }
            group.addTask {
                // The reader waits for credits (the bytes each acknowledged message freed); ending them frees it if
                // delivery fails.
                defer { toReader.finish() }
                for await (message, held) in prepared {
                    try await deliver(await pipeline.finish(message))
                    account.release(held.ticket)
                    toReader.yield(held.bytes)
                }
            }
            var failure: (any Error)?
            // Each message's translation is a task of a discarding group: a task group keeps every finished child
            // until it is awaited, so children of the group above would have cost a stream memory for each of its
            // messages until it ended (40 KB each in a debug build). The group ends once the last translation is
            // done; a failed read is caught inside it, so the messages read before it are still translated and
            // acknowledged.
            await withDiscardingTaskGroup { translators in
                do {
                    var next = 0
                    var inFlight = (messages: 0, bytes: 0)
                    var returned = credits.makeAsyncIterator()
                    reading: for try await sized in requests {
                        let bytes = try checkSize(sized.wireBytes)
                        let held = Held(ticket: try account.reserve(bytes), bytes: bytes)
                        let numbered: [IngestPipeline.Record]
                        do {
                            numbered = try number(records(sized.message), from: &next)
                        } catch {
                            account.release(held.ticket)
                            throw error
                        }
                        let now = pipeline.clock()
                        let translations = Promise<[IngestPipeline.Translated]>()
                        translators.addTask {
                            translations.fulfil(await pipeline.translateAll(numbered, caller: caller, now: now))
                        }
                        toSequencer.yield(
                            Translating(records: numbered, now: now, translations: translations, held: held))
                        inFlight.messages += 1
                        inFlight.bytes += bytes
                        while Self.windowIsFull(messages: inFlight.messages, bytes: inFlight.bytes) {
                            guard let freed = await returned.next() else { break reading }
                            inFlight.messages -= 1
                            inFlight.bytes -= freed
                        }
                    }
                } catch {
                    failure = error
                }
            }
            toSequencer.finish()
            try await group.waitForAll()
            if let failure { throw failure }
        }
    }

    /// A message whose records are being translated.
    struct Translating: Sendable {
        var records: [IngestPipeline.Record]
        var now: Date
        var translations: Promise<[IngestPipeline.Translated]>
        var held: Held
    }

    /// A message's bytes, held in the budget until its acknowledgement.
    struct Held: Sendable {
        var ticket: IngestBudget.Account.Ticket
        var bytes: Int
    }

    private func number(_ records: [IncomingRecord], from next: inout Int) throws -> [IngestPipeline.Record] {
        guard records.count <= maxBatchRecords else {
            throw RPCError(
                code: .resourceExhausted,
                message: "a batch carries \(records.count) records; at most \(maxBatchRecords) are allowed")
        }
        let start = next
        next += records.count
        return records.enumerated().map { .init(adapterID: $1.adapterID, message: $1.message, index: start + $0) }
    }
}

/// A value set once by one task and awaited by another.
final class Promise<Value: Sendable>: Sendable {
    private enum State {
        case waiting([CheckedContinuation<Value, Never>])
        case done(Value)
    }

    private let state = Mutex(State.waiting([]))

    func fulfil(_ value: Value) {
        let waiting = state.withLock { state -> [CheckedContinuation<Value, Never>] in
            guard case .waiting(let waiting) = state else { return [] }
            state = .done(value)
            return waiting
        }
        for continuation in waiting { continuation.resume(returning: value) }
    }

    var value: Value {
        get async {
            await withCheckedContinuation { continuation in
                let now: Value? = state.withLock { state in
                    switch state {
                    case .done(let value): return value
                    case .waiting(var waiting):
                        waiting.append(continuation)
                        state = .waiting(waiting)
                        return nil
                    }
                }
                if let now { continuation.resume(returning: now) }
            }
        }
    }
}

/// Which acknowledgements a client-streaming summary lists (ingest.proto, `BatchSummary.acks`): every record's
/// among the first `everyRecord`, then rejected ones only, up to `total`.
enum BatchSummaryBound {
    static let everyRecord = 1_000
    static let total = 2_000

    static func lists(_ ack: Govcase_Gateway_V1_RecordAck, listed: Int) -> Bool {
        ack.index < everyRecord || (ack.outcome == .rejected && listed < total)
    }
}

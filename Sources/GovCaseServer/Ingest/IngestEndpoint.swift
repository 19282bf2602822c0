import GRPCCore
import GovCasePolicy
import GovCaseProto
import SwiftProtobuf

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
    let callers: any CallerResolver
    /// Most records one batch message may carry.
    let maxBatchRecords: Int
    /// Largest request message, bytes.
    let maxMessageBytes: Int

    /// RESOURCE_EXHAUSTED, with both sizes, for a message over the limit. The transport resets streams whose
    /// messages exceed a hard cap set above this limit; below the cap the caller gets this clear error.
    func checkSize(_ message: some SwiftProtobuf.Message) throws {
        let size = ((try? message.serializedBytes()) as [UInt8]?)?.count ?? 0
        guard size <= maxMessageBytes else {
            throw RPCError(
                code: .resourceExhausted,
                message: "the message is \(size) bytes; at most \(maxMessageBytes) are allowed")
        }
    }

    func caller(_ context: ServerContext) throws -> CallerIdentity {
        do { return try callers.caller(of: context) } catch { throw error.rpcError }
    }

    /// One record: the ack if stored (or a duplicate), otherwise the error with its own status code.
    func unary(_ record: IncomingRecord, context: ServerContext) throws -> Govcase_Gateway_V1_RecordAck {
        let ack = pipeline.ingest(
            [.init(adapterID: record.adapterID, message: record.message, index: 0)], caller: try caller(context))[0]
        guard ack.outcome == .rejected else { return ack }
        var metadata = Metadata()
        if ack.hasRejection, let bytes: [UInt8] = try? ack.rejection.serializedBytes() {
            metadata.addBinary(bytes, forKey: "govcase-rejection-bin")
        }
        let code = Status.Code(rawValue: Int(ack.errorCode)).flatMap(RPCError.Code.init) ?? .invalidArgument
        let detail = ack.rejection.violations.map { "\($0.field): \($0.rule): \($0.message)" }.joined(separator: "; ")
        throw RPCError(code: code, message: detail.isEmpty ? ack.errorMessage : detail, metadata: metadata)
    }

    /// Batches on a client stream: each message's new cases commit together; the summary comes at the end.
    func batch<Batch: SwiftProtobuf.Message>(
        _ requests: RPCAsyncSequence<Batch, any Error>, context: ServerContext,
        records: @Sendable (Batch) -> [IncomingRecord]
    ) async throws -> Govcase_Gateway_V1_BatchSummary {
        let caller = try caller(context)
        var summary = Govcase_Gateway_V1_BatchSummary()
        var next = 0
        for try await batch in requests {
            try checkSize(batch)
            let acks = try ingest(records(batch), from: &next, caller: caller)
            for ack in acks {
                switch ack.outcome {
                case .accepted: summary.accepted += 1
                case .duplicate: summary.duplicates += 1
                default: summary.rejected += 1
                }
            }
            summary.acks += acks
        }
        return summary
    }

    /// Batches on a bidirectional stream: one acknowledgement message per batch, after its commit.
    /// Flow control is HTTP/2's: the next batch is read only after the previous one's acks are written.
    func stream<Batch: SwiftProtobuf.Message>(
        _ requests: RPCAsyncSequence<Batch, any Error>, response: RPCWriter<Govcase_Gateway_V1_StreamAcks>,
        context: ServerContext,
        records: @Sendable (Batch) -> [IncomingRecord]
    ) async throws {
        let caller = try caller(context)
        var next = 0
        for try await batch in requests {
            try checkSize(batch)
            let acks = try ingest(records(batch), from: &next, caller: caller)
            try await response.write(.with { $0.acks = acks })
        }
    }

    private func ingest(
        _ records: [IncomingRecord], from next: inout Int,
        caller: CallerIdentity
    ) throws -> [Govcase_Gateway_V1_RecordAck] {
        guard records.count <= maxBatchRecords else {
            throw RPCError(
                code: .resourceExhausted,
                message: "a batch carries \(records.count) records; at most \(maxBatchRecords) are allowed")
        }
        let start = next
        next += records.count
        return pipeline.ingest(
            records.enumerated().map { .init(adapterID: $1.adapterID, message: $1.message, index: start + $0) },
            caller: caller)
    }
}

import GRPCCore
import CultureTourismAdapter
import GovCaseAdapters
import GovCaseCore
import GovCasePlugins
import Hotline12345Adapter
import NationalPlatformAdapter
import GovCaseProto
import SwiftProtobuf

/// `govcase.gateway.v1.NationalIngestService`: records of the national platform's 好差评 system.
struct NationalIngestService: Govcase_Gateway_V1_NationalIngestService.SimpleServiceProtocol {
    let endpoint: IngestEndpoint
    static func records(_ batch: Govcase_Gateway_V1_NationalBatch) -> [IncomingRecord] {
        batch.records.map { .typed("national-platform", NationalPlatformAdapter.unwrap($0)) }
    }

    func submit(request: Govcase_Gateway_V1_NationalRecord, context: ServerContext) async throws
        -> Govcase_Gateway_V1_RecordAck
    {
        let bytes = try endpoint.checkSize(request)
        return try await endpoint.unary(
            .typed("national-platform", NationalPlatformAdapter.unwrap(request)), bytes: bytes,
            context: context)
    }

    func submitBatch(request: RPCAsyncSequence<Govcase_Gateway_V1_NationalBatch, any Error>, context: ServerContext)
        async throws -> Govcase_Gateway_V1_BatchSummary
    {
        try await endpoint.batch(request, context: context, records: Self.records)
    }

    func submitStream(
        request: RPCAsyncSequence<Govcase_Gateway_V1_NationalBatch, any Error>,
        response: RPCWriter<Govcase_Gateway_V1_StreamAcks>, context: ServerContext
    ) async throws {
        try await endpoint.stream(request, response: response, context: context, records: Self.records)
    }
}

/// `govcase.gateway.v1.CultureTourismIngestService`: records of the culture and tourism market platforms.
struct CultureTourismIngestService: Govcase_Gateway_V1_CultureTourismIngestService.SimpleServiceProtocol {
    let endpoint: IngestEndpoint
    static func records(_ batch: Govcase_Gateway_V1_CultureTourismBatch) -> [IncomingRecord] {
        batch.records.map { .typed("culture-tourism", CultureTourismAdapter.unwrap($0)) }
    }

    func submit(request: Govcase_Gateway_V1_CultureTourismRecord, context: ServerContext) async throws
        -> Govcase_Gateway_V1_RecordAck
    {
        let bytes = try endpoint.checkSize(request)
        return try await endpoint.unary(
            .typed("culture-tourism", CultureTourismAdapter.unwrap(request)), bytes: bytes,
            context: context)
    }

    func submitBatch(
        request: RPCAsyncSequence<Govcase_Gateway_V1_CultureTourismBatch, any Error>, context: ServerContext
    ) async throws -> Govcase_Gateway_V1_BatchSummary {
        try await endpoint.batch(request, context: context, records: Self.records)
    }

    func submitStream(
        request: RPCAsyncSequence<Govcase_Gateway_V1_CultureTourismBatch, any Error>,
        response: RPCWriter<Govcase_Gateway_V1_StreamAcks>, context: ServerContext
    ) async throws {
        try await endpoint.stream(request, response: response, context: context, records: Self.records)
    }
}

/// `govcase.gateway.v1.HotlineIngestService`: 12345 work orders and their follow-ups.
struct HotlineIngestService: Govcase_Gateway_V1_HotlineIngestService.SimpleServiceProtocol {
    let endpoint: IngestEndpoint
    static func records(_ batch: Govcase_Gateway_V1_HotlineBatch) -> [IncomingRecord] {
        batch.records.map { .typed("hotline-12345", Hotline12345Adapter.unwrap($0)) }
    }

    func submit(request: Govcase_Gateway_V1_HotlineRecord, context: ServerContext) async throws
        -> Govcase_Gateway_V1_RecordAck
    {
        let bytes = try endpoint.checkSize(request)
        return try await endpoint.unary(
            .typed("hotline-12345", Hotline12345Adapter.unwrap(request)), bytes: bytes, context: context)
    }

    func submitBatch(request: RPCAsyncSequence<Govcase_Gateway_V1_HotlineBatch, any Error>, context: ServerContext)
        async throws -> Govcase_Gateway_V1_BatchSummary
    {
        try await endpoint.batch(request, context: context, records: Self.records)
    }

    func submitStream(
        request: RPCAsyncSequence<Govcase_Gateway_V1_HotlineBatch, any Error>,
        response: RPCWriter<Govcase_Gateway_V1_StreamAcks>, context: ServerContext
    ) async throws {
        try await endpoint.stream(request, response: response, context: context, records: Self.records)
    }
}

/// `govcase.gateway.v1.GenericIngestService`: a record for any adapter, as `google.protobuf.Any`; the only way
/// to a plugin adapter, whose types the gateway cannot decode.
struct GenericIngestService: Govcase_Gateway_V1_GenericIngestService.SimpleServiceProtocol {
    let endpoint: IngestEndpoint
    let adapters: [String: AnySourceAdapter]
    let plugins: PluginRegistry?

    /// Decodes the `Any` by a built-in adapter's accepted types, or checks its type against a plugin's
    /// manifest and passes it on as sent; an unknown adapter is left to the pipeline (NOT_FOUND).
    func record(_ r: Govcase_Gateway_V1_GenericRecord) -> IncomingRecord {
        let typeName = String(r.record.typeURL.split(separator: "/").last ?? "")
        guard let adapter = adapters[r.adapterID] else {
            if let plugin = plugins?.supervisor(for: r.adapterID), !plugin.manifest.messageTypes.contains(typeName) {
                let accepted = plugin.manifest.messageTypes.joined(separator: ", ")
                return IncomingRecord(
                    adapterID: r.adapterID,
                    message: .failure(
                        RPCError(
                            code: .invalidArgument,
                            message: "record: \(r.adapterID) does not accept \"\(typeName)\"; it accepts: \(accepted)"))
                )
            }
            return IncomingRecord(adapterID: r.adapterID, message: .success(r.record))
        }
        guard let type = adapter.messageTypes[typeName] else {
            let accepted = adapter.info.messageTypes.joined(separator: ", ")
            return IncomingRecord(
                adapterID: r.adapterID,
                message: .failure(
                    RPCError(
                        code: .invalidArgument,
                        message: "record: \(r.adapterID) does not accept \"\(typeName)\"; it accepts: \(accepted)")))
        }
        do {
            return IncomingRecord(
                adapterID: r.adapterID, message: .success(try type.init(serializedBytes: r.record.value)))
        } catch {
            return IncomingRecord(
                adapterID: r.adapterID,
                message: .failure(RPCError(code: .invalidArgument, message: "record: malformed \(typeName): \(error)")))
        }
    }

    func submit(request: Govcase_Gateway_V1_GenericRecord, context: ServerContext) async throws
        -> Govcase_Gateway_V1_RecordAck
    {
        let bytes = try endpoint.checkSize(request)
        return try await endpoint.unary(record(request), bytes: bytes, context: context)
    }

    func submitBatch(request: RPCAsyncSequence<Govcase_Gateway_V1_GenericBatch, any Error>, context: ServerContext)
        async throws -> Govcase_Gateway_V1_BatchSummary
    {
        try await endpoint.batch(request, context: context) { batch in batch.records.map(record) }
    }

    func submitStream(
        request: RPCAsyncSequence<Govcase_Gateway_V1_GenericBatch, any Error>,
        response: RPCWriter<Govcase_Gateway_V1_StreamAcks>, context: ServerContext
    ) async throws {
        try await endpoint.stream(request, response: response, context: context) { batch in batch.records.map(record) }
    }
}

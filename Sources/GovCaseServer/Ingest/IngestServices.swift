import GRPCCore
import CultureTourismAdapter
import GovCaseAdapters
import Hotline12345Adapter
import NationalPlatformAdapter
import GovCaseProto
import SwiftProtobuf

/// `govcase.gateway.v1.NationalIngestService`: records of the national platform's 好差评 system.
struct NationalIngestService: Govcase_Gateway_V1_NationalIngestService.SimpleServiceProtocol {
    let endpoint: IngestEndpoint
    static func records(_ batch: Govcase_Gateway_V1_NationalBatch) -> [(adapterID: String, message: (any Message)?)] {
        batch.records.map { ("national-platform", NationalPlatformAdapter.unwrap($0)) }
    }

    func submit(request: Govcase_Gateway_V1_NationalRecord, context: ServerContext) async throws
        -> Govcase_Gateway_V1_RecordAck
    {
        try endpoint.unary(
            .init(adapterID: "national-platform", message: NationalPlatformAdapter.unwrap(request), index: 0),
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
    static func records(_ batch: Govcase_Gateway_V1_CultureTourismBatch) -> [(
        adapterID: String, message: (any Message)?
    )] {
        batch.records.map { ("culture-tourism", CultureTourismAdapter.unwrap($0)) }
    }

    func submit(request: Govcase_Gateway_V1_CultureTourismRecord, context: ServerContext) async throws
        -> Govcase_Gateway_V1_RecordAck
    {
        try endpoint.unary(
            .init(adapterID: "culture-tourism", message: CultureTourismAdapter.unwrap(request), index: 0),
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
    static func records(_ batch: Govcase_Gateway_V1_HotlineBatch) -> [(adapterID: String, message: (any Message)?)] {
        batch.records.map { ("hotline-12345", Hotline12345Adapter.unwrap($0)) }
    }

    func submit(request: Govcase_Gateway_V1_HotlineRecord, context: ServerContext) async throws
        -> Govcase_Gateway_V1_RecordAck
    {
        try endpoint.unary(
            .init(adapterID: "hotline-12345", message: Hotline12345Adapter.unwrap(request), index: 0), context: context)
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

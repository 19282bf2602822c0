import CultureTourismAdapter
import GRPCCore
import GRPCProtobuf
import GovCaseAdapters
import GovCaseCore
import GovCasePlugins
import GovCaseProto
import Hotline12345Adapter
import NationalPlatformAdapter
import SwiftProtobuf

/// A request message with its size as received (after the 5-byte gRPC prefix, and after decompression for a
/// compressed message): the ingest budget and the size limit count it. Serializing the message again to learn it
/// cost as much as a tenth of a batch's handling.
struct Sized<Message: SwiftProtobuf.Message>: Sendable {
    var message: Message
    var wireBytes: Int
}

/// swift-protobuf's deserializer, keeping the message's wire size.
struct SizedDeserializer<Message: SwiftProtobuf.Message>: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> Sized<Message> {
        Sized(
            message: try ProtobufDeserializer<Message>().deserialize(serializedMessageBytes),
            wireBytes: serializedMessageBytes.count)
    }
}

/// One of the `govcase.gateway.v1` ingest services: unary `Submit`, client-streaming `SubmitBatch` and
/// bidirectional `SubmitStream` over one `IngestEndpoint`. The four services differ only in their messages and how
/// a record becomes an `IncomingRecord`, so they are one type, registered by hand (with `SizedDeserializer`) in
/// place of the generated registrations.
struct IngestService<Record: SwiftProtobuf.Message, Batch: SwiftProtobuf.Message>: RegistrableRPCService {
    let endpoint: IngestEndpoint
    let service: ServiceDescriptor
    let record: @Sendable (Record) -> IncomingRecord
    let records: @Sendable (Batch) -> [IncomingRecord]

    /// `service`, whose batches carry `recordsOf` their records, each read by `record`.
    init(
        _ service: ServiceDescriptor, endpoint: IngestEndpoint, recordsOf: @escaping @Sendable (Batch) -> [Record],
        record: @escaping @Sendable (Record) -> IncomingRecord
    ) {
        self.service = service
        self.endpoint = endpoint
        self.record = record
        self.records = { recordsOf($0).map(record) }
    }

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let (endpoint, record, records) = (self.endpoint, self.record, self.records)
        router.registerHandler(
            forMethod: MethodDescriptor(service: service, method: "Submit", type: .unary),
            deserializer: SizedDeserializer<Record>(), serializer: ProtobufSerializer<Govcase_Gateway_V1_RecordAck>()
        ) { request, context in
            let sized = try await ServerRequest(stream: request).message
            let bytes = try endpoint.checkSize(sized.wireBytes)
            let ack = try await endpoint.unary(record(sized.message), bytes: bytes, context: context)
            return StreamingServerResponse(single: ServerResponse(message: ack, metadata: [:]))
        }
        router.registerHandler(
            forMethod: MethodDescriptor(service: service, method: "SubmitBatch", type: .clientStreaming),
            deserializer: SizedDeserializer<Batch>(), serializer: ProtobufSerializer<Govcase_Gateway_V1_BatchSummary>()
        ) { request, context in
            let summary = try await endpoint.batch(request.messages, context: context, records: records)
            return StreamingServerResponse(single: ServerResponse(message: summary, metadata: [:]))
        }
        router.registerHandler(
            forMethod: MethodDescriptor(service: service, method: "SubmitStream", type: .bidirectionalStreaming),
            deserializer: SizedDeserializer<Batch>(), serializer: ProtobufSerializer<Govcase_Gateway_V1_StreamAcks>()
        ) { request, context in
            StreamingServerResponse(metadata: [:]) { writer in
                try await endpoint.stream(request.messages, response: writer, context: context, records: records)
                return [:]
            }
        }
    }
}

/// The gateway's four ingest services.
enum IngestServices {
    static func all(
        _ endpoint: IngestEndpoint, adapters: [String: AnySourceAdapter], plugins: PluginRegistry?
    ) -> [any RegistrableRPCService] {
        [
            // Records of the national platform's 好差评 system.
            IngestService(
                Govcase_Gateway_V1_NationalIngestService.descriptor, endpoint: endpoint,
                recordsOf: { (batch: Govcase_Gateway_V1_NationalBatch) in batch.records }
            ) {
                .typed("national-platform", NationalPlatformAdapter.unwrap($0))
            },
            // Records of the culture and tourism market platforms.
            IngestService(
                Govcase_Gateway_V1_CultureTourismIngestService.descriptor, endpoint: endpoint,
                recordsOf: { (batch: Govcase_Gateway_V1_CultureTourismBatch) in batch.records }
            ) { .typed("culture-tourism", CultureTourismAdapter.unwrap($0)) },
            // 12345 work orders and their follow-ups.
            IngestService(
                Govcase_Gateway_V1_HotlineIngestService.descriptor, endpoint: endpoint,
                recordsOf: { (batch: Govcase_Gateway_V1_HotlineBatch) in batch.records }
            ) {
                .typed("hotline-12345", Hotline12345Adapter.unwrap($0))
            },
            // A record for any adapter, as `google.protobuf.Any`: the only way to a plugin adapter, whose types the
            // gateway cannot decode.
            IngestService(
                Govcase_Gateway_V1_GenericIngestService.descriptor, endpoint: endpoint,
                recordsOf: { (batch: Govcase_Gateway_V1_GenericBatch) in batch.records },
                record: GenericRecords(adapters: adapters, plugins: plugins).record),
        ]
    }
}

/// How a `GenericRecord` becomes an `IncomingRecord`.
struct GenericRecords: Sendable {
    let adapters: [String: AnySourceAdapter]
    let plugins: PluginRegistry?

    /// Decodes the `Any` by a built-in adapter's accepted types, or checks its type against a plugin's
    /// manifest and passes it on as sent; an unknown adapter is left to the pipeline (NOT_FOUND).
    @Sendable func record(_ r: Govcase_Gateway_V1_GenericRecord) -> IncomingRecord {
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
}

import Foundation
import GRPCCore
import GovCaseAdapters
import GovCaseCore
import GovCaseProto
import GovCaseWire
import SwiftProtobuf

/// `govcase.plugin.v1.AdapterPluginService` for any adapter written in Swift: decodes each record's `Any`
/// by the adapter's message types and answers its translation.
struct AdapterPluginServer: Govcase_Plugin_V1_AdapterPluginService.SimpleServiceProtocol {
    let adapter: AnySourceAdapter
    let protocolVersion: String
    /// The serialized descriptor set of the plugin's own record types, if it has any.
    var ownDescriptors: Data? = nil
    /// Streams offered in Describe. Each stream is a task here, so the gateway's concurrency is the real limit.
    var translateStreams = 256

    func describe(request: Govcase_Plugin_V1_DescribeRequest, context: ServerContext) async throws
        -> Govcase_Plugin_V1_DescribeResponse
    {
        .with {
            $0.id = adapter.info.id
            $0.version = adapter.info.version
            $0.protocolVersion = protocolVersion
            $0.messageTypes = adapter.info.messageTypes
            $0.description_p = adapter.info.summary
            $0.maxTranslateStreams = UInt32(max(0, translateStreams))
            // The files that define the accepted types (the contracts' own, and the plugin's), so tools and the
            // conformance kit can read the records.
            var set = (try? ContractDescriptors.files(defining: adapter.info.messageTypes)) ?? .init()
            if let ownDescriptors, let own = try? Google_Protobuf_FileDescriptorSet(serializedBytes: ownDescriptors) {
                let known = Set(set.file.map(\.name))
                set.file += own.file.filter { !known.contains($0.name) }
            }
            if !set.file.isEmpty { $0.descriptorSet = (try? set.serializedBytes()) ?? Data() }
        }
    }

    func translate(request: Govcase_Plugin_V1_TranslateRequest, context: ServerContext) async throws
        -> Govcase_Plugin_V1_TranslateResponse
    {
        answer(request)
    }

    func translateBatch(request: Govcase_Plugin_V1_TranslateBatchRequest, context: ServerContext) async throws
        -> Govcase_Plugin_V1_TranslateBatchResponse
    {
        .with { $0.responses = request.requests.map(answer) }
    }

    /// Each batch answered as `translateBatch` would, in order, on one stream the gateway holds open.
    func translateStream(
        request: RPCAsyncSequence<Govcase_Plugin_V1_TranslateBatchRequest, any Error>,
        response: RPCWriter<Govcase_Plugin_V1_TranslateBatchResponse>, context: ServerContext
    ) async throws {
        for try await batch in request {
            try await response.write(.with { $0.responses = batch.requests.map(answer) })
        }
    }

    func render(request: Govcase_Plugin_V1_RenderRequest, context: ServerContext) async throws
        -> Govcase_Plugin_V1_RenderResponse
    {
        do {
            let c = try Case(proto: request.case)
            let messages: [any SwiftProtobuf.Message]
            if request.eventSequence == 0 {
                messages = try adapter.render(c)
            } else {
                guard let event = c.events.first(where: { $0.sequence == Int(request.eventSequence) }) else {
                    throw RPCError(code: .invalidArgument, message: "the case has no event \(request.eventSequence)")
                }
                messages = try adapter.render(event, of: c)
            }
            return .with { $0.records = messages.compactMap { try? Google_Protobuf_Any(message: $0) } }
        } catch let error as CaseError {
            return .with { $0.rejection = error.violations.rejection }
        }
    }

    func renderBatch(request: Govcase_Plugin_V1_RenderBatchRequest, context: ServerContext) async throws
        -> Govcase_Plugin_V1_RenderBatchResponse
    {
        var responses: [Govcase_Plugin_V1_RenderResponse] = []
        for r in request.requests { responses.append(try await render(request: r, context: context)) }
        return .with { $0.responses = responses }
    }

    /// One record's answer; an unknown or undecodable type is a rejection of the record alone.
    func answer(_ request: Govcase_Plugin_V1_TranslateRequest) -> Govcase_Plugin_V1_TranslateResponse {
        let typeName = String(request.record.typeURL.split(separator: "/").last ?? "")
        guard let type = adapter.messageTypes[typeName] else {
            return .init(
                .rejected([
                    FieldViolation(
                        field: "record", rule: .unknownCode, message: "\(adapter.info.id) does not accept \(typeName)")
                ]))
        }
        let message: any SwiftProtobuf.Message
        do {
            message = try type.init(serializedBytes: request.record.value)
        } catch {
            return .init(
                .rejected([
                    FieldViolation(
                        field: "record", rule: ValidationRule(rawValue: "malformed"),
                        message: "not a valid \(typeName): \(error)")
                ]))
        }
        let context = TranslationContext(
            sourceSystem: request.context.sourceSystem, receivedAt: request.context.receivedAt.date)
        guard let translation = adapter.translate(message, context: context) else {
            return .init(
                .rejected([
                    FieldViolation(
                        field: "record", rule: .unknownCode, message: "\(adapter.info.id) does not accept \(typeName)")
                ]))
        }
        return .init(translation)
    }
}

/// `grpc.health.v1.Health` for a plugin: SERVING while it runs.
struct PluginHealthServer: Grpc_Health_V1_Health.SimpleServiceProtocol {
    func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws
        -> Grpc_Health_V1_HealthCheckResponse
    {
        guard
            request.service.isEmpty
                || request.service == Govcase_Plugin_V1_AdapterPluginService.descriptor.fullyQualifiedService
        else { throw RPCError(code: .notFound, message: "unknown service \(request.service)") }
        return .with { $0.status = .serving }
    }

    func list(request: Grpc_Health_V1_HealthListRequest, context: ServerContext) async throws
        -> Grpc_Health_V1_HealthListResponse
    {
        .with { $0.statuses = ["": .with { $0.status = .serving }] }
    }

    func watch(
        request: Grpc_Health_V1_HealthCheckRequest, response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        try await response.write(.with { $0.status = .serving })
        while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
    }
}

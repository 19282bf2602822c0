import GRPCCore
import GovCaseAdapters
import GovCaseCore
import GovCaseProto
import SwiftProtobuf

/// `govcase.gateway.v1.AdapterService`: which adapters this gateway runs. Any admitted caller may ask.
struct AdapterService: Govcase_Gateway_V1_AdapterService.SimpleServiceProtocol {
    let adapters: [AnySourceAdapter]

    func listAdapters(request: Govcase_Gateway_V1_ListAdaptersRequest, context: ServerContext) async throws
        -> Govcase_Gateway_V1_ListAdaptersResponse
    {
        _ = try RequestCaller.resolved()
        return .with { $0.adapters = adapters.map(Self.info) }
    }

    func describeAdapter(request: Govcase_Gateway_V1_DescribeAdapterRequest, context: ServerContext) async throws
        -> Govcase_Gateway_V1_AdapterInfo
    {
        _ = try RequestCaller.resolved()
        guard let adapter = adapters.first(where: { $0.info.id == request.id }) else {
            throw RPCError(
                code: .notFound,
                message: "unknown adapter \"\(request.id)\"; known: \(adapters.map(\.info.id).joined(separator: ", "))")
        }
        return Self.info(adapter)
    }

    static func info(_ adapter: AnySourceAdapter) -> Govcase_Gateway_V1_AdapterInfo {
        .with {
            $0.id = adapter.info.id
            $0.version = adapter.info.version
            $0.protocolVersion = "1"
            $0.messageTypes = adapter.info.messageTypes
            $0.kind = .builtIn
            $0.description_p = adapter.info.summary
        }
    }
}

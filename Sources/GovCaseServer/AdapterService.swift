import Foundation
import GRPCCore
import GovCaseAdapters
import GovCaseCore
import GovCasePlugins
import GovCasePolicy
import GovCaseProto
import SwiftProtobuf

/// `govcase.gateway.v1.AdapterService`: which adapters this gateway runs, built in and plugins, with each
/// plugin's state. Any admitted caller may ask.
struct AdapterService: Govcase_Gateway_V1_AdapterService.SimpleServiceProtocol {
    let adapters: [AnySourceAdapter]
    let plugins: PluginRegistry?

    func listAdapters(request: Govcase_Gateway_V1_ListAdaptersRequest, context: ServerContext) async throws
        -> Govcase_Gateway_V1_ListAdaptersResponse
    {
        _ = try RequestCaller.resolved()
        return .with { $0.adapters = adapters.map(Self.info) + (plugins?.all.map(Self.info) ?? []) }
    }

    func describeAdapter(request: Govcase_Gateway_V1_DescribeAdapterRequest, context: ServerContext) async throws
        -> Govcase_Gateway_V1_AdapterInfo
    {
        _ = try RequestCaller.resolved()
        if let adapter = adapters.first(where: { $0.info.id == request.id }) { return Self.info(adapter) }
        if let plugin = plugins?.supervisor(for: request.id) { return Self.info(plugin) }
        let known = adapters.map(\.info.id) + (plugins?.all.map(\.manifest.id) ?? [])
        throw RPCError(
            code: .notFound, message: "unknown adapter \"\(request.id)\"; known: \(known.joined(separator: ", "))")
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

    static func info(_ plugin: PluginSupervisor) -> Govcase_Gateway_V1_AdapterInfo {
        let s = plugin.statistics
        let described = plugin.description
        return .with {
            $0.id = plugin.manifest.id
            $0.version = plugin.manifest.version
            $0.protocolVersion = described?.protocolVersion ?? ""
            $0.messageTypes = plugin.manifest.messageTypes
            $0.kind = .plugin
            $0.description_p = described?.description_p ?? ""
            $0.plugin = .with {
                $0.state =
                    switch s.state {
                    case .starting: .starting
                    case .ready: .ready
                    case .backingOff: .backingOff
                    case .quarantined: .quarantined
                    case .stopped: .stopped
                    }
                $0.pid = Int64(s.pid)
                $0.restarts = s.restarts
                $0.lastError = s.lastError
                $0.quarantineReason = s.quarantineReason
                $0.calls = s.calls
                $0.callErrors = s.callErrors
                $0.records = s.records
                $0.meanCallMicros = s.meanCallMicros
                $0.stderrLinesDropped = s.stderrLinesDropped
                $0.streamBatches = s.streamBatches
                $0.openStreams = UInt32(s.openStreams)
                $0.manifest = plugin.origin?.yaml ?? ""
                $0.manifestFile = plugin.origin?.file ?? ""
                $0.poisonRecords = s.poisonRecords.map { record in
                    .with {
                        $0.digest = record.digest
                        $0.recordType = record.recordType
                        $0.foundAt = Google_Protobuf_Timestamp(date: record.at)
                        $0.cause =
                            switch record.cause {
                            case .crashed: .crashed
                            case .killed: .killed
                            case .hung: .hung
                            }
                    }
                }
            }
        }
    }
}

/// `govcase.gateway.v1.AdapterAdminService`: registers, removes and releases plugin adapters; role `admin`.
struct AdapterAdminService: Govcase_Gateway_V1_AdapterAdminService.SimpleServiceProtocol {
    let plugins: PluginRegistry
    let policy: AccessPolicy

    func authorize() throws {
        try policy.authorize(try RequestCaller.resolved(), role: .admin)
    }

    func registerAdapter(request: Govcase_Gateway_V1_RegisterAdapterRequest, context: ServerContext) async throws
        -> Govcase_Gateway_V1_AdapterInfo
    {
        try authorize()
        let plugin = try await Self.mapped {
            try await plugins.register(
                yaml: request.manifest, baseDirectory: request.baseDirectory.isEmpty ? nil : request.baseDirectory)
        }
        return AdapterService.info(plugin)
    }

    func removeAdapter(request: Govcase_Gateway_V1_RemoveAdapterRequest, context: ServerContext) async throws
        -> Govcase_Gateway_V1_RemoveAdapterResponse
    {
        try authorize()
        try await Self.mapped { try await plugins.remove(request.id) }
        return .with { $0.id = request.id }
    }

    func releaseAdapter(request: Govcase_Gateway_V1_ReleaseAdapterRequest, context: ServerContext) async throws
        -> Govcase_Gateway_V1_AdapterInfo
    {
        try authorize()
        return AdapterService.info(try await Self.mapped { try plugins.release(request.id) })
    }

    static func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RegistrationError {
            let code: RPCError.Code =
                switch error.code {
                case .invalidManifest: .invalidArgument
                case .alreadyExists: .alreadyExists
                case .failedPrecondition: .failedPrecondition
                case .notFound: .notFound
                }
            throw RPCError(code: code, message: error.message)
        }
    }
}

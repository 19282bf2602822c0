import Foundation
import GRPCCore
import GovCaseProto
import SwiftProtobuf

/// What gRPC server reflection answers from: the contracts' file descriptors, indexed by file name, by symbol
/// and by extension. Built from the committed descriptor set (`ContractDescriptors`) and the plugins' sets;
/// public so the plugin-protocol fuzz target can feed it a plugin's Describe.
public struct ReflectionIndex: Sendable {
    /// Each file's serialized `FileDescriptorProto`, by file name.
    private let serializedFiles: [String: Data]
    /// Each file's direct imports, by file name.
    private let imports: [String: [String]]
    /// The file defining each fully qualified symbol: services, methods, messages, fields, enums, enum values
    /// and extensions.
    private let fileBySymbol: [String: String]
    /// For each extended message type, its extensions' numbers and the files defining them.
    private let extensions: [String: [Int32: String]]
    /// Fully qualified names of the services the server has.
    public let services: [String]

    public init(descriptors: Google_Protobuf_FileDescriptorSet, services: [String]) throws {
        var serializedFiles: [String: Data] = [:]
        var imports: [String: [String]] = [:]
        var fileBySymbol: [String: String] = [:]
        var extensions: [String: [Int32: String]] = [:]
        for file in descriptors.file {
            serializedFiles[file.name] = try file.serializedBytes()
            imports[file.name] = file.dependency
            let prefix = file.package.isEmpty ? "" : file.package + "."
            func add(_ symbol: String) { fileBySymbol[symbol] = file.name }
            func addExtensions(_ fields: [Google_Protobuf_FieldDescriptorProto], scope: String) {
                for field in fields {
                    add(scope + field.name)
                    extensions[Self.trimmed(field.extendee), default: [:]][field.number] = file.name
                }
            }
            func addEnum(_ type: Google_Protobuf_EnumDescriptorProto, scope: String) {
                add(scope + type.name)
                // Enum values are scoped beside their enum, as in C++.
                for value in type.value { add(scope + value.name) }
            }
            func addMessage(_ type: Google_Protobuf_DescriptorProto, scope: String) {
                let name = scope + type.name
                add(name)
                for field in type.field { add(name + "." + field.name) }
                for oneof in type.oneofDecl { add(name + "." + oneof.name) }
                for nested in type.nestedType { addMessage(nested, scope: name + ".") }
                for nested in type.enumType { addEnum(nested, scope: name + ".") }
                addExtensions(type.extension, scope: name + ".")
            }
            for type in file.messageType { addMessage(type, scope: prefix) }
            for type in file.enumType { addEnum(type, scope: prefix) }
            addExtensions(file.extension, scope: prefix)
            for service in file.service {
                add(prefix + service.name)
                for method in service.method { add(prefix + service.name + "." + method.name) }
            }
        }
        self.serializedFiles = serializedFiles
        self.imports = imports
        self.fileBySymbol = fileBySymbol
        self.extensions = extensions
        self.services = services.sorted()
    }

    /// Type names in descriptors are written `.package.Type`; reflection requests name them without the dot.
    private static func trimmed(_ typeName: String) -> String {
        typeName.hasPrefix(".") ? String(typeName.dropFirst()) : typeName
    }

    /// The answer to one reflection request.
    public func answer(_ request: Grpc_Reflection_V1_ServerReflectionRequest)
        -> Grpc_Reflection_V1_ServerReflectionResponse
    {
        var response = Grpc_Reflection_V1_ServerReflectionResponse()
        response.validHost = request.host
        response.originalRequest = request
        switch request.messageRequest {
        case .listServices:
            response.listServicesResponse.service = services.map { name in .with { $0.name = name } }
        case .fileByFilename(let name):
            response.messageResponse = fileResponse(serializedFiles[name] == nil ? nil : name, missing: "file \(name)")
        case .fileContainingSymbol(let symbol):
            response.messageResponse = fileResponse(fileBySymbol[Self.trimmed(symbol)], missing: "symbol \(symbol)")
        case .fileContainingExtension(let request):
            response.messageResponse = fileResponse(
                extensions[Self.trimmed(request.containingType)]?[request.extensionNumber],
                missing: "extension \(request.extensionNumber) of \(request.containingType)")
        case .allExtensionNumbersOfType(let type):
            guard fileBySymbol[Self.trimmed(type)] != nil else {
                response.messageResponse = Self.notFound("type \(type)")
                break
            }
            response.allExtensionNumbersResponse = .with {
                $0.baseTypeName = Self.trimmed(type)
                $0.extensionNumber = (extensions[Self.trimmed(type)] ?? [:]).keys.sorted()
            }
        case nil:
            response.errorResponse = .with {
                $0.errorCode = Int32(Status.Code.invalidArgument.rawValue)
                $0.errorMessage = "the request names no question: set one of its message_request fields"
            }
        }
        return response
    }

    /// The named file first, then every file it imports, transitively, each once: a client needs them all to
    /// build the file's descriptors.
    private func fileResponse(_ name: String?, missing: String)
        -> Grpc_Reflection_V1_ServerReflectionResponse.OneOf_MessageResponse
    {
        guard let name else { return Self.notFound(missing) }
        var order: [String] = []
        var seen: Set<String> = []
        var pending = [name]
        while let next = pending.popLast() {
            guard seen.insert(next).inserted else { continue }
            order.append(next)
            pending.append(contentsOf: (imports[next] ?? []).reversed())
        }
        return .fileDescriptorResponse(.with { $0.fileDescriptorProto = order.compactMap { serializedFiles[$0] } })
    }

    private static func notFound(_ what: String) -> Grpc_Reflection_V1_ServerReflectionResponse.OneOf_MessageResponse {
        .errorResponse(
            .with {
                $0.errorCode = Int32(Status.Code.notFound.rawValue)
                $0.errorMessage = "\(what) is not known to this server"
            })
    }
}

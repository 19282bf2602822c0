import Foundation
import GovCaseProto
import SwiftProtobuf

/// What a field path of a source message holds, from the contracts' descriptors (`descriptors.pb`): how a cell's
/// text becomes its JSON value.
public enum FieldKind: Sendable, Equatable {
    case text, bool, integer, number, timestamp
    case textList
    case enumeration
}

/// The contracts' message descriptors by fully qualified name, for resolving mapping field paths.
public struct FieldSchema: Sendable {
    private let messages: [String: Google_Protobuf_DescriptorProto]

    /// Loads the committed descriptor set of every contract.
    public static func contracts() throws -> FieldSchema {
        try FieldSchema(try ContractDescriptors.fileDescriptorSet())
    }

    public init(_ set: Google_Protobuf_FileDescriptorSet) throws {
        var messages: [String: Google_Protobuf_DescriptorProto] = [:]
        func add(_ message: Google_Protobuf_DescriptorProto, prefix: String) {
            let name = prefix + message.name
            messages[name] = message
            for nested in message.nestedType { add(nested, prefix: name + ".") }
        }
        for file in set.file {
            for message in file.messageType { add(message, prefix: file.package.isEmpty ? "" : file.package + ".") }
        }
        self.messages = messages
    }

    /// Whether `type` (fully qualified, no leading dot) is a known message.
    public func hasMessage(_ type: String) -> Bool { messages[type] != nil }

    /// The kind of the field at `path` (dotted, proto field names) in `type`, or why there is none.
    public func kind(of path: String, in type: String) -> Result<FieldKind, ImportError> {
        var message = type
        let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        for (n, part) in parts.enumerated() {
            guard let descriptor = messages[message] else {
                return .failure(ImportError("\(message) is not a message of the contracts"))
            }
            guard let field = descriptor.field.first(where: { $0.name == part || $0.jsonName == part }) else {
                let known = descriptor.field.map(\.name).joined(separator: ", ")
                return .failure(ImportError("\(type) has no field \(parts[...n].joined(separator: ".")) (\(message) has \(known))"))
            }
            let last = n == parts.count - 1
            let repeated = field.label == .repeated
            switch field.type {
            case .message:
                let name = String(field.typeName.dropFirst())
                if name == "google.protobuf.Timestamp" {
                    guard last, !repeated else { return .failure(ImportError("\(path): a timestamp has no fields")) }
                    return .success(.timestamp)
                }
                if last {
                    return .failure(ImportError("\(path) is a message (\(name)): map a column to one of its fields"))
                }
                if repeated { return .failure(ImportError("\(path): repeated messages cannot be mapped from a column")) }
                message = name
            default:
                guard last else { return .failure(ImportError("\(parts[...n].joined(separator: ".")) has no fields")) }
                switch (field.type, repeated) {
                case (.string, false): return .success(.text)
                case (.string, true): return .success(.textList)
                case (.bool, false): return .success(.bool)
                case (.int32, false), (.int64, false), (.uint32, false), (.uint64, false), (.sint32, false),
                    (.sint64, false), (.fixed32, false), (.fixed64, false):
                    return .success(.integer)
                case (.double, false), (.float, false): return .success(.number)
                case (.enum, false): return .success(.enumeration)
                default: return .failure(ImportError("\(path): a \(field.type) field\(repeated ? " list" : "") cannot be mapped from a column"))
                }
            }
        }
        return .failure(ImportError("empty field path"))
    }
}

import Foundation
import SwiftProtobuf

/// Breaking changes between a published version of the contracts and the current one, in the manner of buf
/// breaking's WIRE and WIRE_JSON categories: what would break a sender or receiver built from the published
/// protos, on the wire or in JSON. Additions never break; a removal breaks unless its number is reserved.
public enum ContractCompatibility {
    /// One breaking change: the rule it breaks, the element, and both versions.
    public struct Finding: Sendable, Hashable, CustomStringConvertible {
        public var rule: String
        public var element: String
        public var published: String
        public var current: String

        public var description: String { "\(rule): \(element): published \(published); now \(current)" }
    }

    /// Every breaking change from `published` to `current`, sorted by element.
    public static func breakingChanges(
        from published: Google_Protobuf_FileDescriptorSet, to current: Google_Protobuf_FileDescriptorSet
    ) -> [Finding] {
        let old = Index(published)
        let new = Index(current)
        var findings: [Finding] = []
        func add(_ rule: String, _ element: String, _ was: String, _ now: String) {
            findings.append(Finding(rule: rule, element: element, published: was, current: now))
        }
        for package in old.packages.subtracting(new.packages).sorted() {
            add("PACKAGE_NO_DELETE", package, "package \(package)", "no such package (renamed or removed)")
        }
        for (name, message) in old.messages {
            guard let now = new.messages[name] else {
                add("MESSAGE_NO_DELETE", name, "message \(name)", "removed")
                continue
            }
            let fieldsNow = Dictionary(now.field.map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
            for field in message.field {
                let element = "\(name).\(field.name) (\(field.number))"
                guard let f = fieldsNow[field.number] else {
                    if !now.reservedRange.contains(where: { $0.start <= field.number && field.number < $0.end }) {
                        add(
                            "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", element, "field \(field.number)",
                            "removed, number not reserved")
                    }
                    continue
                }
                if f.type != field.type || f.typeName != field.typeName {
                    add("FIELD_SAME_TYPE", element, typeText(field), typeText(f))
                }
                if f.label != field.label { add("FIELD_SAME_CARDINALITY", element, "\(field.label)", "\(f.label)") }
                if f.jsonName != field.jsonName { add("FIELD_SAME_JSON_NAME", element, field.jsonName, f.jsonName) }
                if f.name != field.name { add("FIELD_SAME_NAME", element, field.name, f.name) }
            }
        }
        for (name, enumeration) in old.enums {
            guard let now = new.enums[name] else {
                add("ENUM_NO_DELETE", name, "enum \(name)", "removed")
                continue
            }
            let valuesNow = Dictionary(now.value.map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
            for value in enumeration.value {
                let element = "\(name).\(value.name) (\(value.number))"
                guard let v = valuesNow[value.number] else {
                    if !now.reservedRange.contains(where: { $0.start <= value.number && value.number <= $0.end }) {
                        add(
                            "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED", element, "value \(value.number)",
                            "removed, number not reserved")
                    }
                    continue
                }
                if v.name != value.name { add("ENUM_VALUE_SAME_NAME", element, value.name, v.name) }
            }
        }
        for (name, service) in old.services {
            guard let now = new.services[name] else {
                add("SERVICE_NO_DELETE", name, "service \(name)", "removed")
                continue
            }
            let methodsNow = Dictionary(now.method.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            for method in service.method {
                let element = "\(name)/\(method.name)"
                guard let m = methodsNow[method.name] else {
                    add("RPC_NO_DELETE", element, "rpc \(method.name)", "removed")
                    continue
                }
                if m.inputType != method.inputType {
                    add("RPC_SAME_REQUEST_TYPE", element, method.inputType, m.inputType)
                }
                if m.outputType != method.outputType {
                    add("RPC_SAME_RESPONSE_TYPE", element, method.outputType, m.outputType)
                }
                if m.clientStreaming != method.clientStreaming || m.serverStreaming != method.serverStreaming {
                    add(
                        "RPC_SAME_STREAMING", element, streaming(method), streaming(m))
                }
            }
        }
        return findings.sorted { ($0.element, $0.rule) < ($1.element, $1.rule) }
    }

    static func typeText(_ f: Google_Protobuf_FieldDescriptorProto) -> String {
        f.typeName.isEmpty ? "\(f.type)" : "\(f.type) \(f.typeName)"
    }

    static func streaming(_ m: Google_Protobuf_MethodDescriptorProto) -> String {
        "client streaming \(m.clientStreaming), server streaming \(m.serverStreaming)"
    }

    /// Every package, message (nested included), enum and service, by fully qualified name.
    struct Index {
        var packages: Set<String> = []
        var messages: [String: Google_Protobuf_DescriptorProto] = [:]
        var enums: [String: Google_Protobuf_EnumDescriptorProto] = [:]
        var services: [String: Google_Protobuf_ServiceDescriptorProto] = [:]

        init(_ set: Google_Protobuf_FileDescriptorSet) {
            for file in set.file {
                packages.insert(file.package)
                let prefix = file.package.isEmpty ? "" : file.package + "."
                func addMessage(_ m: Google_Protobuf_DescriptorProto, scope: String) {
                    messages[scope + m.name] = m
                    for nested in m.nestedType { addMessage(nested, scope: scope + m.name + ".") }
                    for e in m.enumType { enums[scope + m.name + "." + e.name] = e }
                }
                for m in file.messageType { addMessage(m, scope: prefix) }
                for e in file.enumType { enums[prefix + e.name] = e }
                for s in file.service { services[prefix + s.name] = s }
            }
        }
    }
}

import Foundation
import SwiftProtobuf

/// Protobuf JSON to wire bytes for a type the kit knows only by its descriptors: a plugin's own record type, which
/// its Describe defines. A vector's author writes the record as JSON, as for the contract types, and the kit
/// serializes it as any protobuf library would (proto3 JSON mapping: either the field's name or its JSON name;
/// 64-bit integers as numbers or strings; enums by name or number; bytes in base64; maps as objects;
/// Timestamp, Duration and the wrapper types in their JSON forms). What it cannot encode it refuses, naming the
/// field: a vector that means something else than the author wrote would test nothing.
struct DescriptorJSON {
    private var messages: [String: Google_Protobuf_DescriptorProto] = [:]
    private var enums: [String: Google_Protobuf_EnumDescriptorProto] = [:]

    init(_ set: Google_Protobuf_FileDescriptorSet) {
        func add(_ type: Google_Protobuf_DescriptorProto, scope: String) {
            let name = scope + "." + type.name
            messages[name] = type
            for nested in type.nestedType { add(nested, scope: name) }
            for e in type.enumType { enums[name + "." + e.name] = e }
        }
        for file in set.file {
            let scope = file.package.isEmpty ? "" : "." + file.package
            for type in file.messageType { add(type, scope: scope) }
            for e in file.enumType { enums[scope + "." + e.name] = e }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The wire bytes of `object` as a message of `typeName` (with or without the leading dot).
    func encode(_ object: [String: Any], typeName: String) throws -> Data {
        Data(try message(object, type: typeName.hasPrefix(".") ? typeName : "." + typeName, path: ""))
    }

    private func message(_ object: [String: Any], type name: String, path: String) throws -> [UInt8] {
        guard let type = messages[name] else {
            throw Failure(
                description:
                    "\(path.isEmpty ? "the record" : path): type \(name.dropFirst()) is not in the descriptor set")
        }
        var out: [UInt8] = []
        for key in object.keys.sorted() where key != "@type" {
            guard let field = type.field.first(where: { $0.name == key || $0.jsonName == key }) else {
                throw Failure(description: "\(path + key): \(name.dropFirst()) has no such field")
            }
            let value = object[key]!
            if value is NSNull { continue }
            let fieldPath = path + field.name
            if field.label == .repeated {
                if field.type == .message, let entry = messages[field.typeName], entry.options.mapEntry {
                    guard let map = value as? [String: Any] else {
                        throw Failure(description: "\(fieldPath): a map is a JSON object")
                    }
                    for mapKey in map.keys.sorted() {
                        let keyField = entry.field[0]
                        let valueField = entry.field[1]
                        var inner = try single(keyField, mapKey, path: "\(fieldPath)[\(mapKey)]", mapKey: true)
                        inner += try single(valueField, map[mapKey]!, path: "\(fieldPath)[\(mapKey)]")
                        out += tag(field.number, 2) + WireFormat.encodeVarint(UInt64(inner.count)) + inner
                    }
                } else {
                    guard let list = value as? [Any] else {
                        throw Failure(description: "\(fieldPath): a repeated field is a JSON array")
                    }
                    for (index, element) in list.enumerated() {
                        out += try single(field, element, path: "\(fieldPath)[\(index)]")
                    }
                }
            } else {
                out += try single(field, value, path: fieldPath)
            }
        }
        return out
    }

    private func tag(_ number: Int32, _ wireType: Int) -> [UInt8] {
        WireFormat.encodeVarint(UInt64(Int(number) << 3 | wireType))
    }

    /// One value of `field`, tag included. A map's key arrives as the object's key, a string.
    private func single(_ field: Google_Protobuf_FieldDescriptorProto, _ value: Any, path: String, mapKey: Bool = false)
        throws -> [UInt8]
    {
        func fail(_ why: String) -> Failure { Failure(description: "\(path): \(why)") }
        // JSON numbers arrive as Int or Double (JSONSerialization), 64-bit integers often as strings.
        func integer(_ low: Int64, _ high: Int64) throws -> Int64 {
            let parsed: Int64?
            switch value {
            case _ where Self.isBoolean(value): parsed = nil
            case let text as String: parsed = Int64(text)
            case let number as Int: parsed = Int64(number)
            case let number as Double: parsed = Int64(exactly: number)
            default: parsed = nil
            }
            guard let parsed else { throw fail("\(value) is not an integer") }
            guard parsed >= low, parsed <= high else { throw fail("\(parsed) is out of range") }
            return parsed
        }
        func unsigned(_ high: UInt64) throws -> UInt64 {
            let parsed: UInt64?
            switch value {
            case _ where Self.isBoolean(value): parsed = nil
            case let text as String: parsed = UInt64(text)
            case let number as Int: parsed = UInt64(exactly: number)
            case let number as UInt64: parsed = number
            case let number as Double: parsed = UInt64(exactly: number)
            default: parsed = nil
            }
            guard let parsed else { throw fail("\(value) is not an unsigned integer") }
            guard parsed <= high else { throw fail("\(parsed) is out of range") }
            return parsed
        }
        func floating() throws -> Double {
            switch value {
            case let text as String:
                switch text {
                case "NaN": return .nan
                case "Infinity": return .infinity
                case "-Infinity": return -.infinity
                default:
                    guard let parsed = Double(text) else { throw fail("\(text) is not a number") }
                    return parsed
                }
            case _ where Self.isBoolean(value): throw fail("\(value) is not a number")
            case let number as Int: return Double(number)
            case let number as Double: return number
            default: throw fail("\(value) is not a number")
            }
        }
        func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
        func fixed<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        func delimited(_ bytes: [UInt8]) -> [UInt8] {
            tag(field.number, 2) + WireFormat.encodeVarint(UInt64(bytes.count)) + bytes
        }
        let number = field.number
        switch field.type {
        case .bool:
            let flag: Bool
            if mapKey, let text = value as? String, let parsed = Bool(text) {
                flag = parsed
            } else if Self.isBoolean(value), let b = value as? Bool {
                flag = b
            } else {
                throw fail("\(value) is not true or false")
            }
            return tag(number, 0) + [flag ? 1 : 0]
        case .int32:
            return tag(number, 0)
                + WireFormat.encodeVarint(UInt64(bitPattern: try integer(Int64(Int32.min), Int64(Int32.max))))
        case .int64: return tag(number, 0) + WireFormat.encodeVarint(UInt64(bitPattern: try integer(.min, .max)))
        case .sint32:
            return tag(number, 0) + WireFormat.encodeVarint(zigzag(try integer(Int64(Int32.min), Int64(Int32.max))))
        case .sint64: return tag(number, 0) + WireFormat.encodeVarint(zigzag(try integer(.min, .max)))
        case .uint32: return tag(number, 0) + WireFormat.encodeVarint(try unsigned(UInt64(UInt32.max)))
        case .uint64: return tag(number, 0) + WireFormat.encodeVarint(try unsigned(.max))
        case .fixed32: return tag(number, 5) + fixed(UInt32(try unsigned(UInt64(UInt32.max))))
        case .fixed64: return tag(number, 1) + fixed(try unsigned(.max))
        case .sfixed32: return tag(number, 5) + fixed(Int32(try integer(Int64(Int32.min), Int64(Int32.max))))
        case .sfixed64: return tag(number, 1) + fixed(try integer(.min, .max))
        case .float: return tag(number, 5) + fixed(Float(try floating()).bitPattern)
        case .double: return tag(number, 1) + fixed(try floating().bitPattern)
        case .string:
            guard let text = value as? String else { throw fail("\(value) is not a string") }
            return delimited(Array(text.utf8))
        case .bytes:
            guard let text = value as? String,
                let bytes = Data(base64Encoded: text) ?? Data(base64Encoded: Self.standardBase64(text))
            else { throw fail("bytes are a base64 string") }
            return delimited(Array(bytes))
        case .enum:
            if let name = value as? String {
                guard let e = enums[field.typeName], let v = e.value.first(where: { $0.name == name }) else {
                    throw fail("\(name) is not a value of \(field.typeName.dropFirst())")
                }
                return tag(number, 0) + WireFormat.encodeVarint(UInt64(bitPattern: Int64(v.number)))
            }
            return tag(number, 0)
                + WireFormat.encodeVarint(UInt64(bitPattern: try integer(Int64(Int32.min), Int64(Int32.max))))
        case .message:
            return delimited(
                try wellKnown(field.typeName, value, path: path)
                    ?? {
                        guard let object = value as? [String: Any] else { throw fail("a message is a JSON object") }
                        return try message(object, type: field.typeName, path: path + ".")
                    }())
        default:
            throw fail("fields of type \(field.type) are not supported in vectors")
        }
    }

    /// The bytes of a well-known type given in its JSON form, or nil when `typeName` is none of those handled.
    private func wellKnown(_ typeName: String, _ value: Any, path: String) throws -> [UInt8]? {
        func fail(_ why: String) -> Failure { Failure(description: "\(path): \(why)") }
        let wrapped: any SwiftProtobuf.Message
        switch typeName {
        case ".google.protobuf.Timestamp", ".google.protobuf.Duration", ".google.protobuf.StringValue",
            ".google.protobuf.BytesValue", ".google.protobuf.BoolValue", ".google.protobuf.Int32Value",
            ".google.protobuf.Int64Value", ".google.protobuf.UInt32Value", ".google.protobuf.UInt64Value",
            ".google.protobuf.FloatValue", ".google.protobuf.DoubleValue":
            let json = String(
                decoding: try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]), as: UTF8.self
            )
            do {
                switch typeName {
                case ".google.protobuf.Timestamp": wrapped = try Google_Protobuf_Timestamp(jsonString: json)
                case ".google.protobuf.Duration": wrapped = try Google_Protobuf_Duration(jsonString: json)
                case ".google.protobuf.StringValue": wrapped = try Google_Protobuf_StringValue(jsonString: json)
                case ".google.protobuf.BytesValue": wrapped = try Google_Protobuf_BytesValue(jsonString: json)
                case ".google.protobuf.BoolValue": wrapped = try Google_Protobuf_BoolValue(jsonString: json)
                case ".google.protobuf.Int32Value": wrapped = try Google_Protobuf_Int32Value(jsonString: json)
                case ".google.protobuf.Int64Value": wrapped = try Google_Protobuf_Int64Value(jsonString: json)
                case ".google.protobuf.UInt32Value": wrapped = try Google_Protobuf_UInt32Value(jsonString: json)
                case ".google.protobuf.UInt64Value": wrapped = try Google_Protobuf_UInt64Value(jsonString: json)
                case ".google.protobuf.FloatValue": wrapped = try Google_Protobuf_FloatValue(jsonString: json)
                default: wrapped = try Google_Protobuf_DoubleValue(jsonString: json)
                }
            } catch { throw fail("\(json) is not a \(typeName.dropFirst()) in JSON: \(error)") }
            return Array(try wrapped.serializedBytes() as [UInt8])
        case _ where typeName.hasPrefix(".google.protobuf."):
            guard messages[typeName] != nil else {
                throw fail("\(typeName.dropFirst()) is not supported in vectors; give the record as base64")
            }
            return nil
        default:
            return nil
        }
    }

    /// Whether a value JSONSerialization read is `true` or `false`: it gives numbers and booleans alike as NSNumber,
    /// which casts to Bool, Int and Double whichever it holds; a boolean's type code is "c".
    static func isBoolean(_ value: Any) -> Bool {
        if type(of: value) == Bool.self { return true }
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    /// URL-safe base64 or base64 without padding, as proto3 JSON allows, in the standard alphabet with padding.
    private static func standardBase64(_ text: String) -> String {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return s
    }
}

import Foundation
import SwiftProtobuf

/// Just enough of the protobuf wire format to change one field of a serialized record without its generated
/// type, as the adapter role must for a plugin's own message types: scan a message's fields, replace a (nested)
/// field's value, cut a record inside a field.
enum WireFormat {
    /// One field as it lies in the bytes: its number, wire type, the whole field and its value's bytes.
    struct Field {
        var number: Int
        var wireType: Int
        var whole: Range<Int>
        var value: Range<Int>
    }

    /// The message's fields in order, or nil when the bytes are not a well-formed message (groups included).
    static func fields(_ bytes: [UInt8]) -> [Field]? {
        var fields: [Field] = []
        var index = 0
        while index < bytes.count {
            let start = index
            guard let tag = varint(bytes, &index), tag >> 3 > 0 else { return nil }
            let wireType = Int(tag & 7)
            let valueStart: Int
            switch wireType {
            case 0:
                valueStart = index
                guard varint(bytes, &index) != nil else { return nil }
            case 1, 5:
                valueStart = index
                index += wireType == 1 ? 8 : 4
            case 2:
                guard let length = varint(bytes, &index), length <= UInt64(bytes.count - index) else { return nil }
                valueStart = index
                index += Int(length)
            default:
                return nil  // groups are deprecated; no contract of ours uses them
            }
            guard index <= bytes.count else { return nil }
            fields.append(
                Field(number: Int(tag >> 3), wireType: wireType, whole: start..<index, value: valueStart..<index))
        }
        return fields
    }

    static func varint(_ bytes: [UInt8], _ index: inout Int) -> UInt64? {
        var result: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 7) {
            guard index < bytes.count else { return nil }
            let byte = bytes[index]
            index += 1
            result |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte & 0x80 == 0 { return result }
        }
        return nil
    }

    static func encodeVarint(_ value: UInt64) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        repeat {
            out.append(UInt8(value & 0x7F) | (value >= 0x80 ? 0x80 : 0))
            value >>= 7
        } while value > 0
        return out
    }

    /// `bytes` with the first occurrence of the field at `path` (field numbers, outermost first; every step but
    /// the last a message field) holding `value`; nil when the path is not in the bytes.
    static func replacing(_ path: [Int], with value: [UInt8], in bytes: [UInt8]) -> [UInt8]? {
        guard let number = path.first, let fields = fields(bytes),
            let field = fields.first(where: { $0.number == number && $0.wireType == 2 })
        else { return nil }
        let inner: [UInt8]
        if path.count == 1 {
            inner = value
        } else {
            guard let replaced = replacing(Array(path.dropFirst()), with: value, in: Array(bytes[field.value]))
            else { return nil }
            inner = replaced
        }
        let tag = encodeVarint(UInt64(number << 3 | 2))
        return Array(bytes[..<field.whole.lowerBound]) + tag + encodeVarint(UInt64(inner.count)) + inner
            + Array(bytes[field.whole.upperBound...])
    }

    /// The record cut in the middle of its first length-delimited field of two bytes or more: a length that
    /// promises bytes that never come, which no decoder may accept. Nil when it has no such field.
    static func truncated(_ bytes: [UInt8]) -> [UInt8]? {
        guard let field = fields(bytes)?.first(where: { $0.wireType == 2 && $0.value.count >= 2 }) else { return nil }
        return Array(bytes[..<(field.value.lowerBound + field.value.count / 2)])
    }
}

/// The string fields of a record type that a record carries, found through its descriptors: each as the path
/// of field numbers the wire format needs and the path of names a violation gives.
struct StringFieldPaths {
    private var messages: [String: Google_Protobuf_DescriptorProto] = [:]

    init(_ set: Google_Protobuf_FileDescriptorSet) {
        func add(_ type: Google_Protobuf_DescriptorProto, scope: String) {
            let name = scope + "." + type.name
            messages[name] = type
            for nested in type.nestedType { add(nested, scope: name) }
        }
        for file in set.file {
            for type in file.messageType { add(type, scope: file.package.isEmpty ? "" : "." + file.package) }
        }
    }

    func knows(_ typeName: String) -> Bool { messages["." + typeName] != nil }

    /// Every string field present in `bytes` of type `typeName`, in singular message fields down to `depth`
    /// levels (timestamps and other well-known types hold no strings of the record's own).
    func present(in bytes: [UInt8], typeName: String, depth: Int = 4) -> [(numbers: [Int], names: String)] {
        guard depth > 0, let type = messages[typeName.hasPrefix(".") ? typeName : "." + typeName],
            let fields = WireFormat.fields(bytes)
        else { return [] }
        var found: [(numbers: [Int], names: String)] = []
        var seen = Set<Int>()
        for wire in fields where wire.wireType == 2 && seen.insert(wire.number).inserted {
            guard let field = type.field.first(where: { Int($0.number) == wire.number }) else { continue }
            switch field.type {
            case .string:
                found.append(([wire.number], field.name))
            case .message where field.label != .repeated && !field.typeName.hasPrefix(".google.protobuf."):
                for inner in present(in: Array(bytes[wire.value]), typeName: field.typeName, depth: depth - 1) {
                    found.append(([wire.number] + inner.numbers, field.name + "." + inner.names))
                }
            default: continue
            }
        }
        return found
    }
}

import Foundation
import GovCaseCore
import GovCaseProto
import SwiftProtobuf

/// How large a record's structure may be before any adapter looks at it.
///
/// A message within the size limit can still carry hundreds of thousands of tiny repeated items (0.4 MB of
/// empty `detail_items` is 200,000 of them), and every item costs validation and a violation: one such record
/// once held a core for 40 seconds. No source record needs more than `maxRepeated` items in one field or more
/// than `maxDepth` levels of nesting, so the gateway refuses such a record up front, naming the field, and
/// stops counting at the first excess.
public struct RecordBounds: Sendable, Hashable {
    /// Most items in one repeated or map field.
    var maxRepeated = 1_000
    /// Deepest nesting of messages.
    var maxDepth = 16
    /// Most violations reported for one record; the rest are counted in a final one.
    static let maxViolations = 16

    /// The violation that refuses `message`, or `nil` if it is within bounds.
    public init() {}

    public func violation(in message: any SwiftProtobuf.Message) -> FieldViolation? {
        var visitor = BoundsVisitor(bounds: self, messageType: type(of: message).protoMessageName, depth: 1)
        do {
            try message.traverse(visitor: &visitor)
            return nil
        } catch let excess as BoundsVisitor.Excess {
            return excess.violation
        } catch {
            return FieldViolation(field: "", rule: .maxItems, message: "the record cannot be read: \(error)")
        }
    }
}

extension ValidationRule {
    /// Too many items in a repeated field, or too deep a nesting.
    static let maxItems = ValidationRule(rawValue: "max_items")
}

extension Array where Element == FieldViolation {
    /// The first `RecordBounds.maxViolations` violations, and one more counting the rest: a refusal's trailers
    /// must stay well under standard clients' 16 KB limit whatever the record.
    var bounded: [FieldViolation] {
        guard count > RecordBounds.maxViolations else { return self }
        let shown = prefix(RecordBounds.maxViolations - 1)
        return Array(shown) + [
            FieldViolation(
                field: "", rule: .truncated,
                message: "\(count - shown.count) more violations not listed; fix the ones above and resend")
        ]
    }
}

extension ValidationRule {
    /// Stands for violations left out of a refusal.
    static let truncated = ValidationRule(rawValue: "truncated")
}

/// Counts items per field while traversing a message, and throws at the first excess. It runs for every record,
/// so it keeps no per-field table and builds no field path until there is something to report (each message on the
/// way out puts its field's name in front): `traverse` visits a message's fields in order, the items of a repeated
/// field one after another.
private struct BoundsVisitor: SwiftProtobuf.Visitor {
    struct Excess: Error { var violation: FieldViolation }

    let bounds: RecordBounds
    /// Fully qualified name of the message being traversed, for field names in refusals.
    let messageType: String
    /// How deep this message is: 1 for the record.
    let depth: Int
    /// The field being visited and how many of its items have been.
    var field = (number: 0, items: 0)

    /// A field's name in this message, for refusals.
    func name(_ fieldNumber: Int) -> String {
        FieldNames.contracts[messageType]?[fieldNumber] ?? "#\(fieldNumber)"
    }

    mutating func count(_ fieldNumber: Int, _ n: Int = 1) throws {
        field = (fieldNumber, field.number == fieldNumber ? field.items + n : n)
        guard field.items <= bounds.maxRepeated else {
            throw Excess(
                violation: FieldViolation(
                    field: name(fieldNumber), rule: .maxItems,
                    message: "has more than \(bounds.maxRepeated) items; at most \(bounds.maxRepeated) are allowed"))
        }
    }

    mutating func visitSingularDoubleField(value: Double, fieldNumber: Int) throws { try count(fieldNumber) }
    mutating func visitSingularInt64Field(value: Int64, fieldNumber: Int) throws { try count(fieldNumber) }
    mutating func visitSingularUInt64Field(value: UInt64, fieldNumber: Int) throws { try count(fieldNumber) }
    mutating func visitSingularBoolField(value: Bool, fieldNumber: Int) throws { try count(fieldNumber) }
    mutating func visitSingularStringField(value: String, fieldNumber: Int) throws { try count(fieldNumber) }
    mutating func visitSingularBytesField(value: Data, fieldNumber: Int) throws { try count(fieldNumber) }
    mutating func visitSingularEnumField<E: SwiftProtobuf.Enum>(value: E, fieldNumber: Int) throws {
        try count(fieldNumber)
    }

    mutating func visitSingularMessageField<M: SwiftProtobuf.Message>(value: M, fieldNumber: Int) throws {
        try count(fieldNumber)
        guard depth < bounds.maxDepth else {
            throw Excess(
                violation: FieldViolation(
                    field: name(fieldNumber), rule: .maxItems,
                    message: "nests more than \(bounds.maxDepth) messages deep"))
        }
        var child = BoundsVisitor(bounds: bounds, messageType: M.protoMessageName, depth: depth + 1)
        do {
            try value.traverse(visitor: &child)
        } catch var excess as Excess {
            excess.violation.field = name(fieldNumber) + "." + excess.violation.field
            throw excess
        }
    }

    mutating func visitSingularGroupField<G: SwiftProtobuf.Message>(value: G, fieldNumber: Int) throws {
        try visitSingularMessageField(value: value, fieldNumber: fieldNumber)
    }

    mutating func visitMapField<KeyType, ValueType: MapValueType>(
        fieldType: _ProtobufMap<KeyType, ValueType>.Type, value: _ProtobufMap<KeyType, ValueType>.BaseType,
        fieldNumber: Int
    ) throws { try count(fieldNumber, value.count) }

    mutating func visitMapField<KeyType, ValueType>(
        fieldType: _ProtobufEnumMap<KeyType, ValueType>.Type, value: _ProtobufEnumMap<KeyType, ValueType>.BaseType,
        fieldNumber: Int
    ) throws where ValueType.RawValue == Int { try count(fieldNumber, value.count) }

    mutating func visitMapField<KeyType, ValueType>(
        fieldType: _ProtobufMessageMap<KeyType, ValueType>.Type,
        value: _ProtobufMessageMap<KeyType, ValueType>.BaseType, fieldNumber: Int
    ) throws { try count(fieldNumber, value.count) }

    mutating func visitUnknown(bytes: Data) throws {}
}

/// Field names by message and number, from the contracts' descriptor set (swift-protobuf keeps none public).
enum FieldNames {
    static let contracts: [String: [Int: String]] = {
        guard let set = try? ContractDescriptors.fileDescriptorSet() else { return [:] }
        var names: [String: [Int: String]] = [:]
        func add(_ message: Google_Protobuf_DescriptorProto, prefix: String) {
            let full = prefix + message.name
            names[full] = Dictionary(
                message.field.map { (Int($0.number), $0.name) }, uniquingKeysWith: { first, _ in first })
            for nested in message.nestedType { add(nested, prefix: full + ".") }
        }
        for file in set.file {
            for message in file.messageType { add(message, prefix: file.package.isEmpty ? "" : file.package + ".") }
        }
        return names
    }()
}

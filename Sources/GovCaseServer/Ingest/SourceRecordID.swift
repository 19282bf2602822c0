import SwiftProtobuf

/// The external id of a source record, read without its adapter: by the contracts' convention (ingest.proto),
/// every source record carries its external id in field 1, a string. Used to name a record refused before its
/// translation succeeded, so that the sender can tell which one it was.
enum SourceRecordID {
    static func of(_ message: any SwiftProtobuf.Message) -> String {
        // A plugin's record travels as `Any`: its own field 1 is inside.
        if let any = message as? Google_Protobuf_Any { return of(serialized: [UInt8](any.value)) }
        var options = BinaryEncodingOptions()
        options.useDeterministicOrdering = true  // fields in number order: field 1, if set, comes first
        guard let bytes: [UInt8] = try? message.serializedBytes(options: options) else { return "" }
        return of(serialized: bytes)
    }

    /// Field 1 of a serialized message, when it comes first (as every deterministic serializer writes it).
    static func of(serialized bytes: [UInt8]) -> String {
        guard bytes.first == 0x0A else {
            return ""  // field 1 absent (an empty string is not serialized), or not length-delimited
        }
        var length = 0
        var shift = 0
        var position = 1
        while position < bytes.count, shift < 35 {
            let byte = bytes[position]
            length |= Int(byte & 0x7F) << shift
            position += 1
            guard byte & 0x80 != 0 else {
                guard length <= bytes.count - position else { return "" }
                return String(decoding: bytes[position..<position + length], as: UTF8.self)
            }
            shift += 7
        }
        return ""
    }
}

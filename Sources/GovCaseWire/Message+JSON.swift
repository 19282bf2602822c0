import Foundation
import SwiftProtobuf

extension SwiftProtobuf.Message {
    /// Protobuf JSON with proto field names (`region_code`, as in the `.proto` files), keys sorted and
    /// indented, for people and golden files. Any JSON parser and any protobuf JSON decoder read it.
    public func prettyJSON() throws -> String {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        let compact = try jsonUTF8Data(options: options)
        let object = try JSONSerialization.jsonObject(with: compact)
        let pretty = try JSONSerialization.data(
            withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: pretty, as: UTF8.self)
    }
}

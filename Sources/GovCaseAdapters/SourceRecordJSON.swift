import Foundation

/// A source record in protobuf JSON, with its message type taken from an `@type` field when present
/// (`"govcase.sources.national.v1.EvaluationRecord"` or `"type.googleapis.com/…"`).
public struct SourceRecordJSON: Sendable {
    /// The message type named by `@type`, without any URL prefix; `nil` if the record names none.
    public let typeName: String?
    /// The record's JSON without `@type`, ready for a message's JSON decoder.
    public let json: String

    /// Splits `@type` from `text`. Throws if `text` is not a JSON object.
    public init(_ text: String) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "a record must be a JSON object"))
        }
        var fields = object
        let type = fields.removeValue(forKey: "@type") as? String
        typeName = type.map { String($0.split(separator: "/").last ?? Substring($0)) }
        json = String(decoding: try JSONSerialization.data(withJSONObject: fields), as: UTF8.self)
    }
}

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

    /// The path of the field that makes the record's JSON fail to decode (`evaluated_at`, `item.org_name`,
    /// `detail_items[1]`), found by decoding the record a field at a time, deeper while the failure follows; nil
    /// when no single field fails alone. The JSON decoder says what is wrong (`malformedTimestamp`) but not where.
    public func failingPath(decode: (String) throws -> Void) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            return nil
        }
        return Self.failingPath(in: object, prefix: "", rebuild: { $0 }, decode: decode)
    }

    private static func failingPath(
        in object: [String: Any], prefix: String, rebuild: ([String: Any]) -> Any, decode: (String) throws -> Void
    ) -> String? {
        func fails(_ candidate: [String: Any]) -> Bool {
            guard let data = try? JSONSerialization.data(withJSONObject: rebuild(candidate)) else { return false }
            return (try? decode(String(decoding: data, as: UTF8.self))) == nil
        }
        for key in object.keys.sorted() where fails([key: object[key]!]) {
            let path = prefix + key
            switch object[key] {
            case let nested as [String: Any]:
                let deeper = failingPath(
                    in: nested, prefix: path + ".", rebuild: { rebuild([key: $0]) }, decode: decode)
                return deeper ?? path
            case let list as [Any]:
                for (index, element) in list.enumerated() where fails([key: [element]]) {
                    if let nested = element as? [String: Any] {
                        let deeper = failingPath(
                            in: nested, prefix: "\(path)[\(index)].", rebuild: { rebuild([key: [$0]]) }, decode: decode)
                        return deeper ?? "\(path)[\(index)]"
                    }
                    return "\(path)[\(index)]"
                }
                return path
            default:
                return path
            }
        }
        return nil
    }
}

import Foundation

/// A golden vector file (`Tests/Vectors/README.md`) given to `govcase translate` in place of a bare record.
struct GoldenVectorEnvelope {
    /// The vector's record, as JSON text.
    let record: String
    /// Its `received_at`.
    let receivedAt: Date?
    /// Its `source_system`.
    let sourceSystem: String?
    /// Its `code_overrides`, as JSON.
    let codeOverrides: Data?

    /// `nil` unless `text` is a JSON object with a `record` object and no `@type` of its own.
    init?(text: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            object["@type"] == nil, let record = object["record"] as? [String: Any],
            let recordData = try? JSONSerialization.data(withJSONObject: record)
        else { return nil }
        self.record = String(decoding: recordData, as: UTF8.self)
        receivedAt = (object["received_at"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) }
        sourceSystem = object["source_system"] as? String
        codeOverrides = object["code_overrides"].flatMap { try? JSONSerialization.data(withJSONObject: $0) }
    }
}

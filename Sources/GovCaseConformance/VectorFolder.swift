import Foundation
import GovCaseAdapters
import GovCaseCore
import GovCaseProto
import SwiftProtobuf

/// Golden vectors for the adapter role, in the project's format (docs/conformance.md, "Golden vectors"): `valid/*.json`
/// expect a case (`expect.case`) or a follow-up (`expect.follow_up`), `invalid/*.json` list violations
/// (`expect.violations`). A record is protobuf JSON with its `@type`: a contract type is read here, a plugin's own
/// type once the plugin has described it (`resolved(with:)`); `{"@type": ..., "base64": ...}` gives the
/// serialized bytes instead. Vectors that need code
/// overrides are left out: they test a gateway's configuration, not an adapter. So are those that need a prior
/// case (`given`), except a valid follow-up: its translation does not depend on the case it applies to (the
/// `status_after` it leads to is the gateway's part).
public struct GoldenVector: Sendable {
    public var name: String
    public var isValid: Bool
    public var record: Google_Protobuf_Any
    /// A plugin type's record in JSON, until the plugin's descriptors turn it into `record`.
    var pendingJSON: String?
    /// Why the record could not be serialized; the vector fails with it.
    public var unusable: String?
    public var receivedAt: Date
    public var sourceSystem: String
    /// The expected case or follow-up, as protobuf JSON; nil for invalid vectors.
    public var expectedCase: String?
    public var expectedFollowUp: String?
    /// (field, rule) pairs, for invalid vectors.
    public var expectedViolations: [(field: String, rule: String)]

    public static func load(_ folder: URL) throws -> [GoldenVector] {
        var vectors: [GoldenVector] = []
        for (sub, valid) in [("valid", true), ("invalid", false)] {
            let dir = folder.appendingPathComponent(sub)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            for file in files.sorted() where file.hasSuffix(".json") {
                if let vector = try GoldenVector(url: dir.appendingPathComponent(file), isValid: valid) {
                    vectors.append(vector)
                }
            }
        }
        return vectors
    }

    /// A vector's keys; any other is refused, naming it and the file.
    static let keys: Set<String> = [
        "description", "received_at", "source_system", "code_overrides", "given", "record", "expect",
    ]
    static let requiredKeys = ["description", "record", "expect"]
    /// The keys of `expect`, and of each of its `violations`.
    static let expectKeys: Set<String> = ["case", "follow_up", "status_after", "violations"]
    static let violationKeys: Set<String> = ["field", "rule"]

    /// Refuses an unknown or missing key, naming it and the file: a misspelt key must not be silently ignored.
    static func checkKeys(_ object: [String: Any], file: String) throws {
        func refuse(_ path: String, _ known: Set<String>) throws -> Never {
            throw ConformanceError(
                "\(file): unknown key \"\(path)\" (a vector's keys are \(known.sorted().joined(separator: ", ")); "
                    + "docs/conformance.md, \"Golden vectors\")")
        }
        if let unknown = object.keys.sorted().first(where: { !keys.contains($0) }) { try refuse(unknown, keys) }
        if let missing = requiredKeys.first(where: { object[$0] == nil }) {
            throw ConformanceError("\(file): the key \"\(missing)\" is required")
        }
        guard let expect = object["expect"] as? [String: Any] else {
            throw ConformanceError("\(file): \"expect\" is not an object")
        }
        if let unknown = expect.keys.sorted().first(where: { !expectKeys.contains($0) }) {
            try refuse("expect.\(unknown)", expectKeys)
        }
        for (index, violation) in ((expect["violations"] as? [Any]) ?? []).enumerated() {
            guard let violation = violation as? [String: Any] else {
                throw ConformanceError("\(file): expect.violations[\(index)] is not an object")
            }
            if let unknown = violation.keys.sorted().first(where: { !violationKeys.contains($0) }) {
                try refuse("expect.violations[\(index)].\(unknown)", violationKeys)
            }
        }
        if let record = object["record"] as? [String: Any], record["base64"] != nil,
            let unknown = record.keys.sorted().first(where: { $0 != "@type" && $0 != "base64" })
        {
            try refuse("record.\(unknown)", ["@type", "base64"])
        }
    }

    init?(url: URL, isValid: Bool) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
            throw ConformanceError("\(url.path): not a JSON object")
        }
        try Self.checkKeys(object, file: url.path)
        let expectsFollowUp = (object["expect"] as? [String: Any])?["follow_up"] != nil
        if object["code_overrides"] != nil || (object["given"] != nil && !expectsFollowUp) { return nil }
        func text(_ any: Any) throws -> String {
            String(
                decoding: try JSONSerialization.data(withJSONObject: any, options: [.sortedKeys, .fragmentsAllowed]),
                as: UTF8.self)
        }
        name = url.deletingLastPathComponent().lastPathComponent + "/" + url.lastPathComponent
        self.isValid = isValid
        guard let record = object["record"] as? [String: Any], let type = record["@type"] as? String else {
            throw ConformanceError("\(name): record with @type is required")
        }
        if let base64 = record["base64"] as? String {
            guard let bytes = Data(base64Encoded: base64) else { throw ConformanceError("\(name): bad base64") }
            self.record = .with {
                $0.typeURL = "type.googleapis.com/" + type
                $0.value = bytes
            }
        } else {
            let json = try SourceRecordJSON(try text(record))
            if let adapter = BuiltInAdapters.all().first(where: { $0.messageTypes[type] != nil }),
                let message = try adapter.decode(json: json.json, typeName: type)
            {
                self.record = try Google_Protobuf_Any(message: message)
            } else {
                self.record = .with { $0.typeURL = "type.googleapis.com/" + type }
                pendingJSON = try text(record)
            }
        }
        receivedAt = ISO8601DateFormatter().date(from: object["received_at"] as? String ?? "") ?? Date()
        sourceSystem = object["source_system"] as? String ?? "vector-source"
        let expect = object["expect"] as? [String: Any] ?? [:]
        expectedCase = try expect["case"].map(text)
        expectedFollowUp = try expect["follow_up"].map(text)
        expectedViolations = (expect["violations"] as? [[String: Any]] ?? []).map {
            (field: $0["field"] as? String ?? "", rule: $0["rule"] as? String ?? "")
        }
    }
}

extension GoldenVector {
    /// The vector with a plugin type's JSON record serialized through the plugin's descriptor set (Describe's
    /// `descriptor_set`); a record that cannot be is kept as `unusable`, with the reason.
    func resolved(with descriptors: Google_Protobuf_FileDescriptorSet?) -> GoldenVector {
        guard let pendingJSON else { return self }
        var vector = self
        vector.pendingJSON = nil
        let typeName = String(record.typeURL.split(separator: "/").last ?? "")
        guard let descriptors else {
            vector.unusable = "\(typeName) is no contract type and Describe gave no descriptor_set to read it with"
            return vector
        }
        do {
            let object = try JSONSerialization.jsonObject(with: Data(pendingJSON.utf8)) as? [String: Any] ?? [:]
            vector.record.value = try DescriptorJSON(descriptors).encode(object, typeName: typeName)
        } catch { vector.unusable = "the record as \(typeName): \(error)" }
        return vector
    }
}

/// A kit input that cannot be used: a vector, an identity.
struct ConformanceError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

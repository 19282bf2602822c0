import Foundation
import GovCaseAdapters
import GovCaseCore
import GovCaseProto
import GovCaseWire
import SwiftProtobuf
import Testing

/// One golden vector from `Tests/Vectors/<adapter-id>/{valid,invalid}/*.json` (format: `Tests/Vectors/README.md`).
struct Vector: Sendable, CustomTestStringConvertible {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Vectors")

    let url: URL
    let adapterID: String
    let isValid: Bool
    let description: String
    let sourceSystem: String
    let receivedAt: Date
    let overrides: CodeTable?
    /// Earlier records, as JSON texts, translated and applied before this one.
    let given: [String]
    /// The record, as JSON text.
    let record: String
    /// The `expect` object, as JSON text.
    let expect: [String: JSONValue]

    var testDescription: String { "\(adapterID)/\(isValid ? "valid" : "invalid")/\(url.lastPathComponent)" }

    static func all(valid: Bool? = nil) -> [Vector] {
        let files =
            FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }
            .filter {
                // <adapter>/valid/*.json and <adapter>/invalid/*.json; provinces/ holds record sets, not vectors.
                $0.pathExtension == "json"
                    && ["valid", "invalid"].contains($0.deletingLastPathComponent().lastPathComponent)
            } ?? []
        return files.map { try! Vector(url: $0) }.filter { valid == nil || $0.isValid == valid }
            .sorted { $0.testDescription < $1.testDescription }
    }

    init(url: URL) throws {
        self.url = url
        isValid = url.deletingLastPathComponent().lastPathComponent == "valid"
        adapterID = url.deletingLastPathComponent().deletingLastPathComponent().lastPathComponent
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        func text(_ any: Any) -> String {
            String(
                decoding: try! JSONSerialization.data(withJSONObject: any, options: [.sortedKeys, .fragmentsAllowed]),
                as: UTF8.self)
        }
        description = object["description"] as? String ?? ""
        sourceSystem = object["source_system"] as? String ?? "vector-source"
        receivedAt = ISO8601DateFormatter().date(from: object["received_at"] as! String)!
        overrides = try (object["code_overrides"]).map { try CodeTable(json: Data(text($0).utf8)) }
        given = (object["given"] as? [Any] ?? []).map(text)
        record = text(object["record"]!)
        expect = (object["expect"] as? [String: Any] ?? [:]).mapValues { JSONValue(text($0)) }
    }

    /// The adapter with this vector's overrides.
    var adapter: AnySourceAdapter {
        let overrides = self.overrides.map { [adapterID: [sourceSystem: $0]] } ?? [:]
        return BuiltInAdapters.all(overrides: overrides).first { $0.info.id == adapterID }!
    }

    var context: TranslationContext { TranslationContext(sourceSystem: sourceSystem, receivedAt: receivedAt) }

    /// Decodes a record's JSON text by its `@type`.
    func decode(_ text: String) throws -> any SwiftProtobuf.Message {
        let json = try SourceRecordJSON(text)
        let typeName = try #require(json.typeName, "every vector record names its @type")
        let message = try adapter.decode(json: json.json, typeName: typeName)
        return try #require(message, "\(adapterID) does not accept \(typeName)")
    }

    /// The case the `given` records build, if any.
    func givenCase() throws -> Case? {
        var c: Case?
        for text in given {
            switch adapter.translate(try decode(text), context: context) {
            case .newCase(let new)?: c = new
            case .followUp(let f)?:
                try #require(c != nil, "a follow-up is given before its case")
                try c!.apply(f, recordedAt: receivedAt, policy: .standard)
            default: Issue.record("given record did not translate: \(text)")
            }
        }
        return c
    }
}

/// A JSON value kept as text, compared by parsing.
struct JSONValue: Sendable {
    let text: String
    init(_ text: String) { self.text = text }
    var string: String? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed) as? String
    }
    var array: [[String: String]]? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: String]]
    }
}

import Foundation
import GovCaseAdapters
import GovCaseProto
import SwiftProtobuf
import Testing

@testable import GovCaseConformance

/// The kit serializes a plugin type's JSON record through the plugin's descriptors. Checked against
/// SwiftProtobuf's own JSON decoding of the contract types: every record of every golden vector, encoded from its
/// descriptors, must decode to the same message as SwiftProtobuf reads from the same JSON.
@Suite struct DescriptorJSONTests {
    static let vectors = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Vectors")

    static func records() throws -> [(name: String, type: String, object: [String: Any])] {
        var found: [(name: String, type: String, object: [String: Any])] = []
        let files = FileManager.default.enumerator(at: vectors, includingPropertiesForKeys: nil)!
        for case let url as URL in files where url.pathExtension == "json" {
            guard let vector = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any],
                let record = vector["record"] as? [String: Any], let type = record["@type"] as? String,
                record["base64"] == nil
            else { continue }
            found.append((url.path.replacingOccurrences(of: vectors.path + "/", with: ""), type, record))
        }
        return found
    }

    @Test func everyVectorRecordEncodesAsSwiftProtobufReadsIt() throws {
        let encoder = DescriptorJSON(try ContractDescriptors.fileDescriptorSet())
        let records = try Self.records()
        var compared = 0
        for (name, type, object) in records {
            guard let adapter = BuiltInAdapters.all().first(where: { $0.messageTypes[type] != nil }),
                let messageType = adapter.messageTypes[type]
            else {
                Issue.record("\(name): \(type) is no contract type")
                continue
            }
            var fields = object
            fields["@type"] = nil
            // Records some vectors give in the adapter's lenient form (codes as numbers) are not protobuf JSON.
            let json = String(decoding: try JSONSerialization.data(withJSONObject: fields), as: UTF8.self)
            guard let expected = try? messageType.init(jsonString: json) else { continue }
            let bytes = try encoder.encode(fields, typeName: type)
            let decoded = try messageType.init(serializedBytes: bytes)
            #expect(decoded.isEqualTo(message: expected), "\(name)")
            compared += 1
        }
        #expect(compared > 100)
    }

    @Test func whatCannotBeEncodedIsRefusedNamingTheField() throws {
        let encoder = DescriptorJSON(try ContractDescriptors.fileDescriptorSet())
        let type = "govcase.sources.national.v1.EvaluationRecord"
        let cases: [([String: Any], String)] = [
            (["evaluation_id": 7], "evaluation_id: 7 is not a string"),
            (["revision": -1], "revision: -1 is not an unsigned integer"),
            (["revision": true], "revision: true is not an unsigned integer"),
            (["level": 1.5], "level: 1.5 is not an integer"),
            (["colour": "red"], "colour: govcase.sources.national.v1.EvaluationRecord has no such field"),
            (["evaluator": ["nmae": "x"]], "evaluator.nmae: govcase.sources.national.v1.Evaluator has no such field"),
            (["evaluated_at": "yesterday"], "evaluated_at: \"yesterday\" is not a google.protobuf.Timestamp"),
            (["detail_items": "501"], "detail_items: a repeated field is a JSON array"),
        ]
        for (object, message) in cases {
            #expect {
                try encoder.encode(object, typeName: type)
            } throws: { error in
                "\(error)".hasPrefix(message)
            }
        }
        // JSON names and names alike; 64-bit integers as strings.
        let a = try encoder.encode(["evaluationId": "E1", "revision": "3"], typeName: type)
        let b = try encoder.encode(["evaluation_id": "E1", "revision": 3], typeName: type)
        #expect(a == b)
    }
}

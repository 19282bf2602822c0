import Foundation
import GovCaseAdapters
import GovCaseCore
import GovCaseProto
import GovCaseWire
import SwiftProtobuf
import Testing

/// Every golden vector: the translation matches, follow-ups move the case as expected, and for valid
/// vectors render(translate(x)) gives back x.
@Suite struct VectorTests {
    /// Set GOVCASE_RECORD_VECTORS=1 to write the actual case or follow-up into valid vectors (then review the diff).
    static let recording = ProcessInfo.processInfo.environment["GOVCASE_RECORD_VECTORS"] == "1"

    @Test(arguments: Vector.all(valid: false))
    func invalidVectorsAreRefusedWithTheirViolations(vector: Vector) throws {
        let translation = vector.adapter.translate(try vector.decode(vector.record), context: vector.context)
        guard case .rejected(let violations)? = translation else {
            Issue.record("accepted: \(String(describing: translation))")
            return
        }
        let expected = try #require(vector.expect["violations"]?.array)
        #expect(violations.map { "\($0.field) \($0.rule)" } == expected.map { "\($0["field"]!) \($0["rule"]!)" })
        #expect(violations.allSatisfy { !$0.message.isEmpty })
    }

    @Test(arguments: Vector.all(valid: true))
    func validVectorsTranslateAsRecordedAndRoundTrip(vector: Vector) throws {
        let adapter = vector.adapter
        let original = try vector.decode(vector.record)
        switch adapter.translate(original, context: vector.context) {
        case .newCase(let c)?:
            try check(c.proto, against: "case", in: vector)
            #expect(try Case(proto: c.proto) == c, "the stored form (govcase.core.v1.Case) reads back the same case")
            let rendered = try adapter.render(c)
            #expect(rendered.count == 1)
            #expect(rendered.first?.textFormatString() == original.textFormatString(), "round trip")
        case .followUp(let f)?:
            try check(f.proto, against: "follow_up", in: vector)
            var c = try #require(try vector.givenCase(), "a follow-up vector needs its case in `given`")
            let events = try c.apply(f, recordedAt: vector.receivedAt, policy: .standard)
            #expect(try Case(proto: c.proto) == c, "the stored form keeps the case's events and loop")
            if let status = vector.expect["status_after"]?.string {
                #expect(c.status.proto == Govcase_Core_V1_CaseStatus(rawValue: try #require(Self.statusNumber(status))))
            }
            let rendered = try adapter.render(try #require(events.last), of: c)
            #expect(rendered.count == 1)
            #expect(rendered.first?.textFormatString() == original.textFormatString(), "round trip")
        case .rejected(let violations)?:
            Issue.record("refused: \(violations)")
        case nil:
            Issue.record("adapter does not accept the record")
        }
    }

    /// Compares with the golden JSON under `expect[key]`, or writes it when recording.
    func check<M: SwiftProtobuf.Message & Equatable>(_ actual: M, against key: String, in vector: Vector) throws {
        if Self.recording {
            try Self.record(try actual.prettyJSON(), as: key, in: vector.url)
            return
        }
        let golden = try #require(vector.expect[key], "no expect.\(key): record it with GOVCASE_RECORD_VECTORS=1")
        let expected = try M(jsonString: golden.text)
        #expect(actual == expected, "\(actual.textFormatString())")
    }

    static func statusNumber(_ name: String) -> Int? {
        // Enum names as in the proto; the JSON decoder resolves them.
        (try? Govcase_Core_V1_LifecycleEvent(jsonString: "{\"to_status\": \"\(name)\"}"))?.toStatus.rawValue
    }

    static func record(_ json: String, as key: String, in url: URL) throws {
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        var expect = object["expect"] as? [String: Any] ?? [:]
        expect[key] = try JSONSerialization.jsonObject(with: Data(json.utf8))
        object["expect"] = expect
        let data = try JSONSerialization.data(
            withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try (String(decoding: data, as: UTF8.self) + "\n").write(to: url, atomically: true, encoding: .utf8)
    }
}

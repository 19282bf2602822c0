import GovCaseCore
import GovCaseProto
import GovCaseServer
import SwiftProtobuf
import Testing

/// `RecordBounds` counts items per field and names the field it refuses by its full path.
struct RecordBoundsTests {
    let bounds = RecordBounds()

    @Test func aNestedRepeatedFieldOverTheBoundIsNamedByItsPath() throws {
        var record = Govcase_Core_V1_Case()
        record.evaluation.detailItems = Array(repeating: "", count: 1_001)
        let violation = try #require(bounds.violation(in: record))
        #expect(violation.field == "evaluation.detail_items")
        #expect(violation.rule.rawValue == "max_items")
    }

    @Test func itemsAreCountedPerFieldNotInTotal() {
        var record = Govcase_Core_V1_Case()
        record.evaluation.detailItems = Array(repeating: "x", count: 1_000)
        record.evaluation.dimensions = Array(repeating: .init(), count: 1_000)
        record.events = Array(repeating: .init(), count: 1_000)
        #expect(bounds.violation(in: record) == nil)
    }

    @Test func aRepeatedFieldOfMessagesCountsEachItemOnce() throws {
        var record = Govcase_Core_V1_Case()
        record.events = Array(repeating: .init(), count: 1_001)
        #expect(try #require(bounds.violation(in: record)).field == "events")
    }

    @Test func aRepeatedFieldTwoMessagesDownIsNamedByItsWholePath() throws {
        var record = Govcase_Core_V1_Case()
        record.service.evaluatedPeople = Array(repeating: .init(), count: 1_001)
        #expect(try #require(bounds.violation(in: record)).field == "service.evaluated_people")
    }

    /// 17 lists inside one another (`google.protobuf.Value`, the one recursive message a record may carry): refused
    /// at the 16th level, with the path down to it.
    @Test func nestingDeeperThanTheBoundIsRefusedWithItsPath() throws {
        var value = Google_Protobuf_Value(stringValue: "x")
        for _ in 0..<17 { value = Google_Protobuf_Value(listValue: Google_Protobuf_ListValue(values: [value])) }
        let violation = try #require(bounds.violation(in: value))
        #expect(violation.rule.rawValue == "max_items" && violation.message.contains("nests more than 16"))
        #expect(violation.field.split(separator: ".").count == 16, "\(violation.field)")
        var shallow = Google_Protobuf_Value(stringValue: "x")
        for _ in 0..<7 { shallow = Google_Protobuf_Value(listValue: Google_Protobuf_ListValue(values: [shallow])) }
        #expect(bounds.violation(in: shallow) == nil)
    }
}

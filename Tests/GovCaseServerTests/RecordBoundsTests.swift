import GovCaseCore
import GovCaseProto
import GovCaseServer
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
}

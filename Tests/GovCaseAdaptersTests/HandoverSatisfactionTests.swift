import Foundation
import GovCaseAdapters
import GovCaseCore
import GovCaseProto
import SwiftProtobuf
import Testing

/// A hand-over's return-visit satisfaction, in the 12345 platform's own code (as the hotline's contract
/// carries it) or the older number 1–5 (5 = 非常满意): one convention inside, whichever form arrives.
@Suite struct HandoverSatisfactionTests {
    static func level(code: String, number: Int32) -> SatisfactionLevel?? {
        let adapter = BuiltInAdapters.all().first { $0.info.id == "culture-tourism" }!
        let record = Govcase_Sources_Culturetourism_V1_HandoverProgress.with {
            $0.progressID = "JD-sat"
            $0.revision = 1
            $0.orderID = "GD-1"
            $0.step = "HFPJ"
            $0.satisfactionCode = code
            $0.satisfaction = number
            $0.occurredAt = Google_Protobuf_Timestamp(date: Date(timeIntervalSince1970: 1_741_572_000))
        }
        guard case .followUp(let f)? = adapter.translate(record, context: .init(sourceSystem: "t", receivedAt: Date()))
        else { return .some(nil) }
        return .some(f.steps.first?.action.level)
    }

    @Test(arguments: [("1", SatisfactionLevel.verySatisfied), ("4", .dissatisfied), ("5", .veryDissatisfied)])
    func theCodeAloneReadsAsTheHotlineReadsIt(code: String, level: SatisfactionLevel) {
        #expect(Self.level(code: code, number: 0) == .some(level))
    }

    @Test func theNumberAloneStillReadsWith5AsVerySatisfied() {
        #expect(Self.level(code: "", number: 5) == .some(.verySatisfied))
        #expect(Self.level(code: "", number: 2) == .some(.dissatisfied))
    }
}

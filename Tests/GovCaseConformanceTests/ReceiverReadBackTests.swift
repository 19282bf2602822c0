import Foundation
import GovCaseProto
import SwiftProtobuf
import Testing

@testable import GovCaseConformance

/// `receiver.ingest.every-field-read-back` compares what a receiver reads back with what was sent, field by field:
/// its record sets every field, a faithful read-back (masked or not) passes, and a dropped comment or evaluator is
/// named.
@Suite struct ReceiverReadBackTests {
    static let sent = ReceiverRecords.everyField("CONF-test-every-field").evaluation

    /// Paths of the fields of the national source messages left at their default in `record`, recursively.
    static func unset(_ record: Govcase_Sources_National_V1_EvaluationRecord) throws -> [String] {
        let messages = Dictionary(
            try ContractDescriptors.fileDescriptorSet().file.filter { $0.package == "govcase.sources.national.v1" }
                .flatMap { file in file.messageType.map { (".\(file.package).\($0.name)", $0) } },
            uniquingKeysWith: { a, _ in a })
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        func missing(_ value: Any?, _ type: String, _ path: String) -> [String] {
            guard let message = messages[type] else { return [] }  // a well-known type: set when present
            let object = value as? [String: Any] ?? [:]
            return message.field.flatMap { field -> [String] in
                let here = path.isEmpty ? field.name : "\(path).\(field.name)"
                guard let present = object[field.name] else { return [here] }
                if let list = present as? [Any] {
                    return list.isEmpty ? [here] : list.enumerated().flatMap { missing($1, field.typeName, "\(here)[\($0)]") }
                }
                return missing(present, field.typeName, here)
            }
        }
        return missing(
            try JSONSerialization.jsonObject(with: try record.jsonUTF8Data(options: options)),
            ".govcase.sources.national.v1.EvaluationRecord", "")
    }

    @Test func theKitsRecordSetsEveryFieldAndTheReferenceAdapterTakesIt() throws {
        #expect(try Self.unset(Self.sent) == ["invalid"])
        let stored = try ReceiverChecks.referenceCase(Self.sent)
        #expect(stored.evaluation.text == Self.sent.text)
    }

    @Test func aFaithfulReadBackLosesNothingMaskedOrNot() throws {
        #expect(try ReceiverChecks.fieldsLost(sent: Self.sent, stored: try ReceiverChecks.referenceCase(Self.sent)) == [])
        let masked = try ReceiverChecks.referenceCase(Self.sent, masked: true)
        #expect(masked.requester != (try ReceiverChecks.referenceCase(Self.sent)).requester, "the reader's view is masked")
        #expect(try ReceiverChecks.fieldsLost(sent: Self.sent, stored: masked) == [])
    }

    @Test func aDroppedCommentIsNamed() throws {
        var stored = try ReceiverChecks.referenceCase(Self.sent, masked: true)
        stored.evaluation.text = ""
        let lost = try ReceiverChecks.fieldsLost(sent: Self.sent, stored: stored)
        #expect(lost == ["text: sent \"窗口引导清楚，材料一次说清\", read back nothing"], "\(lost)")
    }

    @Test func aDroppedEvaluatorIsNamed() throws {
        var stored = try ReceiverChecks.referenceCase(Self.sent)
        stored.clearRequester()
        let lost = try ReceiverChecks.fieldsLost(sent: Self.sent, stored: stored)
        #expect(lost.contains { $0.hasPrefix("evaluator") } || lost.contains { $0.contains("cannot be rendered") }, "\(lost)")
    }

    @Test func anEvaluatorWithOneFieldChangedIsNamed() throws {
        var stored = try ReceiverChecks.referenceCase(Self.sent)
        stored.requester.phone = "13900000000"
        let lost = try ReceiverChecks.fieldsLost(sent: Self.sent, stored: stored)
        #expect(lost == ["evaluator.phone: sent \"13812345678\", read back \"13900000000\""], "\(lost)")
    }
}

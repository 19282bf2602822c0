import Foundation
import GovCaseCore
import GovCaseProto
import GovCaseWire
import SwiftProtobuf
import Testing

/// Each core enum mirrors its proto enum value by value, in order: checked by name against the descriptors.
@Suite struct ProtoEnumMirrorTests {
    static let descriptors = try! ContractDescriptors.fileDescriptorSet()

    /// Proto value names after the enum's prefix, without underscores, lowercased: `WINDOW_QR_CODE` → `windowqrcode`.
    static func protoNames(_ fullName: String) throws -> [String] {
        let parts = fullName.split(separator: ".")
        let package = parts.dropLast().joined(separator: ".")
        let file = try #require(
            descriptors.file.first { $0.package == package && $0.enumType.contains { $0.name == parts.last! } })
        let e = try #require(file.enumType.first { $0.name == parts.last! })
        let prefix = e.value[0].name.replacingOccurrences(of: "UNSPECIFIED", with: "")
        #expect(e.value[0].number == 0 && e.value[0].name.hasSuffix("_UNSPECIFIED"))
        let numbered = e.value.dropFirst()
        #expect(numbered.map(\.number) == Array(1...Int32(numbered.count)), "\(fullName) is numbered 1, 2, 3 …")
        return numbered.map { $0.name.dropFirst(prefix.count).replacingOccurrences(of: "_", with: "").lowercased() }
    }

    static func coreNames<E: CodeTableValue & CaseIterable>(_ type: E.Type) -> [String] {
        E.allCases.map { $0.codeTableName.lowercased() }
    }

    @Test func everyCoreEnumMirrorsItsProtoEnum() throws {
        let pairs: [(String, [String])] = [
            ("govcase.core.v1.CaseKind", Self.coreNames(CaseKind.self)),
            ("govcase.core.v1.SatisfactionLevel", Self.coreNames(SatisfactionLevel.self)),
            ("govcase.core.v1.Channel", Self.coreNames(Channel.self)),
            ("govcase.core.v1.PartyKind", Self.coreNames(PartyKind.self)),
            ("govcase.core.v1.IdentityDocumentType", Self.coreNames(IdentityDocumentType.self)),
            ("govcase.core.v1.EvaluatedObjectKind", EvaluatedObjectKind.allCases.map { $0.rawValue.lowercased() }),
            ("govcase.core.v1.EvaluationOrigin", Self.coreNames(EvaluationOrigin.self)),
            ("govcase.core.v1.EvaluationDimension", EvaluationDimension.allCases.map { $0.rawValue.lowercased() }),
            ("govcase.core.v1.HandlingTrack", HandlingTrack.allCases.map { $0.rawValue.lowercased() }),
            ("govcase.core.v1.ComplaintAcceptance", ComplaintAcceptance.allCases.map { $0.rawValue.lowercased() }),
            ("govcase.core.v1.MediationOutcome", MediationOutcome.allCases.map { $0.rawValue.lowercased() }),
            ("govcase.core.v1.BadReviewOutcome", Self.coreNames(BadReviewOutcome.self)),
            ("govcase.core.v1.NotAdoptedReason", Self.coreNames(NotAdoptedReason.self)),
            ("govcase.core.v1.AppealDecision", Self.coreNames(AppealDecision.self)),
            ("govcase.core.v1.FeedbackMethod", Self.coreNames(FeedbackMethod.self)),
            ("govcase.core.v1.Lifecycle", Lifecycle.allCases.map { $0.rawValue.lowercased() }),
            ("govcase.core.v1.CaseStatus", CaseStatus.allCases.map { $0.rawValue.lowercased() }),
            ("govcase.core.v1.LifecycleActionKind", Self.coreNames(LifecycleActionKind.self)),
        ]
        for (protoName, core) in pairs {
            #expect(try Self.protoNames(protoName) == core, "\(protoName)")
        }
    }

    @Test func conversionsGoBothWaysAndUnspecifiedIsNil() {
        for status in CaseStatus.allCases { #expect(CaseStatus(proto: status.proto) == status) }
        #expect(CaseStatus(proto: .unspecified) == nil)
        #expect(CaseStatus(proto: .UNRECOGNIZED(99)) == nil)
        #expect(Channel.windowQRCode.proto == .windowQrCode)
    }
}

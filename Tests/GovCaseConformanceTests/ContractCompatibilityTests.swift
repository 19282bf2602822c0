import Foundation
import GovCaseConformance
import GovCaseProto
import SwiftProtobuf
import Testing

/// The contracts never break: the current `Proto/` against the last published version, and each rule proved
/// on a deliberately broken copy.
@Suite struct ContractCompatibilityTests {
    static let published = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Contracts/published/v1-2026-12-01.binpb")

    @Test func theCurrentContractsKeepThePublishedVersion() throws {
        let published = try Google_Protobuf_FileDescriptorSet(serializedBytes: Data(contentsOf: Self.published))
        let findings = ContractCompatibility.breakingChanges(
            from: published, to: try ContractDescriptors.fileDescriptorSet())
        #expect(findings.isEmpty, "\(findings.map(\.description).joined(separator: "\n"))")
    }

    /// The current set with `edit` applied to the file `govcase/gateway/v1/ingest.proto`.
    static func broken(_ edit: (inout Google_Protobuf_FileDescriptorProto) -> Void) throws -> [ContractCompatibility
        .Finding]
    {
        let current = try ContractDescriptors.fileDescriptorSet()
        var copy = current
        let index = try #require(copy.file.firstIndex { $0.name == "govcase/gateway/v1/ingest.proto" })
        edit(&copy.file[index])
        return ContractCompatibility.breakingChanges(from: current, to: copy)
    }

    static func message(_ file: inout Google_Protobuf_FileDescriptorProto, _ name: String) -> Int {
        file.messageType.firstIndex { $0.name == name }!
    }

    @Test func eachRuleIsCaught() throws {
        func rules(_ edit: (inout Google_Protobuf_FileDescriptorProto) -> Void) throws -> [String] {
            try Self.broken(edit).map(\.rule)
        }
        #expect(try rules { _ in } == [])
        #expect(
            try rules { f in f.messageType[Self.message(&f, "RecordAck")].field.removeAll { $0.number == 7 } }
                == ["FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"])
        #expect(
            try rules { f in
                let m = Self.message(&f, "RecordAck")
                f.messageType[m].field.removeAll { $0.number == 7 }
                f.messageType[m].reservedRange.append(
                    .with {
                        $0.start = 7; $0.end = 8
                    })
            } == [], "a removal with its number reserved does not break")
        #expect(
            try rules { f in f.messageType[Self.message(&f, "RecordAck")].field[0].type = .string }
                == ["FIELD_SAME_TYPE"])
        #expect(
            try rules { f in f.messageType[Self.message(&f, "RecordAck")].field[0].label = .repeated }
                == ["FIELD_SAME_CARDINALITY"])
        #expect(
            try rules { f in f.messageType[Self.message(&f, "RecordAck")].field[0].jsonName = "idx" }
                == ["FIELD_SAME_JSON_NAME"])
        #expect(try rules { f in f.messageType.removeAll { $0.name == "BatchSummary" } }.contains("MESSAGE_NO_DELETE"))
        #expect(try rules { f in f.enumType[0].value.removeLast() } == ["ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED"])
        #expect(try rules { f in f.enumType[0].value[1].name = "RECORD_OUTCOME_OK" } == ["ENUM_VALUE_SAME_NAME"])
        #expect(try rules { f in f.service[0].method.removeFirst() } == ["RPC_NO_DELETE"])
        #expect(
            try rules { f in f.service[0].method[0].inputType = ".govcase.gateway.v1.GenericRecord" }
                == ["RPC_SAME_REQUEST_TYPE"])
        #expect(try rules { f in f.service[0].method[0].serverStreaming.toggle() } == ["RPC_SAME_STREAMING"])
        #expect(try rules { f in f.package = "govcase.gateway.v1beta" }.contains("SERVICE_NO_DELETE"))
        let finding = try #require(
            try Self.broken { f in f.messageType[Self.message(&f, "RecordAck")].field[0].type = .string }.first)
        #expect(finding.element == "govcase.gateway.v1.RecordAck.index (1)")
        #expect(finding.published.contains("uint64") && finding.current.contains("string"))
    }

    @Test func aRenamedPackageIsCaught() throws {
        let current = try ContractDescriptors.fileDescriptorSet()
        var renamed = current
        for index in renamed.file.indices where renamed.file[index].package == "govcase.gateway.v1" {
            renamed.file[index].package = "govcase.gateway.v2"
        }
        let rules = Set(ContractCompatibility.breakingChanges(from: current, to: renamed).map(\.rule))
        #expect(rules.contains("PACKAGE_NO_DELETE"))
    }
}

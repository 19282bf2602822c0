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

/// `--against <git ref>`: a ref's contracts read from the descriptor set committed at that ref, or compiled
/// from its `Proto/` with protoc, in a throwaway repository whose history holds a field today's contracts
/// lack.
@Suite struct PublishedContractsFromGitTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A git repository in a new folder, with `files` (path → bytes) committed and tagged `published`.
    static func repository(_ files: [String: Data]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("contracts-git-\(UUID())")
        for (path, bytes) in files {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try bytes.write(to: url)
        }
        for arguments in [
            ["init", "-q"], ["add", "-A"],
            ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "published"], ["tag", "published"],
        ] {
            let git = Process()
            git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            git.arguments = ["git", "-C", folder.path] + arguments
            try git.run()
            git.waitUntilExit()
            try #require(git.terminationStatus == 0, "git \(arguments)")
        }
        return folder
    }

    @Test func aRefsCommittedDescriptorSetIsTheVersionComparedWith() throws {
        var published = try ContractDescriptors.fileDescriptorSet()
        let file = try #require(published.file.firstIndex { $0.name == "govcase/gateway/v1/ingest.proto" })
        let ack = try #require(published.file[file].messageType.firstIndex { $0.name == "RecordAck" })
        published.file[file].messageType[ack].field.append(
            .with {
                $0.name = "retired_note"
                $0.jsonName = "retiredNote"
                $0.number = 99
                $0.type = .string
                $0.label = .optional
            })
        let repository = try Self.repository([
            "Sources/GovCaseProto/Resources/descriptors.pb": try published.serializedBytes()
        ])
        defer { try? FileManager.default.removeItem(at: repository) }
        let loaded = try PublishedContracts.load("published", repository: repository)
        let findings = ContractCompatibility.breakingChanges(
            from: loaded, to: try ContractDescriptors.fileDescriptorSet())
        #expect(findings.map(\.rule) == ["FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"])
        #expect(findings.first?.element == "govcase.gateway.v1.RecordAck.retired_note (99)")
    }

    @Test func aRefWithOnlyProtoFilesIsCompiledWithProtoc() throws {
        var files: [String: Data] = [:]
        let proto = Self.root.appendingPathComponent("Proto")
        for case let path as String in FileManager.default.enumerator(atPath: proto.path)!
        where path.hasSuffix(".proto") {
            files["Proto/" + path] = try Data(contentsOf: proto.appendingPathComponent(path))
        }
        // The published generic ingest service had a method today's lacks.
        let ingest = "Proto/govcase/gateway/v1/ingest.proto"
        var text = String(decoding: try #require(files[ingest]), as: UTF8.self)
        text = text.replacingOccurrences(
            of: "  rpc Submit(GenericRecord) returns (RecordAck);",
            with:
                "  rpc Submit(GenericRecord) returns (RecordAck);\n  rpc SubmitLegacy(GenericRecord) returns (RecordAck);"
        )
        files[ingest] = Data(text.utf8)
        let repository = try Self.repository(files)
        defer { try? FileManager.default.removeItem(at: repository) }
        let loaded = try PublishedContracts.load("published", repository: repository)
        let findings = ContractCompatibility.breakingChanges(
            from: loaded, to: try ContractDescriptors.fileDescriptorSet())
        #expect(findings.map(\.rule) == ["RPC_NO_DELETE"], "\(findings)")
        #expect(findings.first?.element.contains("SubmitLegacy") == true, "\(findings)")
    }

    @Test func aNameThatIsNeitherAFileNorARefIsRefusedSayingSo() throws {
        let repository = try Self.repository(["README": Data("x".utf8)])
        defer { try? FileManager.default.removeItem(at: repository) }
        #expect {
            try PublishedContracts.load("v9-never-tagged", repository: repository)
        } throws: { "\($0)".contains("neither a descriptor set file nor a git ref") }
    }
}

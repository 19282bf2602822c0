import Crypto
import Foundation
import GovCaseProto
import SwiftProtobuf
import Testing

/// The committed generated code must come from exactly the protos in `Proto/`.
@Suite struct GeneratedCodeTests {
    static let protoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Proto")

    static func protoFiles() throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: protoRoot.path)
        var files: [String] = []
        while let path = enumerator?.nextObject() as? String {
            if path.hasSuffix(".proto") { files.append(path) }
        }
        return files.sorted()
    }

    @Test func manifestListsEveryProtoAndNothingElse() throws {
        #expect(try Self.protoFiles() == GeneratedProtoManifest.sha256.keys.sorted())
    }

    @Test(arguments: GeneratedProtoManifest.sha256.keys.sorted())
    func protoIsUnchangedSinceGeneration(path: String) throws {
        let data = try Data(contentsOf: Self.protoRoot.appendingPathComponent(path))
        let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        #expect(
            digest == GeneratedProtoManifest.sha256[path],
            "\(path) changed since the Swift code was generated: run scripts/generate-protos.sh"
        )
    }

    @Test func descriptorSetHoldsEveryContractFile() throws {
        let set = try ContractDescriptors.fileDescriptorSet()
        let names = Set(set.file.map(\.name))
        for path in GeneratedProtoManifest.sha256.keys {
            #expect(names.contains(path))
        }
    }
}

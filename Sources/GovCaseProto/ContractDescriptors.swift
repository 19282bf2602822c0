import Foundation
import SwiftProtobuf

/// The file descriptors of every contract in `Proto/` and its imports, for gRPC server reflection.
///
/// swift-protobuf keeps no descriptors at run time, so `scripts/generate-protos.sh` writes them with
/// `protoc --include_imports --descriptor_set_out` beside the generated code.
public enum ContractDescriptors {
    /// Loads the committed descriptor set.
    public static func fileDescriptorSet() throws -> Google_Protobuf_FileDescriptorSet {
        guard let url = Bundle.module.url(forResource: "descriptors", withExtension: "pb") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try Google_Protobuf_FileDescriptorSet(serializedBytes: Data(contentsOf: url))
    }

    /// The files that define `messageTypes` (fully qualified names) and everything they import, in an order
    /// where each file follows its imports: what a plugin's Describe carries (plugin.proto, `descriptor_set`).
    public static func files(defining messageTypes: [String]) throws -> Google_Protobuf_FileDescriptorSet {
        let all = try fileDescriptorSet()
        let byName = Dictionary(all.file.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var chosen: [Google_Protobuf_FileDescriptorProto] = []
        var visited = Set<String>()
        func include(_ name: String) {
            guard visited.insert(name).inserted, let file = byName[name] else { return }
            for dependency in file.dependency { include(dependency) }
            chosen.append(file)
        }
        for file in all.file {
            let prefix = file.package.isEmpty ? "" : file.package + "."
            if file.messageType.contains(where: { messageTypes.contains(prefix + $0.name) }) { include(file.name) }
        }
        return .with { $0.file = chosen }
    }
}

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
}

import Foundation
import GovCasePlugins
import GovCaseProto
import SwiftProtobuf
import Synchronization

/// The reflection index as it stands now: the contracts, plus the descriptor sets the running plugin
/// adapters described (plugin.proto, `DescribeResponse.descriptor_set`), so that grpcurl and grpcio clients can
/// build a plugin's records with no local protos. Rebuilt when the set of described plugins changes.
final class ReflectionCatalog: Sendable {
    private let contracts: Google_Protobuf_FileDescriptorSet
    private let services: [String]
    private let plugins: PluginRegistry?
    /// The index, and the plugins (id and version) it was built with.
    private let cache: Mutex<(key: [String], index: ReflectionIndex)>

    init(contracts: Google_Protobuf_FileDescriptorSet, services: [String], plugins: PluginRegistry?) throws {
        self.contracts = contracts
        self.services = services
        self.plugins = plugins
        cache = Mutex(([], try ReflectionIndex(descriptors: contracts, services: services)))
    }

    /// The index for the plugins described now.
    var index: ReflectionIndex {
        let described = (plugins?.all ?? []).compactMap { plugin in
            plugin.description.map { (key: "\($0.id)@\($0.version)", set: $0.descriptorSet) }
        }
        let key = described.map(\.key)
        if let index = cache.withLock({ $0.key == key ? $0.index : nil }) { return index }
        var merged = contracts
        var names = Set(contracts.file.map(\.name))
        for plugin in described where !plugin.set.isEmpty {
            // A plugin's set that does not parse adds nothing; the contracts' files always win.
            guard let set = try? Google_Protobuf_FileDescriptorSet(serializedBytes: plugin.set) else { continue }
            for file in set.file where names.insert(file.name).inserted { merged.file.append(file) }
        }
        let index =
            (try? ReflectionIndex(descriptors: merged, services: services))
            ?? cache.withLock { $0.index }
        cache.withLock { $0 = (key, index) }
        return index
    }
}

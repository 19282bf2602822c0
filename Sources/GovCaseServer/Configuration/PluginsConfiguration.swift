import Foundation
import GovCaseAdapters
import GovCaseCore
import GovCasePlugins
import GovCasePolicy

/// Plugin adapters the gateway starts with itself, declared by files rather than through the admin API:
///
/// ```yaml
/// plugins:
///   manifests: plugins.d        # every *.yaml and *.yml in it is a plugin manifest (docs/plugins.md);
///                               # names starting with a dot are left alone (editors' and tools' files)
/// ```
///
/// A manifest that does not parse, names an executable that cannot run, repeats another's id or claims a
/// built-in adapter's id or message type stops the gateway from starting, naming the file and the key: a
/// deployment that declares a plugin should not come up without it. A plugin that starts but then fails is
/// supervised like any other (restarts, quarantine).
public struct PluginsConfiguration: Sendable, Hashable, Decodable {
    /// The folder of manifests; relative to the configuration file's folder. None: no declared plugins.
    public var manifests: String?

    public init(manifests: String? = nil) { self.manifests = manifests }

    enum CodingKeys: String, CodingKey, CaseIterable { case manifests }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        manifests = try c.decodeIfPresent(String.self, forKey: .manifests)
    }

    /// A manifest read from the folder, with its text and the file it came from.
    public struct Declared: Sendable, Hashable {
        public var manifest: PluginManifest
        public var origin: ManifestOrigin
    }

    /// Reads and checks every manifest in the folder, in file-name order.
    ///
    /// - Parameter builtInAdapters: the built-in adapters this gateway runs, whose ids and types no plugin may
    ///   take.
    public func declared(builtInAdapters: [String]) throws(ConfigurationError) -> [Declared] {
        guard let folder = manifests else { return [] }
        let key = "plugins.manifests"
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw ConfigurationError(key: key, message: "\(folder) is not a folder")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
                .filter { !$0.hasPrefix(".") && ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) }.sorted()
        } catch {
            throw ConfigurationError(key: key, message: "cannot read \(folder): \(error.localizedDescription)")
        }
        let builtIns = BuiltInAdapters.all().filter { builtInAdapters.contains($0.info.id) }
        let builtInTypes = Dictionary(
            builtIns.flatMap { adapter in adapter.info.messageTypes.map { ($0, adapter.info.id) } },
            uniquingKeysWith: { first, _ in first })
        var declared: [Declared] = []
        for name in names {
            let file = URL(fileURLWithPath: folder).appendingPathComponent(name).path
            func refuse(_ message: String) -> ConfigurationError {
                ConfigurationError(key: key, message: "\(file): \(message)")
            }
            let text: String
            let manifest: PluginManifest
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw refuse("cannot read it: \(error.localizedDescription)")
            }
            do {
                manifest = try PluginManifest.parse(yaml: text, folder: URL(fileURLWithPath: folder))
                try manifest.checkExecutable()
            } catch {
                throw refuse(error.key.isEmpty ? error.message : "\(error.key): \(error.message)")
            }
            if builtIns.contains(where: { $0.info.id == manifest.id }) {
                throw refuse("\(manifest.id) is a built-in adapter's id (leave it out with builtin_adapters first)")
            }
            if let other = declared.first(where: { $0.manifest.id == manifest.id }) {
                throw refuse("id \(manifest.id) is declared by \(other.origin.file ?? "") already")
            }
            for type in manifest.messageTypes {
                if let owner = builtInTypes[type]
                    ?? declared.first(where: { $0.manifest.messageTypes.contains(type) })?.manifest.id
                {
                    throw refuse("message type \(type) belongs to adapter \(owner) already")
                }
            }
            declared.append(Declared(manifest: manifest, origin: ManifestOrigin(yaml: text, file: file)))
        }
        return declared
    }
}

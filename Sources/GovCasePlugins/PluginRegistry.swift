import Foundation
import GovCasePolicy
import Logging
import Synchronization

/// Why a registration, removal or release was refused.
public struct RegistrationError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// The manifest is not valid (the message names the key).
        case invalidManifest
        /// The id is taken.
        case alreadyExists
        /// A message type it declares belongs to another adapter, or the plugin failed to start, or the
        /// adapter is built in, or it is not quarantined.
        case failedPrecondition
        /// No such plugin.
        case notFound
    }

    public var code: Code
    public var message: String
    public var description: String { message }
}

/// The plugin adapters a gateway runs: declared by manifest files in the configuration's plugins folder,
/// registered at start from the kept registrations, or at run time by an operator; each under its own
/// `PluginSupervisor`. Registrations are kept in `stateDirectory` (one JSON file each), so a restarted gateway
/// starts the same plugins; declared ones are read from their files at every start instead.
public final class PluginRegistry: Sendable {
    /// The folder of the plugins' sockets, readable by the gateway's user only.
    public let socketDirectory: String
    let stateDirectory: String?
    /// Message types of the built-in adapters, by type: no plugin may claim them.
    let builtInTypes: [String: String]
    let logger: Logger
    private let supervisors = Mutex<[String: PluginSupervisor]>([:])
    private let launches = AsyncStream<PluginSupervisor>.makeStream()

    /// A registration as kept on disk.
    struct Registration: Codable {
        var manifest: String
        var baseDirectory: String?
    }

    /// - Parameters:
    ///   - stateDirectory: where registrations are kept; `nil` keeps none.
    ///   - builtInTypes: message type → built-in adapter id.
    public init(stateDirectory: String?, builtInTypes: [String: String], logger: Logger) throws {
        self.socketDirectory = try Self.makeSocketDirectory(under: stateDirectory)
        self.stateDirectory = stateDirectory
        self.builtInTypes = builtInTypes
        self.logger = logger
        if let stateDirectory {
            try FileManager.default.createDirectory(
                atPath: stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
    }

    /// The folder of the plugins' sockets: `sockets` in the gateway's state folder, mode 0700, emptied of what a
    /// gateway that did not stop cleanly left there; or, without a state folder or when its path is too long for
    /// a socket's (107 bytes at most, with room for `<n>-<launch>.sock`), a new folder in /tmp.
    static func makeSocketDirectory(under stateDirectory: String?) throws -> String {
        guard let stateDirectory else { return try makeSocketDirectory() }
        let folder = URL(fileURLWithPath: stateDirectory).appendingPathComponent("sockets").path
        guard folder.utf8.count + 40 <= 107 else { return try makeSocketDirectory() }
        let files = FileManager.default
        if files.fileExists(atPath: folder) {
            for name in (try? files.contentsOfDirectory(atPath: folder)) ?? [] {
                try? files.removeItem(atPath: folder + "/" + name)
            }
        }
        do {
            try files.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try files.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder)
        } catch {
            throw RegistrationError(
                code: .failedPrecondition, message: "cannot create the plugin socket folder \(folder): \(error)")
        }
        return folder
    }

    /// A new folder for sockets under the system's temporary folder, mode 0700 (mkdtemp), with a short path:
    /// a Unix socket's path may not exceed 107 bytes.
    public static func makeSocketDirectory() throws -> String {
        var template = Array("/tmp/govcase-plugins-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw RegistrationError(code: .failedPrecondition, message: "cannot create a folder for plugin sockets")
        }
        return String(cString: made)
    }

    /// Supervises every registered plugin until `shutdown()`; then stops them (SIGTERM, then SIGKILL).
    public func run() async {
        await withDiscardingTaskGroup { group in
            for await supervisor in launches.stream {
                group.addTask { await supervisor.run() }
            }
            for supervisor in all { supervisor.stop() }
        }
        try? FileManager.default.removeItem(atPath: socketDirectory)
    }

    /// Stops every plugin; `run()` returns once they have stopped.
    public func shutdown() { launches.continuation.finish() }

    /// Every plugin, by id.
    public var all: [PluginSupervisor] { supervisors.withLock { $0.values.sorted { $0.manifest.id < $1.manifest.id } } }

    /// The plugin with this id, if registered.
    public func supervisor(for id: String) -> PluginSupervisor? { supervisors.withLock { $0[id] } }

    /// Starts the plugins declared by manifest files (checked by the configuration), before any kept
    /// registration, so a declared plugin's id and types are its own.
    public func startDeclared(_ declared: [(manifest: PluginManifest, origin: ManifestOrigin)])
        throws(RegistrationError)
    {
        for (manifest, origin) in declared {
            try admit(manifest, origin: origin)
            logger.info(
                "plugin started from its manifest file",
                metadata: ["plugin.id": "\(manifest.id)", "file": "\(origin.file ?? "")"])
        }
    }

    /// Starts the plugins whose registrations were kept; a registration that no longer starts is logged and
    /// left in place, so an operator can see it and remove it. One whose id a manifest file declares now is
    /// left aside: the file wins.
    public func startKeptRegistrations() {
        guard let stateDirectory,
            let files = try? FileManager.default.contentsOfDirectory(atPath: stateDirectory)
        else { return }
        for file in files.sorted() where file.hasSuffix(".json") {
            let path = stateDirectory + "/" + file
            do {
                let kept = try JSONDecoder().decode(
                    Registration.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
                let manifest = try PluginManifest.parse(
                    yaml: kept.manifest, folder: kept.baseDirectory.map { URL(fileURLWithPath: $0) })
                if let declared = supervisor(for: manifest.id)?.origin?.file {
                    logger.warning(
                        "a kept plugin registration is left aside: its id is declared by a manifest file",
                        metadata: ["plugin.id": "\(manifest.id)", "file": "\(path)", "declared.by": "\(declared)"])
                    continue
                }
                try admit(manifest, origin: ManifestOrigin(yaml: kept.manifest))
                logger.info("plugin registration restored", metadata: ["plugin.id": "\(manifest.id)"])
            } catch {
                logger.error(
                    "a kept plugin registration cannot be started", metadata: ["file": "\(path)", "error": "\(error)"])
            }
        }
    }

    /// Registers a plugin and waits until it is ready. A plugin that does not become ready within its start
    /// timeout is stopped, forgotten and reported with the reason.
    public func register(yaml: String, baseDirectory: String?) async throws(RegistrationError) -> PluginSupervisor {
        let manifest: PluginManifest
        do {
            manifest = try PluginManifest.parse(yaml: yaml, folder: baseDirectory.map { URL(fileURLWithPath: $0) })
            if baseDirectory == nil, !manifest.executable.hasPrefix("/") {
                throw ConfigurationError(
                    key: "executable",
                    message: "\(manifest.executable) is relative; give an absolute path or a base folder")
            }
        } catch {
            throw RegistrationError(code: .invalidManifest, message: "manifest: \(error)")
        }
        let supervisor = try admit(manifest, origin: ManifestOrigin(yaml: yaml))
        if let why = await supervisor.waitUntilReady(timeout: manifest.startUpWait) {
            forget(manifest.id)
            supervisor.stop()
            throw RegistrationError(
                code: .failedPrecondition,
                message: "adapter plugin \(manifest.id) did not start: \(why); nothing was registered: fix the plugin "
                    + "and register it again")
        }
        if let stateDirectory {
            let path = stateDirectory + "/" + manifest.id + ".json"
            do {
                let data = try JSONEncoder().encode(Registration(manifest: yaml, baseDirectory: baseDirectory))
                try data.write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                forget(manifest.id)
                supervisor.stop()
                throw RegistrationError(
                    code: .failedPrecondition, message: "cannot keep the registration in \(path): \(error)")
            }
        }
        logger.notice(
            "plugin registered", metadata: ["plugin.id": "\(manifest.id)", "plugin.version": "\(manifest.version)"])
        return supervisor
    }

    /// Checks a manifest against the adapters the gateway has, then starts supervising it.
    @discardableResult
    func admit(_ manifest: PluginManifest, origin: ManifestOrigin) throws(RegistrationError) -> PluginSupervisor {
        do {
            try manifest.checkExecutable()
        } catch {
            throw RegistrationError(code: .invalidManifest, message: "manifest: \(error)")
        }
        if builtInTypes.values.contains(manifest.id) {
            throw RegistrationError(code: .alreadyExists, message: "\(manifest.id) is a built-in adapter's id")
        }
        let supervisor = PluginSupervisor(
            manifest: manifest, socketDirectory: socketDirectory, logger: logger, origin: origin)
        try supervisors.withLock { (supervisors) throws(RegistrationError) in
            guard supervisors[manifest.id] == nil else {
                throw RegistrationError(
                    code: .alreadyExists, message: "adapter plugin \(manifest.id) is registered already")
            }
            for type in manifest.messageTypes {
                if let owner = builtInTypes[type]
                    ?? supervisors.values.first(where: { $0.manifest.messageTypes.contains(type) })?.manifest.id
                {
                    throw RegistrationError(
                        code: .failedPrecondition, message: "message type \(type) belongs to adapter \(owner) already")
                }
            }
            supervisors[manifest.id] = supervisor
        }
        launches.continuation.yield(supervisor)
        return supervisor
    }

    /// Stops routing records to a plugin, lets its calls in flight finish, stops it and forgets its registration.
    public func remove(_ id: String) async throws(RegistrationError) {
        if builtInTypes.values.contains(id) {
            throw RegistrationError(code: .failedPrecondition, message: "\(id) is built in; only plugins are removed")
        }
        guard let supervisor = forget(id) else {
            throw RegistrationError(code: .notFound, message: "no adapter plugin \(id) is registered")
        }
        await supervisor.waitUntilIdle()
        supervisor.stop()
        // A declared plugin comes back from its file at the next start, and a registration kept under its id
        // (which the file shadows) is not the one removed: both are left alone.
        if let file = supervisor.origin?.file {
            logger.notice(
                "plugin removed until the gateway restarts: its manifest file declares it; take the file out of the folder to remove it for good",
                metadata: ["plugin.id": "\(id)", "file": "\(file)"])
        } else {
            if let stateDirectory { try? FileManager.default.removeItem(atPath: stateDirectory + "/" + id + ".json") }
            logger.notice("plugin removed", metadata: ["plugin.id": "\(id)"])
        }
    }

    /// Releases a quarantined plugin.
    public func release(_ id: String) throws(RegistrationError) -> PluginSupervisor {
        guard let supervisor = supervisor(for: id) else {
            throw RegistrationError(code: .notFound, message: "no adapter plugin \(id) is registered")
        }
        do {
            try supervisor.release()
        } catch {
            throw RegistrationError(code: .failedPrecondition, message: "\(id): \(error.reason)")
        }
        return supervisor
    }

    @discardableResult
    private func forget(_ id: String) -> PluginSupervisor? { supervisors.withLock { $0.removeValue(forKey: id) } }
}

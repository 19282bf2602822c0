import Foundation
import GovCasePolicy
import Yams

/// A plugin adapter's manifest (插件清单): what to start, what it accepts, and how the gateway treats it.
/// Read from YAML; docs/plugins.md lists every key. An unknown key or a bad value is an error naming the key.
public struct PluginManifest: Sendable, Hashable, Decodable {
    /// Adapter id, unique in the gateway: lowercase letters, digits and dashes, 2–40 characters.
    public var id: String
    /// Plugin version, semantic versioning; the handshake must report the same.
    public var version: String
    /// Path of the executable; relative paths are relative to the manifest's folder.
    public var executable: String
    /// Arguments passed to it.
    public var arguments: [String] = []
    /// Folder it runs in; the manifest's folder when not given.
    public var workingDirectory: String?
    /// Environment variables added to the gateway's (the handshake's variables cannot be overridden).
    public var environment: [String: String] = [:]
    /// Fully qualified source message types it accepts; Describe must report the same set.
    public var messageTypes: [String]
    /// Plugin protocol versions it speaks.
    public var protocolVersions: [String] = ["1"]
    /// Deadline of each translation call, milliseconds; a plugin that misses it is killed and restarted.
    public var callDeadlineMilliseconds: Int = 5_000
    /// Most calls in flight to it at once.
    public var concurrency: Int = 4
    /// Most records in one `TranslateBatch` call.
    public var batchSize: Int = 100
    /// How long it has to handshake, pass its health check and describe itself, milliseconds.
    public var startTimeoutMilliseconds: Int = 10_000
    /// The one wait for a starting plugin, used by everything that waits for one (a record, a registration, the
    /// conformance kit): the launch's `start_timeout_ms` and half a second, so that the waiter hears the
    /// supervisor's verdict (ready, or why not) rather than running out first. Counted from the end of a restart's
    /// backoff for a waiter that comes during one (at most 30 s of the backoff: `ReadinessGate.standardExtraWait`).
    public var startUpWait: Duration { .milliseconds(startTimeoutMilliseconds + 500) }
    /// When it is restarted and when it is quarantined.
    public var restart: RestartPolicy = .init()

    /// Restarts with exponential backoff and jitter; `maxExits` exits within `windowSeconds` quarantine it.
    public struct RestartPolicy: Sendable, Hashable, Decodable {
        /// First backoff, milliseconds; doubled after each exit up to `maxBackoffMilliseconds`.
        public var initialBackoffMilliseconds: Int = 100
        /// Longest backoff, milliseconds.
        public var maxBackoffMilliseconds: Int = 5_000
        /// Exits within the window that quarantine the plugin.
        public var maxExits: Int = 5
        /// The window, seconds.
        public var windowSeconds: Int = 60

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case initialBackoffMilliseconds = "initial_backoff_ms"
            case maxBackoffMilliseconds = "max_backoff_ms"
            case maxExits = "max_exits"
            case windowSeconds = "window_seconds"
        }

        public init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            initialBackoffMilliseconds =
                try c.bounded(.initialBackoffMilliseconds, 1...60_000) ?? initialBackoffMilliseconds
            maxBackoffMilliseconds = try c.bounded(.maxBackoffMilliseconds, 1...600_000) ?? maxBackoffMilliseconds
            maxExits = try c.bounded(.maxExits, 1...1_000) ?? maxExits
            windowSeconds = try c.bounded(.windowSeconds, 1...86_400) ?? windowSeconds
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, version, executable, arguments, environment, restart, concurrency
        case workingDirectory = "working_directory"
        case messageTypes = "message_types"
        case protocolVersions = "protocol_versions"
        case callDeadlineMilliseconds = "call_deadline_ms"
        case batchSize = "batch_size"
        case startTimeoutMilliseconds = "start_timeout_ms"
    }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        guard id.wholeMatch(of: /[a-z0-9][a-z0-9-]{1,39}/) != nil else {
            throw DecodingError.dataCorruptedError(
                forKey: .id, in: c, debugDescription: "\"\(id)\": use 2–40 lowercase letters, digits and dashes")
        }
        version = try c.decode(String.self, forKey: .version)
        guard version.wholeMatch(of: /[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?/) != nil else {
            throw DecodingError.dataCorruptedError(
                forKey: .version, in: c, debugDescription: "\"\(version)\" is not a semantic version like 1.2.0")
        }
        executable = try c.decode(String.self, forKey: .executable)
        guard !executable.isEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .executable, in: c, debugDescription: "is empty")
        }
        arguments = try c.decodeIfPresent([String].self, forKey: .arguments) ?? []
        workingDirectory = try c.decodeIfPresent(String.self, forKey: .workingDirectory)
        environment = try c.decodeIfPresent([String: String].self, forKey: .environment) ?? [:]
        if let reserved = environment.keys.sorted().first(where: { $0.hasPrefix(HandshakeEnvironment.prefix) }) {
            throw DecodingError.dataCorruptedError(
                forKey: .environment, in: c,
                debugDescription: "\(reserved): variables starting \(HandshakeEnvironment.prefix) are the gateway's")
        }
        messageTypes = try c.decode([String].self, forKey: .messageTypes)
        guard !messageTypes.isEmpty else {
            throw DecodingError.dataCorruptedError(
                forKey: .messageTypes, in: c, debugDescription: "lists no message type")
        }
        if let bad = messageTypes.first(where: {
            $0.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+/) == nil
        }) {
            throw DecodingError.dataCorruptedError(
                forKey: .messageTypes, in: c,
                debugDescription: "\"\(bad)\" is not a fully qualified message name like example.v1.Record")
        }
        guard Set(messageTypes).count == messageTypes.count else {
            throw DecodingError.dataCorruptedError(forKey: .messageTypes, in: c, debugDescription: "lists a type twice")
        }
        protocolVersions = try c.decodeIfPresent([String].self, forKey: .protocolVersions) ?? protocolVersions
        guard !protocolVersions.isEmpty, protocolVersions.allSatisfy({ UInt($0) != nil }) else {
            throw DecodingError.dataCorruptedError(
                forKey: .protocolVersions, in: c, debugDescription: "must list protocol versions such as \"1\"")
        }
        callDeadlineMilliseconds = try c.bounded(.callDeadlineMilliseconds, 1...600_000) ?? callDeadlineMilliseconds
        concurrency = try c.bounded(.concurrency, 1...256) ?? concurrency
        batchSize = try c.bounded(.batchSize, 1...10_000) ?? batchSize
        startTimeoutMilliseconds = try c.bounded(.startTimeoutMilliseconds, 1...600_000) ?? startTimeoutMilliseconds
        restart = try c.decodeIfPresent(RestartPolicy.self, forKey: .restart) ?? restart
    }

    /// Decodes a manifest; relative paths are resolved against `folder`, when given.
    public static func parse(yaml: String, folder: URL? = nil) throws(ConfigurationError) -> PluginManifest {
        var manifest: PluginManifest
        do {
            manifest = try YAMLDecoder().decode(PluginManifest.self, from: yaml)
        } catch let error as DecodingError {
            throw ConfigurationError(decoding: error)
        } catch {
            throw ConfigurationError(key: "", message: "not valid YAML: \(error)")
        }
        if let folder {
            func resolve(_ path: String) -> String {
                path.hasPrefix("/") ? path : folder.appendingPathComponent(path).standardizedFileURL.path
            }
            manifest.executable = resolve(manifest.executable)
            manifest.workingDirectory = resolve(manifest.workingDirectory ?? ".")
        }
        return manifest
    }

    /// Reads a manifest file; relative paths in it are relative to its folder.
    public static func load(path: String) throws(ConfigurationError) -> PluginManifest {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(key: "", message: "cannot read \(path): \(error.localizedDescription)")
        }
        return try parse(yaml: text, folder: URL(fileURLWithPath: path).deletingLastPathComponent())
    }

    /// Checks what decoding cannot: that the executable exists and may be run.
    public func checkExecutable() throws(ConfigurationError) {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw ConfigurationError(key: "executable", message: "\(executable) is not an executable file")
        }
        if let workingDirectory {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: workingDirectory, isDirectory: &isFolder), isFolder.boolValue
            else {
                throw ConfigurationError(key: "working_directory", message: "\(workingDirectory) is not a folder")
            }
        }
    }
}

extension KeyedDecodingContainer {
    /// An integer that must lie in `range`, if present.
    fileprivate func bounded(_ key: Key, _ range: ClosedRange<Int>) throws -> Int? {
        guard let value = try decodeIfPresent(Int.self, forKey: key) else { return nil }
        guard range.contains(value) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "\(value) is outside \(range.lowerBound)–\(range.upperBound)")
        }
        return value
    }
}

/// The environment the gateway starts a plugin with (plugin.proto, "Launch").
public enum HandshakeEnvironment {
    /// Every handshake variable starts with this; a manifest may not set such variables.
    public static let prefix = "GOVCASE_PLUGIN_"
    /// Says the gateway launched the plugin. Not a secret: it keeps a plugin run by hand from waiting on a
    /// socket no one will open (it should say what it is and exit instead).
    public static let cookieName = "GOVCASE_PLUGIN_MAGIC_COOKIE"
    public static let cookieValue = "govcase-plugin-5b1c0e"
    /// The Unix domain socket the plugin serves on.
    public static let socketName = "GOVCASE_PLUGIN_SOCKET"
    /// The protocol versions the gateway speaks, by commas.
    public static let protocolVersionsName = "GOVCASE_PLUGIN_PROTOCOL_VERSIONS"
}

/// The one line a plugin writes to stdout once it serves:
/// `govcase-plugin|<protocol version>|unix|<socket path>|<plugin id>|<plugin version>`.
public struct HandshakeLine: Sendable, Hashable {
    public var protocolVersion: String
    public var socketPath: String
    public var pluginID: String
    public var pluginVersion: String

    public static let marker = "govcase-plugin"

    public init(protocolVersion: String, socketPath: String, pluginID: String, pluginVersion: String) {
        self.protocolVersion = protocolVersion
        self.socketPath = socketPath
        self.pluginID = pluginID
        self.pluginVersion = pluginVersion
    }

    /// The line as a plugin writes it.
    public var text: String {
        [Self.marker, protocolVersion, "unix", socketPath, pluginID, pluginVersion].joined(separator: "|")
    }

    /// Parses a line, quoting it in the error when it is not a handshake.
    public init(parsing line: String) throws(HandshakeError) {
        let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 6, fields[0] == Self.marker else {
            throw .notAHandshake(line: line)
        }
        guard fields[2] == "unix" else {
            throw .protocolBroken("the handshake names network \"\(fields[2])\"; only \"unix\" is spoken")
        }
        self.init(protocolVersion: fields[1], socketPath: fields[3], pluginID: fields[4], pluginVersion: fields[5])
    }

    /// Checks the line against what the gateway asked for and what the manifest says.
    public func check(socketPath expected: String, manifest: PluginManifest, gatewayVersions: [String])
        throws(HandshakeError)
    {
        let common = ProtocolVersions.common(gateway: gatewayVersions, plugin: manifest.protocolVersions)
        guard gatewayVersions.contains(protocolVersion), manifest.protocolVersions.contains(protocolVersion) else {
            throw .versionMismatch(
                ProtocolVersions.mismatch(
                    chosen: protocolVersion, gateway: gatewayVersions, plugin: manifest.protocolVersions,
                    common: common))
        }
        if let highest = common.last, protocolVersion != highest {
            throw .versionMismatch(
                "the plugin chose protocol \(protocolVersion), but \(highest) is the highest both speak")
        }
        guard socketPath == expected else {
            throw .protocolBroken("the handshake names socket \(socketPath); the gateway gave \(expected)")
        }
        guard pluginID == manifest.id else {
            throw .protocolBroken("the plugin says it is \"\(pluginID)\"; its manifest says \"\(manifest.id)\"")
        }
        guard pluginVersion == manifest.version else {
            throw .protocolBroken(
                "the plugin says it is version \(pluginVersion); its manifest says \(manifest.version)")
        }
    }
}

/// Protocol version negotiation: the highest version both sides speak wins.
public enum ProtocolVersions {
    /// What this gateway speaks, oldest first.
    public static let gateway = ["1"]

    /// Versions both speak, oldest first.
    public static func common(gateway: [String], plugin: [String]) -> [String] {
        Set(gateway).intersection(plugin).sorted { (UInt($0) ?? 0) < (UInt($1) ?? 0) }
    }

    /// Says which side is older and what each speaks.
    static func mismatch(chosen: String, gateway: [String], plugin: [String], common: [String]) -> String {
        let g = gateway.joined(separator: ", ")
        let p = plugin.joined(separator: ", ")
        guard common.isEmpty else {
            return "the plugin chose protocol \(chosen); both speak \(common.joined(separator: ", ")) "
                + "(gateway: \(g); manifest: \(p))"
        }
        let newestGateway = gateway.compactMap { UInt($0) }.max() ?? 0
        let newestPlugin = plugin.compactMap { UInt($0) }.max() ?? 0
        let older = newestPlugin < newestGateway ? "the plugin is older" : "the gateway is older"
        return "no common protocol version: \(older) (gateway speaks \(g); the plugin speaks \(p))"
    }
}

/// Why a plugin could not be started or spoken to.
public enum HandshakeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stdout carried something other than the handshake.
    case notAHandshake(line: String)
    /// No common protocol version, or the plugin chose one it should not have.
    case versionMismatch(String)
    /// Another broken rule of the protocol.
    case protocolBroken(String)
    /// The plugin did not finish starting in time.
    case timedOut(milliseconds: Int, stage: String)

    public var description: String {
        switch self {
        case .notAHandshake(let line):
            let quoted = line.count > 200 ? String(line.prefix(200)) + "…" : line
            return "stdout carried a line that is not the handshake: \"\(quoted)\" "
                + "(stdout is for the one handshake line; log to stderr)"
        case .versionMismatch(let message), .protocolBroken(let message): return message
        case .timedOut(let milliseconds, let stage):
            return "the plugin did not \(stage) within \(milliseconds) ms (manifest: start_timeout_ms)"
        }
    }
}

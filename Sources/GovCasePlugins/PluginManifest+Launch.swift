import Foundation
import Subprocess

extension PluginManifest {
    /// Variables of the gateway's own environment a plugin gets; nothing else of it (the threat model: a
    /// plugin gets records and nothing else, not the gateway's secrets or settings).
    public static let inheritedEnvironment = ["PATH", "LANG", "LC_ALL", "TZ", "HOME", "TMPDIR"]

    /// The environment a launch of this plugin gets: `inheritedEnvironment` taken from the gateway's, the
    /// manifest's `environment`, and the handshake variables given (a name left out is absent, so a plugin can
    /// be started without the cookie).
    public func launchEnvironment(
        handshake: [String: String], gateway: [String: String] = ProcessInfo.processInfo.environment
    ) -> Environment {
        var variables: [Environment.Key: String] = [:]
        for name in Self.inheritedEnvironment { if let value = gateway[name] { variables[.init(stringLiteral: name)] = value } }
        for (name, value) in environment { variables[.init(stringLiteral: name)] = value }
        for name in [
            HandshakeEnvironment.cookieName, HandshakeEnvironment.socketName, HandshakeEnvironment.protocolVersionsName,
        ] {
            variables[.init(stringLiteral: name)] = handshake[name]
        }
        return .custom(variables)
    }
}

import Subprocess

extension PluginManifest {
    /// The environment a launch of this plugin gets: the gateway's own, the manifest's `environment`, and the
    /// handshake variables given (a name left out is removed, so a plugin can be started without the cookie).
    public func launchEnvironment(handshake: [String: String]) -> Environment {
        var updates: [Environment.Key: String?] = [:]
        for (name, value) in environment { updates[Environment.Key(stringLiteral: name)] = value }
        for name in [
            HandshakeEnvironment.cookieName, HandshakeEnvironment.socketName, HandshakeEnvironment.protocolVersionsName,
        ] {
            updates[Environment.Key(stringLiteral: name)] = handshake[name]
        }
        return .inherit.updating(updates)
    }
}

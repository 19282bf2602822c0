/// Why records could not be translated by a plugin. Each is retryable for the sender: the record was not
/// stored, and the same record sent again will be translated once the plugin is back.
public struct PluginCallError: Error, Sendable, Hashable, CustomStringConvertible {
    public var pluginID: String
    public var reason: String
    /// The connection to the plugin was lost before an answer (it died): the batch may be sent again.
    var connectionLost = false
    /// Which launch of the plugin's process the call went to.
    var launch = 0

    public init(pluginID: String, reason: String) {
        self.pluginID = pluginID
        self.reason = reason
    }

    public var description: String { "adapter plugin \(pluginID): \(reason); retry" }
}

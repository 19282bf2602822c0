/// Why a record could not be translated by a plugin. Nothing of the record was stored; `kind` says whether the
/// same record sent again can succeed, and when.
public struct PluginCallError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The plugin is starting, restarting, quarantined or stopped: retry later.
        case unavailable
        /// Too many records wait for this plugin already: retry after the hint.
        case overloaded(retryAfterMilliseconds: Int)
        /// The plugin answered with an error status, or broke the call's rules: retry may help once it is fixed.
        case failed
        /// The record took the plugin down twice (`PoisonRecord.Cause`), the second time alone: it is refused at once from now on (its
        /// content digest is kept), and sending it again does not help until the plugin is replaced or fixed.
        case poisonRecord(digest: String)
        /// The caller was cancelled, or its deadline passed: the caller's own outcome.
        case cancelled
    }

    public var pluginID: String
    public var reason: String
    public var kind: Kind

    public init(pluginID: String, reason: String, kind: Kind = .unavailable) {
        self.pluginID = pluginID
        self.reason = reason
        self.kind = kind
    }

    /// Whether the sender should send the same record again.
    public var isRetryable: Bool {
        switch kind {
        case .unavailable, .overloaded, .failed, .cancelled: true
        case .poisonRecord: false
        }
    }

    public var description: String {
        switch kind {
        case .unavailable, .failed: "adapter plugin \(pluginID): \(reason); retry"
        case .overloaded(let ms): "adapter plugin \(pluginID): \(reason); retry after \(ms) ms"
        case .poisonRecord: "adapter plugin \(pluginID): \(reason)"
        case .cancelled: "adapter plugin \(pluginID): \(reason)"
        }
    }
}

import GRPCCore
import GovCaseProto

/// How one batch sent to a plugin ended, every way it can: the dispatcher decides from this alone what the
/// callers get and whether the process is at fault. There is no "anything else" that kills a plugin: an error
/// of a kind not listed here fails the call (`unclassified`) and leaves the process alone, which its own exit,
/// if it died, reports anyway.
enum PluginCallOutcome: Sendable {
    /// The plugin answered (one response per record, checked by the dispatcher).
    case answered([Govcase_Plugin_V1_TranslateResponse], byStream: Bool)
    /// The caller was cancelled or its deadline passed: its outcome, not the plugin's.
    case callerCancelled
    /// The plugin did not answer within its own `call_deadline_ms`.
    case missedDeadline
    /// The connection to the plugin was lost before an answer (it died, or closed its socket).
    case connectionLost(String)
    /// The plugin answered with an error status: the call failed, the process is fine.
    case pluginError(RPCError.Code, String)
    /// The plugin broke the stream's rules (plugin.proto, `TranslateStream`).
    case brokeStreamRules(String)
    /// The route asked for (streams only, for the kit) is not there.
    case routeUnavailable(String)
    /// The plugin was not ready in time (or was quarantined, or stopped).
    case notReady
    /// An error of a kind not classified above.
    case unclassified(String)

    /// Classifies an error that ended a call or a stream exchange. `callerCancelled` is the caller's task's
    /// cancellation, read when the error came: it decides first, whatever the error says.
    init(_ error: any Error, callerCancelled: Bool) {
        if callerCancelled {
            self = .callerCancelled
            return
        }
        switch error {
        case let error as RPCError:
            switch error.code {
            case .deadlineExceeded: self = .missedDeadline
            // The transport's own codes when the connection goes: the caller was not cancelled (checked above).
            case .unavailable, .cancelled: self = .connectionLost("\(error.code): \(error.message)")
            default: self = .pluginError(error.code, error.message)
            }
        case let error as RuntimeError:
            switch error.code {
            case .clientIsStopped, .transportError: self = .connectionLost("\(error.code): \(error.message)")
            default: self = .unclassified("\(error)")
            }
        case let error as PluginStreamError:
            self = .brokeStreamRules(error.description)
        case is CancellationError:
            // Not the caller's: the stream was ended because its launch is ending.
            self = .connectionLost("the plugin's launch ended")
        default:
            self = .unclassified("\(error)")
        }
    }
}

extension PluginCallOutcome {
    /// The batch lost its plugin (it died, or hung past its call deadline and was killed): its records are sent
    /// again one at a time, each alone on the plugin.
    var lostThePlugin: Bool {
        switch self {
        case .connectionLost, .missedDeadline: true
        case .answered, .callerCancelled, .pluginError, .brokeStreamRules, .routeUnavailable, .notReady, .unclassified:
            false
        }
    }
}

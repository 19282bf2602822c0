import GRPCCore

/// What an upstream answer means for a forward, decided from the gRPC status code alone, every code named: no
/// "anything else" branch decides for a code nobody thought about.
///
/// - `delivered`: stored (ACCEPTED) or already stored (DUPLICATE: a resend after a lost acknowledgement).
/// - `refused`: the receiver refuses the record for its content. A dead letter with the receiver's reason and
///   field violations; never retried by itself (an operator corrects upstream and replays, or discards).
/// - `outage`: the receiver or the network cannot take it now. Retried until it recovers; never dead-lettered.
/// - `misconfigured`: the route itself is wrong (our identity refused, the destination not who it must be, the
///   service or adapter missing there, a batch over its limits). The route pauses and says so: data would not
///   fix it.
public enum UpstreamVerdict: Sendable, Hashable {
    case delivered(upstreamCaseID: String)
    case refused(reason: String)
    case outage(reason: String)
    case misconfigured(reason: String)

    /// What a status code on one record's acknowledgement (`RecordAck.error_code`) means.
    ///
    /// PERMISSION_DENIED on one record is the receiver's policy refusing that record's region or adapter for our
    /// identity: the record waits in dead letters, named, while the route's other records go on (a whole call
    /// refused pauses the route instead, `forCall`).
    public static func forRecord(code: RPCError.Code?, message: String) -> UpstreamVerdict {
        guard let code else { return .refused(reason: message) }
        return switch code {
        case .invalidArgument, .failedPrecondition, .alreadyExists, .outOfRange, .notFound:
            .refused(reason: "\(code): \(message)")
        case .permissionDenied:
            .refused(
                reason: "\(code): \(message) (the receiver's grant for this gateway's identity does not cover the "
                    + "record: correct the grant there, then replay)")
        case .unavailable, .deadlineExceeded, .resourceExhausted, .aborted, .cancelled, .internalError, .unknown,
            .dataLoss:
            .outage(reason: "\(code): \(message)")
        case .unauthenticated, .unimplemented:
            .misconfigured(reason: "\(code): \(message)")
        default:
            // `RPCError.Code` is a struct of static members; every code gRPC defines is named above.
            .outage(reason: "status \(code): \(message)")
        }
    }

    /// What a status that ended a whole call means. A content code for the whole call (INVALID_ARGUMENT: a batch
    /// over the receiver's `max_batch_records`, say) is the route's configuration, not one record's data.
    public static func forCall(code: RPCError.Code, message: String) -> UpstreamVerdict {
        switch code {
        case .unavailable, .deadlineExceeded, .resourceExhausted, .aborted, .cancelled, .internalError, .unknown,
            .dataLoss:
            .outage(reason: "\(code): \(message)")
        case .unauthenticated, .permissionDenied, .unimplemented, .invalidArgument, .failedPrecondition,
            .alreadyExists, .outOfRange, .notFound:
            .misconfigured(reason: "\(code): \(message)")
        default:
            .outage(reason: "status \(code): \(message)")
        }
    }
}

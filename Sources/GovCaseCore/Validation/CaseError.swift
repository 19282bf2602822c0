/// A per-record or per-action failure, carrying what the sender needs to fix and resend.
///
/// Its `code` is a struct over a private enum so codes can grow without breaking callers (as
/// grpc-swift's `RPCError.Code`). The server maps it to a gRPC status with details.
public struct CaseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable, Hashable {
            case invalidArgument = "invalid_argument"
            case illegalTransition = "illegal_transition"
            case correctionRefused = "correction_refused"
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The record or action breaks field rules; see `violations`. Maps to INVALID_ARGUMENT.
        public static let invalidArgument = Code(.invalidArgument)
        /// The action is not allowed from the case's status; see `allowedActions`. Maps to FAILED_PRECONDITION.
        public static let illegalTransition = Code(.illegalTransition)
        /// A higher revision would change the lifecycle of a case with recorded steps. Maps to FAILED_PRECONDITION.
        public static let correctionRefused = Code(.correctionRefused)

        public var description: String { value.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// A one-line explanation.
    public var message: String
    /// Every field violation found.
    public var violations: [FieldViolation]
    /// For an illegal transition, the actions that are allowed instead.
    public var allowedActions: [LifecycleActionKind]

    public init(
        code: Code, message: String, violations: [FieldViolation] = [], allowedActions: [LifecycleActionKind] = []
    ) {
        self.code = code
        self.message = message
        self.violations = violations
        self.allowedActions = allowedActions
    }

    /// A record or action refused for its fields.
    public static func invalidArgument(_ violations: [FieldViolation]) -> CaseError {
        CaseError(
            code: .invalidArgument,
            message: "\(violations.count) field violation(s): " + violations.map(\.description).joined(separator: "; "),
            violations: violations)
    }

    /// An action not allowed from a status.
    public static func illegalTransition(
        lifecycle: Lifecycle, from: CaseStatus, action: LifecycleActionKind, allowed: [LifecycleActionKind]
    ) -> CaseError {
        let allowedText = allowed.isEmpty ? "none, the case is final" : allowed.map(\.rawValue).joined(separator: ", ")
        let message =
            "\(action.rawValue) is not allowed in status \(from.rawValue) of the \(lifecycle.rawValue) "
            + "lifecycle; allowed: \(allowedText)"
        return CaseError(
            code: .illegalTransition, message: message,
            violations: [FieldViolation(field: "action.kind", rule: .lifecycleTransition, message: message)],
            allowedActions: allowed)
    }

    public var description: String { "\(code): \(message)" }
}

/// A failure of the store, with a code the server maps to a gRPC status.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable, Hashable {
            case olderRevision = "older_revision"
            case alreadyExists = "already_exists"
            case notFound = "not_found"
            case conflict
            case badRequest = "bad_request"
            case configuration
            case corrupt
            case unavailable
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A revision lower than the stored one. FAILED_PRECONDITION.
        public static let olderRevision = Code(.olderRevision)
        /// This revision is stored with other content; a correction needs a higher revision. ALREADY_EXISTS.
        public static let alreadyExists = Code(.alreadyExists)
        /// No such case. NOT_FOUND.
        public static let notFound = Code(.notFound)
        /// The case changed under the caller (expected status differs). ABORTED.
        public static let conflict = Code(.conflict)
        /// A malformed request, e.g. a page token the gateway did not issue. INVALID_ARGUMENT.
        public static let badRequest = Code(.badRequest)
        /// The store cannot start: file, key or schema. Names the setting.
        public static let configuration = Code(.configuration)
        /// A row cannot be read back (e.g. a sealed field fails to open). INTERNAL.
        public static let corrupt = Code(.corrupt)
        /// The database cannot be reached, restarted, or gave up on the call (a timeout, a lost connection):
        /// nothing of the call was committed; retrying it is safe. UNAVAILABLE.
        public static let unavailable = Code(.unavailable)

        public var description: String { value.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// What happened.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

import Foundation

/// A translation between one source system's records and core cases: the gateway's plug-in point.
///
/// An adapter is pure: no I/O, no clock (time arrives in `TranslationContext`), no global state, so the
/// same record always gives the same result. Built-in adapters implement it in Swift; plugin adapters
/// speak `govcase.plugin.v1` and the plugin host wraps them in it.
public protocol Adapter: Sendable {
    /// The source record type, e.g. a generated protobuf message or an enum over several.
    associatedtype SourceRecord: Sendable

    /// Who the adapter is and what it accepts.
    var info: AdapterInfo { get }

    /// Translates one source record into a new case, a follow-up for an existing case, or violations.
    func translate(_ record: SourceRecord, context: TranslationContext) -> Translation

    /// Renders a case back into the source's records, for forwarding upstream.
    func render(_ case: Case) throws(CaseError) -> [SourceRecord]

    /// Renders one of a case's events back into the source's records; empty when the source has no such record.
    func render(_ event: LifecycleEvent, of case: Case) throws(CaseError) -> [SourceRecord]
}

/// Identity of an adapter.
public struct AdapterInfo: Sendable, Hashable {
    /// Unique id, e.g. `national-platform`.
    public var id: String
    /// Semantic version.
    public var version: String
    /// Fully qualified source message types accepted.
    public var messageTypes: [String]
    /// One-line description.
    public var summary: String

    public init(id: String, version: String, messageTypes: [String], summary: String) {
        self.id = id
        self.version = version
        self.messageTypes = messageTypes
        self.summary = summary
    }
}

/// What the gateway knows about a record beyond its content.
public struct TranslationContext: Sendable, Hashable {
    /// Source system id from the caller's certificate; adapters may pick code-table overrides by it.
    public var sourceSystem: String
    /// When the gateway received the record.
    public var receivedAt: Date
    /// How far into the future the record's times may be (the deployment's `validation.clock_skew_seconds`).
    public var clockSkew: TimeInterval

    public init(sourceSystem: String, receivedAt: Date, clockSkew: TimeInterval = 300) {
        self.sourceSystem = sourceSystem
        self.receivedAt = receivedAt
        self.clockSkew = clockSkew
    }

    /// What the core validator needs for this record.
    public var validation: ValidationContext { ValidationContext(now: receivedAt, clockSkew: clockSkew) }
}

/// The result of translating one record.
public enum Translation: Sendable, Hashable {
    /// A new case, or a new revision of one.
    case newCase(Case)
    /// Steps for an existing case.
    case followUp(FollowUp)
    /// Why the record cannot be translated: every violation, by field.
    case rejected([FieldViolation])
}

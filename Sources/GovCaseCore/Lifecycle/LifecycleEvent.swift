import Foundation

/// Who performed an action (操作人).
public struct Actor: Sendable, Hashable, Codable {
    /// Source system or gateway identity that reported it.
    public var system: String
    /// Unit of the person acting.
    public var unit: String
    /// Person's name or work id; staff in office, not sensitive.
    public var person: String

    public init(system: String = "", unit: String = "", person: String = "") {
        self.system = system
        self.unit = unit
        self.person = person
    }
}

/// An action with who did it and when: what adapters make of follow-up records.
public struct LifecycleStep: Sendable, Hashable, Codable {
    /// The action.
    public var action: LifecycleAction
    /// Who.
    public var actor: Actor
    /// When, at the source.
    public var occurredAt: Date

    public init(_ action: LifecycleAction, actor: Actor = .init(), occurredAt: Date) {
        self.action = action
        self.actor = actor
        self.occurredAt = occurredAt
    }
}

/// An applied transition; events are append-only.
public struct LifecycleEvent: Sendable, Hashable, Codable {
    /// Position in the case's history, from 1.
    public var sequence: Int
    /// The step applied.
    public var step: LifecycleStep
    /// Status before.
    public var from: CaseStatus
    /// Status after.
    public var to: CaseStatus
    /// When the gateway recorded it.
    public var recordedAt: Date
    /// The follow-up record that carried the step, if a source sent it; `nil` for case-service transitions.
    public var sourceRecord: SourceRecordReference?

    public init(
        sequence: Int, step: LifecycleStep, from: CaseStatus, to: CaseStatus, recordedAt: Date,
        sourceRecord: SourceRecordReference? = nil
    ) {
        self.sequence = sequence
        self.step = step
        self.from = from
        self.to = to
        self.recordedAt = recordedAt
        self.sourceRecord = sourceRecord
    }
}

/// Which source record an event came from: its external id and revision.
public struct SourceRecordReference: Sendable, Hashable, Codable {
    /// External id of the record.
    public var externalID: String
    /// Its revision.
    public var revision: UInt64

    public init(externalID: String, revision: UInt64) {
        self.externalID = externalID
        self.revision = revision
    }
}

/// A follow-up record (rectification feedback, status update, return visit) for an existing case,
/// found by the external id of the record that created it.
public struct FollowUp: Sendable, Hashable, Codable {
    /// External id of the record that created the case.
    public var targetExternalID: String
    /// Fully qualified source message type of the record that created the case, e.g.
    /// `govcase.sources.hotline12345.v1.WorkOrder`: with the source system and `targetExternalID` it names the
    /// case. `nil` matches a case of any type, and is refused when several match.
    public var targetRecordType: String?
    /// External id of the follow-up record itself.
    public var externalID: String
    /// Revision of the follow-up record.
    public var revision: UInt64
    /// Fully qualified source message type of the follow-up record itself; set by the gateway.
    public var recordType: String?
    /// SHA-256 of the follow-up's deterministic serialization as received; set by the gateway.
    public var contentDigest: Data?
    /// Steps, applied in order.
    public var steps: [LifecycleStep]

    /// The reference events made from this follow-up carry.
    public var reference: SourceRecordReference { SourceRecordReference(externalID: externalID, revision: revision) }

    public init(
        targetExternalID: String, targetRecordType: String? = nil, externalID: String, revision: UInt64 = 1,
        steps: [LifecycleStep]
    ) {
        self.targetExternalID = targetExternalID
        self.targetRecordType = targetRecordType
        self.externalID = externalID
        self.revision = revision
        self.steps = steps
    }
}

extension Translation {
    /// The translation with every step of a follow-up attributed to `system`, the source system that reported it
    /// (its certificate identity): a status update names the unit and person who acted, never the system, and a
    /// step that names nobody (a transfer by the centre) still says who reported it. Every adapter's answer, in
    /// the gateway and in `govcase translate`, passes through here.
    public func reported(by system: String) -> Translation {
        guard case .followUp(var f) = self else { return self }
        for index in f.steps.indices { f.steps[index].actor.system = system }
        return .followUp(f)
    }
}

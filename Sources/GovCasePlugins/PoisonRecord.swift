import Foundation

/// A record that took a plugin down twice, the second time alone (`BatchDispatcher`): refused at once from then
/// on.
public struct PoisonRecord: Sendable, Hashable {
    /// How it took the plugin down; the raw value completes "this record …".
    public enum Cause: String, Sendable, Hashable {
        case crashed = "crashed the plugin twice"
        /// Killed by the kernel's out-of-memory killer (`KernelCounters.outOfMemoryKills` rose meanwhile).
        case killed = "took the plugin down twice (the kernel's out-of-memory killer, the second time)"
        /// No answer within the plugin's call deadline.
        case hung = "hung the plugin past its call deadline twice"
    }

    /// SHA-256 of the record's type URL and bytes, first 16 bytes in hex.
    public var digest: String
    /// The record's message type.
    public var recordType: String
    /// When it was found.
    public var at: Date
    public var cause: Cause
}

/// The poison records of one plugin, the newest `limit` of them: a plugin that crashes on everything is
/// quarantined long before the list is full (`PluginProcess.StateMachine.poisonRecordFound`).
struct PoisonList: Sendable {
    static let limit = 1_000
    private(set) var records: [PoisonRecord] = []
    private var byDigest: [String: PoisonRecord] = [:]

    func record(digest: String) -> PoisonRecord? { byDigest[digest] }

    /// Adds a record; false if it was listed already.
    @discardableResult
    mutating func add(_ record: PoisonRecord) -> Bool {
        guard byDigest[record.digest] == nil else { return false }
        records.append(record)
        byDigest[record.digest] = record
        if records.count > Self.limit { byDigest[records.removeFirst().digest] = nil }
        return true
    }
}

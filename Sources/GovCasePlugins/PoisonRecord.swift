import Foundation

/// A record that crashed a plugin twice, the second time alone (`BatchDispatcher`): refused at once from then on.
public struct PoisonRecord: Sendable, Hashable {
    /// SHA-256 of the record's type URL and bytes, first 16 bytes in hex.
    public var digest: String
    /// The record's message type.
    public var recordType: String
    /// When it was found.
    public var at: Date
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

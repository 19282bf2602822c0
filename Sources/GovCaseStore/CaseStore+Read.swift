import Foundation
import GovCaseCore
import Logging

/// Who reads evaluator data unmasked, for the audit table.
public struct PrivacyReader: Sendable, Hashable {
    /// The caller's identity, e.g. its certificate's URI SAN.
    public var identity: String
    /// Why, e.g. the RPC that read it.
    public var purpose: String

    public init(identity: String, purpose: String) {
        self.identity = identity
        self.purpose = purpose
    }
}

/// Filters of a query; empty ones do not filter.
public struct CaseQuery: Sendable, Hashable {
    /// Region-code prefixes, e.g. `51`.
    public var regionPrefixes: [String] = []
    /// Kinds.
    public var kinds: [CaseKind] = []
    /// Statuses.
    public var statuses: [CaseStatus] = []
    /// Evaluation levels.
    public var levels: [SatisfactionLevel] = []
    /// Received at or after.
    public var receivedFrom: Date?
    /// Received before.
    public var receivedUntil: Date?
    /// Adapter ids.
    public var adapterIDs: [String] = []
    /// Cases on which a clock fired one of these events (remind, overdue, escalate, defaultRatingDue).
    public var clockEvents: [LifecycleActionKind] = []

    public init() {}
}

/// One page of cases, newest first.
public struct CasePage: Sendable {
    /// The cases.
    public var cases: [Case]
    /// Token for the next page; `nil` on the last page.
    public var nextPageToken: String?
    /// Cases of this page that could not be read, with why: one row never fails its page.
    public var unreadable: [(caseID: String, reason: String)] = []
}

extension CaseStore {
    /// One case: evaluator data masked, or unmasked for `reader`, which is then written to the audit table. Its
    /// links name only cases inside `scope`, the cases its caller may read; none by default.
    public func get(
        caseID: String, reader: PrivacyReader? = nil, linksWithin scope: ReadScope = .nothing, now: Date
    ) throws -> Case {
        guard let reader else {
            guard
                let c = try engine.read({ db in
                    try fetchCase(id: caseID, masked: true, db: db).map { try linked($0, within: scope, db: db) }
                })
            else {
                throw StoreError(.notFound, "no case has id \(caseID)")
            }
            return c
        }
        return try engine.write { db in
            guard let c = try fetchCase(id: caseID, db: db).map({ try linked($0, within: scope, db: db) }) else {
                throw StoreError(.notFound, "no case has id \(caseID)")
            }
            return try audited(c, readBy: reader, now: now, db: db)
        }
    }

    /// `c` unmasked for `reader`, the read written to the audit table (when there is evaluator data to read) in the
    /// caller's write transaction.
    func audited(_ c: Case, readBy reader: PrivacyReader, now: Date, db: any StoreSession) throws -> Case {
        if c.requester != nil {
            try db.execute(.auditRead, [c.caseID, reader.identity, reader.purpose, now.timeIntervalSince1970])
        }
        return c.unmasked
    }

    /// A case's region code, without reading (or decrypting) the case; `nil` if there is no such case.
    public func regionCode(caseID: String) throws -> String? {
        try engine.read { db in
            try db.value(.regionOfCase, [caseID], as: String.self)
        }
    }

    /// The unmasked reads recorded for a case: (reader, purpose, time), oldest first.
    public func privacyAudit(caseID: String) throws -> [(reader: String, purpose: String, at: Date)] {
        try engine.read { db in
            try db.rows(.auditOfCase, [caseID]).map { ($0["reader"], $0["purpose"], Date(timeIntervalSince1970: $0["read_at"])) }
        }
    }

    /// A page of cases matching `query`, newest received first, evaluator data masked.
    ///
    /// - Parameters:
    ///   - pageSize: At most this many cases (1–1000).
    ///   - pageToken: `nextPageToken` of the previous page, or `nil` for the first.
    public func query(_ query: CaseQuery, pageSize: Int = 100, pageToken: String? = nil) throws -> CasePage {
        var after: PageToken?
        if let pageToken {
            guard let token = PageToken(pageToken) else {
                throw StoreError(.badRequest, "the page token is not one this gateway issued")
            }
            after = token
        }
        let limit = min(max(pageSize, 1), 1000)
        let (sql, arguments) = query.statement(after: after, limit: limit)
        var page = CasePage(cases: [])
        var errors: [String] = []
        let rows = try engine.read { db in
            let rows = try db.rows(sql: sql, arguments)
            for row in rows.prefix(limit) {
                // Masked from the payload: no box is opened, but for a row stored before masks were kept at rest,
                // whose box may not open (its key no longer configured); that row alone is reported.
                // The caller learns that it failed; which key, and why, is for the operator's log.
                do { page.cases.append(try decode(row, db: db, masked: true)) } catch let error as StoreError
                where error.code == .configuration || error.code == .corrupt {
                    page.unreadable.append((row["id"], "its stored data cannot be read; the gateway's log says why"))
                    errors.append("\(error)")
                }
            }
            return rows
        }
        let next = rows.count > limit ? rows[limit - 1] : nil
        page.nextPageToken = next.map { PageToken(receivedAt: $0["received_at"] ?? 0, caseID: $0["id"]).description }
        if !page.unreadable.isEmpty {
            logger.error(
                "cases left out of a page: they cannot be read",
                metadata: ["cases": "\(page.unreadable.map(\.caseID))", "errors": "\(errors)"])
        }
        return page
    }

    /// The cursor of the newest event, 0 if there is none: where a watcher that wants only new events starts.
    public func latestEventCursor() throws -> Int64 {
        try engine.read { db in try db.value(.latestEventCursor, as: Int64.self) ?? 0 }
    }

    /// Counts commits that appended events; pass what you read before `events(after:)` to `waitForEvents`.
    public var eventGeneration: UInt64 { eventSignal.generation }

    /// Returns once events have committed since `generation` was read, after `timeout` at the latest, or when
    /// the task is cancelled.
    public func waitForEvents(after generation: UInt64, timeout: Duration) async {
        await eventSignal.wait(after: generation, timeout: timeout)
    }

    /// Events recorded after `cursor` (0 for all), oldest first, with the cursor to resume after each.
    public func events(after cursor: Int64, limit: Int = 500) throws -> [(
        cursor: Int64, caseID: String, event: LifecycleEvent
    )] {
        try engine.read { db in
            try db.rows(.eventsAfter, [cursor, limit]).map { row in
                (row["cursor"], row["case_id"], try Self.event(row["payload"]))
            }
        }
    }
}

/// Where a page ended: opaque to callers, `<received_at>_<case id>` in base64.
struct PageToken: CustomStringConvertible {
    var receivedAt: Double
    var caseID: String

    init(receivedAt: Double, caseID: String) {
        self.receivedAt = receivedAt
        self.caseID = caseID
    }

    init?(_ token: String) {
        guard let data = Data(base64Encoded: token) else { return nil }
        let parts = String(decoding: data, as: UTF8.self).split(separator: "_", maxSplits: 1)
        guard parts.count == 2, let at = Double(parts[0]) else { return nil }
        self.init(receivedAt: at, caseID: String(parts[1]))
    }

    var description: String { Data("\(receivedAt)_\(caseID)".utf8).base64EncodedString() }
}

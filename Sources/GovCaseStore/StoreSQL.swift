import Foundation
import GRDB

/// Every statement the store runs on its tables once migrated, in one place.
///
/// `QueryPlanTests` runs `EXPLAIN QUERY PLAN` on each of `allCases`, with bound parameters, on a real store
/// file, and fails on a scan of a table or a temporary sort: every query the store runs must use an index at any
/// size (ARCHITECTURE.md, invariant 8). A statement written anywhere else would escape that check, so the store's
/// methods use these constants and `CaseQuery.statement(after:limit:)` only. Migrations are not here: each runs once.
///
/// SQLite uses a partial index (`… WHERE matter_id != ''`) for a query with bound parameters only if the query
/// repeats the index's condition word for word: it cannot know that `matter_id = ?` will not be empty. The
/// statements that use one repeat it, and the plan test proves they still reach it. (A condition on a column the
/// query compares for equality is repeated, not a range on one: with `service_number > 0` the planner used the
/// range and sorted, where `matter_id != ''` lets it use all four columns for equality.)
enum StoreSQL: CaseIterable {
    /// A new case, or the replacement of a stored one by id (every column but id, source and creation).
    case saveCase
    case caseByID
    case regionOfCase
    /// A source record's case; the last two arguments are the record type and whether any type matches.
    case caseBySourceRecord
    /// The id, revision and digest stored for a source record; a typed row wins over one stored without a type.
    case storedRevision
    /// 一事多评: another record of this kind for the node (source system, matter, number, kind, own external id).
    case nodeTaken
    /// The cases of one kind at a service node (source system, matter, number, kind), first stored first.
    case nodeCases
    /// The evaluation a work order of this source system names (source system, external id).
    case originEvaluation
    /// The cases whose link of a kind names an external id of their own source system (source system, kind,
    /// external id), first linked first.
    case linkingCases
    /// A case's link of a kind (case id, kind, source system, external id), replacing the one it had.
    case saveLink
    case deleteLink
    case appendEvent
    case eventsOfCase
    case latestEventCursor
    case eventsAfter
    case appliedFollowUps
    case saveFollowUp
    case auditRead
    case auditOfCase
    /// Boxes not sealed with the current key after a rowid (prefix length, prefix, rowid, batch size), in rowid
    /// order: a rotation walks the table once, however many batches it takes.
    case boxesToReseal
    case reseal
    /// How many boxes are not sealed with the current key (prefix length, prefix).
    case boxesNotSealedWithKey
    /// A row a route must send (route, case id, change, event sequence, created at, next attempt at).
    case insertForward
    /// The rows of a route due now, each the first unfinished row of its case's lane, oldest first (route, now,
    /// limit): a case whose first row waits or is dead holds back its own later rows, never another case's.
    case dueForwards
    /// A row's delivery state after an attempt or an operator's action (state, attempts, next attempt at, last
    /// error, rejection, finished at, upstream case ids, id).
    case settleForward
    /// A claimed row's delivery state, only while this claim still holds it (… the settleForward arguments, id,
    /// the claim's lease end): a gateway whose lease ran out, and whose rows another gateway took over, changes
    /// nothing.
    case settleClaimedForward
    case forwardByID
    /// A route's rows in one state after an id, in id order (route, state, id, limit).
    case forwardsInState
    /// How many rows of a route are in one state (route, state).
    case countForwards
    /// The oldest pending row of a route (route).
    case oldestPendingForward
    /// Rows of a route claimed by a gateway that stopped before settling them go back to pending, due now (now,
    /// route): an in-flight row's `next_attempt_at` is its claim's lease, not when it is due.
    case releaseInFlight
    /// Rows of a route whose claim's lease ran out (the gateway that claimed them died or hung) go back to pending
    /// (route, now): an in-flight row's `next_attempt_at` is its lease's end.
    case expireClaims
    /// Finished rows (delivered, discarded) finished before a time, a chunk at a time (time, limit).
    case pruneFinished
    /// An operator's action on the outbox (at, actor, action, route, row id, reason): the audit of replays,
    /// discards and backfills.
    case recordOutboxAction
    /// Cases this gateway stored at or after a time, a page after (created at, id) (since, created at, id, limit).
    case casesReceivedSince
    /// A clock of a case, unless it exists already in any state (case id, key, action, region, deadline, due,
    /// original due).
    case insertClock
    /// A case's pending clocks (case id).
    case pendingClocksOfCase
    /// A clock's state after it fired, was skipped or cancelled, or its due time moved (state, due at, fired at,
    /// late seconds, event sequence, note, id).
    case settleClock
    case clockByID
    /// Pending clocks due by a time, the earliest first (time, limit).
    case dueClocks
    /// The next pending clock's due time.
    case nextClockDue
    /// Clocks in one state, the earliest due first, after a due time and id, in a region (state, due at, id,
    /// region prefix + '%', limit).
    case clocksInState
    /// How many pending clocks are due by a time (time).
    case countDueClocks
    /// How many clocks are in a state (state).
    case countClocks
    /// A setting the gateway records of itself, replacing its value (name, value, updated at).
    case saveSetting
    /// A recorded setting's value and when it was written (name).
    case setting
    /// Cases of an adapter, record type and region received in a window, in receipt order after a point (received
    /// at, id, received before, adapter, record type, region LIKE, limit): `govcase export --period`'s pages.
    case exportPageByReceipt
    /// Cases of an adapter, record type and region stored after a case, in the order their rows were committed
    /// (the case's id or '', adapter, record type, region LIKE, limit): `govcase export --since-last`'s pages.
    case exportPageByStore

    /// The statement's text.
    var sql: String {
        switch self {
        case .saveCase:
            """
                INSERT INTO cases (id, source_system, record_type, external_id, revision, content_digest, adapter_id,
                                   kind, region_code, status, level, received_at, created_at, updated_at, payload,
                                   sealed_requester, origin_evaluation_id, matter_id, service_number, requester_masked)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
                ON CONFLICT (id) DO UPDATE SET
                    record_type = excluded.record_type, revision = excluded.revision,
                    content_digest = excluded.content_digest, adapter_id = excluded.adapter_id, kind = excluded.kind,
                    region_code = excluded.region_code, status = excluded.status, level = excluded.level,
                    received_at = excluded.received_at, updated_at = excluded.updated_at,
                    payload = excluded.payload, sealed_requester = excluded.sealed_requester, requester_masked = 1,
                    origin_evaluation_id = excluded.origin_evaluation_id, matter_id = excluded.matter_id,
                    service_number = excluded.service_number
                """
        case .caseByID: "SELECT payload, sealed_requester, requester_masked, created_at FROM cases WHERE id = ?"
        case .regionOfCase: "SELECT region_code FROM cases WHERE id = ?"
        case .caseBySourceRecord:
            """
                SELECT payload, sealed_requester, requester_masked, created_at, record_type FROM cases
                WHERE source_system = ? AND external_id = ? AND (record_type = ? OR record_type = '' OR ?)
                """
        case .storedRevision:
            """
                SELECT id, revision, content_digest FROM cases
                WHERE source_system = ? AND external_id = ? AND (record_type = ? OR record_type = '')
                ORDER BY record_type DESC LIMIT 1
                """
        case .nodeTaken:
            """
                SELECT external_id FROM cases
                WHERE source_system = ? AND matter_id = ? AND service_number = ? AND kind = ? AND matter_id != ''
                    AND external_id != ?
                LIMIT 1
                """
        case .nodeCases:
            """
                SELECT id, region_code FROM cases
                WHERE source_system = ? AND matter_id = ? AND service_number = ? AND kind = ? AND matter_id != ''
                ORDER BY rowid
                """
        case .originEvaluation:
            """
                SELECT id, region_code FROM cases
                WHERE source_system = ? AND external_id = ? AND kind = 'evaluation'
                ORDER BY record_type LIMIT 1
                """
        case .linkingCases:
            """
                SELECT cases.id, cases.region_code FROM case_links CROSS JOIN cases ON cases.id = case_links.case_id
                WHERE case_links.source_system = ? AND case_links.kind = ? AND case_links.target_external_id = ?
                ORDER BY case_links.id
                """
        case .saveLink:
            """
                INSERT INTO case_links (case_id, kind, source_system, target_external_id) VALUES (?, ?, ?, ?)
                ON CONFLICT (case_id, kind) DO UPDATE SET
                    source_system = excluded.source_system, target_external_id = excluded.target_external_id
                """
        case .deleteLink: "DELETE FROM case_links WHERE case_id = ? AND kind = ?"
        case .appendEvent: "INSERT INTO case_events (case_id, sequence, payload) VALUES (?, ?, ?)"
        case .eventsOfCase: "SELECT payload FROM case_events WHERE case_id = ? ORDER BY sequence"
        case .latestEventCursor: "SELECT MAX(cursor) FROM case_events"
        case .eventsAfter: "SELECT cursor, case_id, payload FROM case_events WHERE cursor > ? ORDER BY cursor LIMIT ?"
        case .appliedFollowUps:
            """
                SELECT revision, case_id, content_digest FROM follow_ups
                WHERE source_system = ? AND external_id = ? AND (record_type = ? OR record_type = '')
                """
        case .saveFollowUp:
            """
                INSERT INTO follow_ups (source_system, record_type, external_id, revision, content_digest, case_id)
                VALUES (?, ?, ?, ?, ?, ?)
                """
        case .auditRead: "INSERT INTO privacy_audit (case_id, reader, purpose, read_at) VALUES (?, ?, ?, ?)"
        case .auditOfCase: "SELECT reader, purpose, read_at FROM privacy_audit WHERE case_id = ? ORDER BY id"
        case .boxesToReseal:
            """
                SELECT rowid, id, sealed_requester FROM cases
                WHERE rowid > ? AND sealed_requester IS NOT NULL AND substr(sealed_requester, 1, ?) != ?
                ORDER BY rowid LIMIT ?
                """
        case .reseal: "UPDATE cases SET sealed_requester = ? WHERE id = ?"
        case .boxesNotSealedWithKey:
            """
                SELECT COUNT(*) FROM cases WHERE sealed_requester IS NOT NULL AND substr(sealed_requester, 1, ?) != ?
                """
        case .insertForward:
            """
                INSERT INTO outbox (route, case_id, change, event_sequence, created_at, next_attempt_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """
        case .dueForwards:
            """
                SELECT o.* FROM outbox AS o
                WHERE o.route = ? AND o.state = 'pending' AND o.next_attempt_at <= ?
                    AND NOT EXISTS (
                        SELECT 1 FROM outbox AS p
                        WHERE p.route = o.route AND p.case_id = o.case_id AND p.id < o.id
                            AND p.state IN ('pending', 'in_flight', 'dead'))
                ORDER BY o.id LIMIT ?
                """
        case .settleForward:
            """
                UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, rejection = ?,
                                  finished_at = ?, upstream_case_ids = ?
                WHERE id = ?
                """
        case .settleClaimedForward:
            """
                UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, rejection = ?,
                                  finished_at = ?, upstream_case_ids = ?
                WHERE id = ? AND state = 'in_flight' AND next_attempt_at = ?
                """
        case .forwardByID: "SELECT * FROM outbox WHERE id = ?"
        case .forwardsInState: "SELECT * FROM outbox WHERE route = ? AND state = ? AND id > ? ORDER BY id LIMIT ?"
        case .countForwards: "SELECT COUNT(*) FROM outbox WHERE route = ? AND state = ?"
        case .oldestPendingForward:
            "SELECT created_at FROM outbox WHERE route = ? AND state = 'pending' ORDER BY id LIMIT 1"
        case .releaseInFlight:
            "UPDATE outbox SET state = 'pending', next_attempt_at = ? WHERE route = ? AND state = 'in_flight'"
        case .expireClaims:
            "UPDATE outbox SET state = 'pending' WHERE route = ? AND state = 'in_flight' AND next_attempt_at <= ?"
        case .pruneFinished:
            """
                DELETE FROM outbox WHERE id IN (
                    SELECT id FROM outbox WHERE state IN ('delivered', 'discarded') AND finished_at < ? LIMIT ?)
                """
        case .recordOutboxAction:
            "INSERT INTO outbox_actions (at, actor, action, route, row_id, reason) VALUES (?, ?, ?, ?, ?, ?)"
        case .casesReceivedSince:
            """
                SELECT id, created_at FROM cases
                WHERE created_at >= ? AND (created_at, id) > (?, ?)
                ORDER BY created_at, id LIMIT ?
                """
        case .insertClock:
            """
                INSERT INTO clocks (case_id, clock_key, action, region_code, deadline_at, due_at, original_due_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (case_id, clock_key, deadline_at) DO UPDATE SET
                    state = 'pending', action = excluded.action, region_code = excluded.region_code,
                    due_at = excluded.due_at, original_due_at = excluded.original_due_at, fired_at = NULL,
                    late_seconds = 0, event_sequence = 0, note = 'runs again: the same deadline was set anew'
                WHERE clocks.state = 'cancelled'
                """
        case .pendingClocksOfCase: "SELECT * FROM clocks WHERE case_id = ? AND state = 'pending'"
        case .settleClock:
            """
                UPDATE clocks SET state = ?, due_at = ?, fired_at = ?, late_seconds = ?, event_sequence = ?, note = ?
                WHERE id = ?
                """
        case .clockByID: "SELECT * FROM clocks WHERE id = ?"
        case .dueClocks: "SELECT * FROM clocks WHERE state = 'pending' AND due_at <= ? ORDER BY due_at LIMIT ?"
        case .nextClockDue: "SELECT due_at FROM clocks WHERE state = 'pending' ORDER BY due_at LIMIT 1"
        case .clocksInState:
            """
                SELECT * FROM clocks WHERE state = ? AND (due_at, id) > (?, ?) AND region_code LIKE ?
                ORDER BY due_at, id LIMIT ?
                """
        case .countClocks: "SELECT COUNT(*) FROM clocks WHERE state = ?"
        case .saveSetting:
            """
                INSERT INTO store_settings (name, value, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """
        case .setting: "SELECT value, updated_at FROM store_settings WHERE name = ?"
        case .exportPageByReceipt:
            """
                SELECT id, received_at AS position FROM cases
                WHERE (received_at, id) > (?, ?) AND received_at < ? AND adapter_id = ? AND record_type = ?
                    AND region_code LIKE ?
                ORDER BY received_at, id LIMIT ?
                """
        case .exportPageByStore:
            """
                SELECT id, rowid AS position FROM cases
                WHERE rowid > COALESCE((SELECT rowid FROM cases WHERE id = ?), 0) AND adapter_id = ?
                    AND record_type = ? AND region_code LIKE ?
                ORDER BY rowid LIMIT ?
                """
        case .countDueClocks: "SELECT COUNT(*) FROM clocks WHERE state = 'pending' AND due_at <= ?"
        }
    }
}

extension StoreSQL {
    /// The statement's text for PostgreSQL: numbered placeholders, and the few words SQLite and PostgreSQL spell
    /// differently. The schema gives `cases` a `rowid` column, so the statements that walk cases in insertion order
    /// read the same on both.
    var postgresSQL: String { Self.postgresTexts[self]! }

    private static let postgresTexts: [StoreSQL: String] = Dictionary(
        uniqueKeysWithValues: allCases.map { statement in
            let text = statement.sql
                // PostgreSQL's CROSS JOIN takes no ON; SQLite's CROSS JOIN only fixes the join order.
                .replacingOccurrences(of: "CROSS JOIN", with: "JOIN")
                // Parameters are typed: a bigint does not fit substr's integer length.
                .replacingOccurrences(of: "substr(sealed_requester, 1, ?)", with: "substr(sealed_requester, 1, ?::integer)")
            return (statement, postgresPlaceholders(text))
        })

    /// `?` placeholders numbered `$1`, `$2`, … (none of the store's statements has a `?` inside a literal).
    static func postgresPlaceholders(_ sql: String) -> String {
        var result = ""
        var number = 0
        var inLiteral = false
        for character in sql {
            if character == "'" { inLiteral.toggle() }
            if character == "?" && !inLiteral {
                number += 1
                result += "$\(number)"
            } else {
                result.append(character)
            }
        }
        return result
    }
}

extension StoreSQL {
    /// Arguments of the statement's types, for `EXPLAIN QUERY PLAN`: the plan of a statement with bound
    /// parameters cannot depend on their values.
    var sampleArguments: StoreArguments {
        switch self {
        case .saveCase:
            [
                "case-1", "sc-gov", "t", "PJ-1", 1, nil, "national-platform", "evaluation", "510104", "recorded", 3, 0.0,
                0.0, 0.0, Data(), nil, "", "M-1", 1,
            ]
        case .caseByID, .regionOfCase, .eventsOfCase, .auditOfCase: ["case-1"]
        case .caseBySourceRecord: ["sc-gov", "PJ-1", "t", false]
        case .storedRevision, .appliedFollowUps: ["sc-gov", "PJ-1", "t"]
        case .nodeTaken: ["sc-gov", "M-1", 1, "evaluation", "PJ-1"]
        case .nodeCases: ["sc-gov", "M-1", 1, "evaluation"]
        case .originEvaluation: ["sc-gov", "PJ-1"]
        case .linkingCases: ["sc-gov", CaseLinkKind.originEvaluation.rawValue, "PJ-1"]
        case .saveLink: ["case-1", CaseLinkKind.originEvaluation.rawValue, "sc-gov", "PJ-1"]
        case .deleteLink: ["case-1", CaseLinkKind.originEvaluation.rawValue]
        case .appendEvent: ["case-1", 1, Data()]
        case .latestEventCursor: []
        case .eventsAfter: [0, 500]
        case .saveFollowUp: ["sc-gov", "t", "ZG-1", 1, nil, "case-1"]
        case .auditRead: ["case-1", "reader", "GetCase", 0.0]
        case .boxesToReseal: [0, 12, Data(count: 12), 500]
        case .reseal: [Data(), "case-1"]
        case .boxesNotSealedWithKey: [12, Data(count: 12)]
        case .insertForward: ["national", "case-1", "new-case", 0, 0.0, 0.0]
        case .dueForwards: ["national", 0.0, 100]
        case .settleForward: ["delivered", 1, 0.0, "", nil, 0.0, "", 1]
        case .settleClaimedForward: ["delivered", 1, 0.0, "", nil, 0.0, "", 1, 0.0]
        case .forwardByID: [1]
        case .forwardsInState: ["national", "dead", 0, 100]
        case .countForwards: ["national", "pending"]
        case .oldestPendingForward: ["national"]
        case .releaseInFlight: [0.0, "national"]
        case .expireClaims: ["national", 0.0]
        case .pruneFinished: [0.0, 1000]
        case .recordOutboxAction: [0.0, "operator-sc", "replay", "national", 1, ""]
        case .casesReceivedSince: [0.0, 0.0, "", 500]
        case .insertClock: ["case-1", "rectification-overdue", "overdue", "510104", 0.0, 0.0, nil]
        case .pendingClocksOfCase: ["case-1"]
        case .settleClock: ["fired", 0.0, 0.0, 0.0, 3, "", 1]
        case .clockByID: [1]
        case .dueClocks: [0.0, 100]
        case .nextClockDue: []
        case .clocksInState: ["pending", 0.0, 0, "51%", 100]
        case .countDueClocks: [0.0]
        case .countClocks: ["pending"]
        case .saveSetting: ["sealing_key_id", "0123", 0.0]
        case .setting: ["sealing_key_id"]
        case .exportPageByReceipt: [0.0, "", 1e10, "hotline-12345", "govcase.sources.hotline12345.v1.WorkOrder", "5001%", 500]
        case .exportPageByStore: ["case-1", "hotline-12345", "govcase.sources.hotline12345.v1.WorkOrder", "5001%", 500]
        }
    }

    /// The one index a page of a query (`CaseQuery.statement(after:limit:)`) may walk in order, stopping after the
    /// page; every other statement searches.
    static let pageWalkIndex = "cases_received"

    /// Why the statement may read a whole table, for the one statement that must: nil for all the others.
    var wholeTableReason: String? {
        switch self {
        case .boxesNotSealedWithKey:
            "counts every box not yet re-sealed: once when a key rotation starts and when an operator asks "
                + "(`govcase keys status`), never on the path of a record or a read"
        default: nil
        }
    }
}

extension Database {
    /// The statement, compiled once per connection.
    func statement(_ sql: StoreSQL) throws -> Statement { try cachedStatement(sql: sql.sql) }
}

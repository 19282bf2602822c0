import Crypto
import Foundation
import GRDB
@testable import GovCaseStore
import Testing

/// Every statement the store runs (`StoreSQL`, and the pages of `CaseQuery`), planned by SQLite with bound
/// parameters on a real store file: each must search an index, never scan a table or sort in a temporary b-tree
/// (ARCHITECTURE.md, invariant 8). At 200,000 rows the 一事多评 check, whose partial index a bound `service_number
/// = ?` could not use, walked every row of its source system inside the single writer (128–218 ms a submit).
@Suite struct QueryPlanTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("govcase-plans-\(UUID())")
    var path: String { folder.appendingPathComponent("cases.sqlite").path }

    init() throws { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }

    /// The plan each statement must have, as `EXPLAIN QUERY PLAN` details: the index it searches and the columns
    /// it binds. A plan that searches a broader key (all the rows of a source system, say) is a plan that grows
    /// with the store, though SQLite calls it a search; so the whole plan is written down, and a statement without
    /// one here fails.
    static let expectedPlans: [StoreSQL: [String]] = [
        .saveCase: [],
        .caseByID: ["SEARCH cases USING INDEX sqlite_autoindex_cases_1 (id=?)"],
        .regionOfCase: ["SEARCH cases USING INDEX sqlite_autoindex_cases_1 (id=?)"],
        .caseBySourceRecord: [
            "SEARCH cases USING INDEX sqlite_autoindex_cases_2 (source_system=? AND external_id=?)"
        ],
        .storedRevision: [
            "SEARCH cases USING INDEX sqlite_autoindex_cases_2 (source_system=? AND external_id=? AND record_type=?)"
        ],
        .nodeTaken: [
            "SEARCH cases USING INDEX cases_service_node (source_system=? AND matter_id=? AND service_number=? "
                + "AND kind=?)"
        ],
        .nodeCases: [
            "SEARCH cases USING INDEX cases_service_node (source_system=? AND matter_id=? AND service_number=? "
                + "AND kind=?)"
        ],
        .originEvaluation: [
            "SEARCH cases USING INDEX sqlite_autoindex_cases_2 (source_system=? AND external_id=?)"
        ],
        .linkingCases: [
            "SEARCH case_links USING INDEX case_links_target (source_system=? AND kind=? AND target_external_id=?)",
            "SEARCH cases USING INDEX sqlite_autoindex_cases_1 (id=?)",
        ],
        .saveLink: [],
        .deleteLink: ["SEARCH case_links USING INDEX sqlite_autoindex_case_links_1 (case_id=? AND kind=?)"],
        .appendEvent: [],
        .eventsOfCase: ["SEARCH case_events USING INDEX sqlite_autoindex_case_events_1 (case_id=?)"],
        .latestEventCursor: ["SEARCH case_events"],
        .eventsAfter: ["SEARCH case_events USING INTEGER PRIMARY KEY (rowid>?)"],
        .appliedFollowUps: [
            "SEARCH follow_ups USING INDEX sqlite_autoindex_follow_ups_1 (source_system=? AND external_id=? "
                + "AND record_type=?)"
        ],
        .saveFollowUp: [],
        .auditRead: [],
        .auditOfCase: ["SEARCH privacy_audit USING INDEX privacy_audit_case (case_id=?)"],
        .boxesToReseal: ["SEARCH cases USING INTEGER PRIMARY KEY (rowid>?)"],
        .reseal: ["SEARCH cases USING INDEX sqlite_autoindex_cases_1 (id=?)"],
        .boxesNotSealedWithKey: ["SCAN cases"],
        .insertForward: [],
        // The heads of the lanes: pending rows of the route in id order, each checked against its own case's
        // earlier rows only.
        .dueForwards: [
            "SEARCH o USING INDEX outbox_state (route=? AND state=?)", "CORRELATED SCALAR SUBQUERY 1",
            "SEARCH p USING INDEX outbox_lane (route=? AND case_id=? AND id<?)",
        ],
        .settleForward: ["SEARCH outbox USING INTEGER PRIMARY KEY (rowid=?)"],
        .settleClaimedForward: ["SEARCH outbox USING INTEGER PRIMARY KEY (rowid=?)"],
        .forwardByID: ["SEARCH outbox USING INTEGER PRIMARY KEY (rowid=?)"],
        .forwardsInState: ["SEARCH outbox USING INDEX outbox_state (route=? AND state=? AND id>?)"],
        .countForwards: ["SEARCH outbox USING COVERING INDEX outbox_state (route=? AND state=?)"],
        .oldestPendingForward: ["SEARCH outbox USING INDEX outbox_state (route=? AND state=?)"],
        .releaseInFlight: ["SEARCH outbox USING INDEX outbox_state (route=? AND state=?)"],
        .expireClaims: ["SEARCH outbox USING INDEX outbox_state (route=? AND state=?)"],
        .pruneFinished: [
            "SEARCH outbox USING INTEGER PRIMARY KEY (rowid=?)", "LIST SUBQUERY 1",
            "SEARCH outbox USING COVERING INDEX outbox_finished (state=? AND finished_at<?)",
        ],
        .recordOutboxAction: [],
        .casesReceivedSince: ["SEARCH cases USING COVERING INDEX cases_created (created_at>?)"],
        .insertClock: [],
        .pendingClocksOfCase: ["SEARCH clocks USING INDEX clocks_case (case_id=? AND state=?)"],
        .settleClock: ["SEARCH clocks USING INTEGER PRIMARY KEY (rowid=?)"],
        .clockByID: ["SEARCH clocks USING INTEGER PRIMARY KEY (rowid=?)"],
        // Pending clocks by due time: the scheduler reads only what is due, however many wait.
        .dueClocks: ["SEARCH clocks USING INDEX clocks_due (state=? AND due_at<?)"],
        .nextClockDue: ["SEARCH clocks USING COVERING INDEX clocks_due (state=?)"],
        .clocksInState: ["SEARCH clocks USING INDEX clocks_due (state=? AND due_at>?)"],
        .countClocks: ["SEARCH clocks USING COVERING INDEX clocks_due (state=?)"],
        .countDueClocks: ["SEARCH clocks USING COVERING INDEX clocks_due (state=? AND due_at<?)"],
        .saveSetting: [],
        .setting: ["SEARCH store_settings USING INDEX sqlite_autoindex_store_settings_1 (name=?)"],
        // An export's pages walk an index in the file's order from where the last page ended: a period by receipt,
        // --since-last by the rows' commit order (after the last case exported, found by its id).
        .exportPageByReceipt: ["SEARCH cases USING INDEX cases_received ((received_at,id)>(?,?) AND received_at<?)"],
        .exportPageByStore: [
            "SEARCH cases USING INTEGER PRIMARY KEY (rowid>?)", "SCALAR SUBQUERY 1",
            "SEARCH cases USING COVERING INDEX sqlite_autoindex_cases_1 (id=?)",
        ],
    ]

    /// The detail lines of the plan of `sql` with `arguments` bound.
    static func plan(of sql: String, _ arguments: StatementArguments, in db: Database) throws -> [String] {
        try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] }
    }

    /// What in `plan` grows with the store: a scan of a table (but the walk `walk` names), a temporary sort, an
    /// index built for the query. Empty for a plan that only searches.
    static func problems(in plan: [String], walk: String? = nil) -> [String] {
        plan.filter { line in
            if line.contains("TEMP B-TREE") || line.contains("AUTOMATIC") { return true }
            guard line.hasPrefix("SCAN ") else { return false }
            if line == "SCAN CONSTANT ROW" { return false }
            guard let walk else { return true }
            return line != "SCAN cases USING INDEX \(walk)" && line != "SCAN cases USING COVERING INDEX \(walk)"
        }
    }

    /// Every statement of `StoreSQL` against the store at `path`: its problems, and where its plan differs from
    /// the expected one, by statement.
    static func check(storeAt path: String) throws -> [StoreSQL: [String]] {
        try DatabaseQueue(path: path).read { db in
            var found: [StoreSQL: [String]] = [:]
            // A store migrated only part of the way has no outbox, clocks or settings yet; their statements are checked on
            // full stores.
            let later = try ["outbox", "clocks", "store_settings"].filter { try !db.tableExists($0) }
            for statement in StoreSQL.allCases where !later.contains(where: { statement.sql.contains("FROM \($0)") || statement.sql.contains("INTO \($0)") || statement.sql.contains("UPDATE \($0)") }) {
                let plan = try Self.plan(of: statement.sql, SQLiteSession.bind(statement.sampleArguments), in: db)
                var wrong = statement.wholeTableReason == nil ? problems(in: plan) : []
                if let expected = expectedPlans[statement] {
                    if plan != expected { wrong.append("plan \(plan), expected \(expected)") }
                } else {
                    wrong.append("no expected plan; its plan is \(plan)")
                }
                if !wrong.isEmpty { found[statement] = wrong }
            }
            return found
        }
    }

    /// The pages of every sample query, first and later, against the store at `path`: their problems.
    static func checkPages(storeAt path: String) throws -> [String: [String]] {
        let token = PageToken(receivedAt: 0, caseID: "case-1")
        return try DatabaseQueue(path: path).read { db in
            var found: [String: [String]] = [:]
            let hasClocks = try db.tableExists("clocks")
            for query in CaseQuery.planSamples where hasClocks || query.clockEvents.isEmpty {
                for after in [nil, token] {
                    let (sql, arguments) = query.statement(after: after, limit: 100)
                    let wrong = problems(
                        in: try plan(of: sql, SQLiteSession.bind(arguments), in: db), walk: StoreSQL.pageWalkIndex)
                    if !wrong.isEmpty { found[sql] = wrong }
                }
            }
            return found
        }
    }

    /// A store file, migrated to the end or up to `migration`, with a few cases (plans do not depend on them:
    /// the store keeps no statistics, so SQLite plans from its schema alone).
    func store(upTo migration: String? = nil) throws -> String {
        if let migration {
            let queue = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(queue, upTo: migration)
            // Today's statements name v13's column; it changes no plan, and without it they would not compile here.
            try queue.write { db in
                if try !db.columns(in: "cases").contains(where: { $0.name == "requester_masked" }) {
                    try db.execute(sql: "ALTER TABLE cases ADD COLUMN requester_masked INTEGER NOT NULL DEFAULT 0")
                }
            }
            try queue.close()
        } else {
            let store = try CaseStore(path: path, vault: EvaluatorVault(key: SymmetricKey(size: .bits256)))
            _ = try store.submit(CaseStoreTests.evaluation("PJ-plan"), now: Date())
            try store.close()
        }
        return path
    }

    /// The same on PostgreSQL: each statement's plan, with its sample parameters and sequential scans made as
    /// costly as PostgreSQL can (`enable_seqscan = off`, so a small table's scan does not hide a missing index),
    /// never reads a whole table but the one statement allowed to; no page of a query reads a whole table or sorts
    /// (`enable_sort = off` too). PostgreSQL plans by its statistics, so this proves an index can serve each, not
    /// that the planner picks it at every size.
    @Test func everyStatementSearchesAnIndexOnPostgreSQL() throws {
        let store = try StoreLocation().open(.postgresql, vault: EvaluatorVault(key: SymmetricKey(size: .bits256)))
        _ = try store.submit(CaseStoreTests.evaluation("PJ-plan"), now: Date())
        var checked = 0
        try store.engine.write { db in
            try db.execute(sql: "SET LOCAL enable_seqscan = off", [])
            for statement in StoreSQL.allCases where statement.wholeTableReason == nil {
                let lines = try db.rows(sql: "EXPLAIN " + statement.postgresSQL, statement.sampleArguments)
                    .map { $0["QUERY PLAN"] as String }
                checked += 1
                let scans = lines.filter { $0.contains("Seq Scan") }
                #expect(scans.isEmpty, "\(statement): \(lines.joined(separator: " / "))")
            }
            // A sort is cheaper than an ordered index walk for a table this small: made as costly as can be too,
            // a page that still sorts has no index that gives its order.
            try db.execute(sql: "SET LOCAL enable_sort = off", [])
            let token = PageToken(receivedAt: 0, caseID: "case-1")
            for query in CaseQuery.planSamples {
                for after in [nil, token] {
                    let (sql, arguments) = query.statement(after: after, limit: 100)
                    let lines = try db.rows(sql: "EXPLAIN " + sql, arguments).map { $0["QUERY PLAN"] as String }
                    #expect(!lines.contains { $0.contains("Seq Scan") }, "a page: \(lines.joined(separator: " / "))")
                    #expect(!lines.contains { $0.contains("Sort") }, "a page sorts: \(lines.joined(separator: " / "))")
                }
            }
            // EXPLAIN runs nothing; the setting ends with the transaction.
        }
        #expect(checked == StoreSQL.allCases.count - 1)
    }

    @Test func everyStatementSearchesAnIndexWithBoundParameters() throws {
        let path = try store()
        for (statement, wrong) in try Self.check(storeAt: path).sorted(by: { "\($0.key)" < "\($1.key)" }) {
            Issue.record("\(statement): \(wrong.joined(separator: "; "))\n\(statement.sql)")
        }
        for (sql, wrong) in try Self.checkPages(storeAt: path) {
            Issue.record("a page: \(wrong.joined(separator: "; "))\n\(sql)")
        }
    }

    /// The one statement allowed to read its whole table says why, and every expected plan but its own is free of
    /// scans and sorts: the list of plans cannot quietly allow one.
    @Test func onlyTheRotationCountReadsAWholeTable() {
        #expect(StoreSQL.allCases.filter { $0.wholeTableReason != nil } == [.boxesNotSealedWithKey])
        for (statement, plan) in Self.expectedPlans where statement.wholeTableReason == nil {
            #expect(Self.problems(in: plan).isEmpty, "\(statement)")
        }
    }

    /// The check fails where it should. On a store with the indexes as v6 made them, the 一事多评 check and the node
    /// links search every row of their source system (SQLite cannot use an index partial on `service_number > 0`
    /// for `service_number = ?`), the audit is scanned and pages sort. The statements as v6 wrote them, on today's
    /// indexes, are caught too: the node check searches all of its source system, the link reads scan and sort.
    @Test func theCheckFailsOnTheOldIndexesAndTheOldStatements() throws {
        let old = try Self.check(storeAt: try store(upTo: "v7-case-links"))
        // A period's export pages too: before v8 the received index had no id.
        #expect(
            Set(old.keys) == [.nodeTaken, .nodeCases, .auditOfCase, .casesReceivedSince, .exportPageByReceipt], "\(old)")
        #expect(old[.nodeTaken]?.joined().contains("sqlite_autoindex_cases_2 (source_system=?)") == true)
        #expect(old[.nodeCases]?.joined().contains("USE TEMP B-TREE") == true)
        #expect(old[.auditOfCase]?.joined().contains("SCAN privacy_audit") == true)
        #expect(try Self.checkPages(storeAt: path).count == 6, "every page sorts by id on the old received index")

        try FileManager.default.removeItem(atPath: path)
        let current = try store()
        let v6 = try DatabaseQueue(path: current).read { db in
            (
                nodeCheck: try Self.plan(
                    of: """
                        SELECT external_id FROM cases
                        WHERE source_system = ? AND kind = ? AND matter_id = ? AND service_number = ?
                            AND external_id != ?
                        LIMIT 1
                        """, ["sc-gov", "evaluation", "M-1", 1, "PJ-1"], in: db),
                origin: try Self.plan(
                    of: "SELECT id FROM cases WHERE kind = 'evaluation' AND external_id = ? ORDER BY created_at LIMIT 1",
                    ["PJ-1"], in: db),
                workOrders: try Self.plan(
                    of: "SELECT id FROM cases WHERE origin_evaluation_id = ? ORDER BY created_at, id", ["PJ-1"], in: db)
            )
        }
        #expect(v6.nodeCheck == ["SEARCH cases USING INDEX sqlite_autoindex_cases_2 (source_system=?)"])
        #expect(v6.nodeCheck != Self.expectedPlans[.nodeTaken])
        // They order by created_at: since v11 the planner walks the backfill's index instead of sorting, still the
        // whole table.
        #expect(Self.problems(in: v6.origin) == ["SCAN cases USING INDEX cases_created"])
        #expect(Self.problems(in: v6.workOrders) == ["SCAN cases USING INDEX cases_created"])
    }
}

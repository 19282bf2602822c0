import Crypto
import Foundation
import GovCaseCore
@testable import GovCaseStore
import GovCaseTestSupport
import Testing

/// A SQLite store with every table in use copied into PostgreSQL: verified by count and digest, resumable after an
/// interruption, and the copy serves as the original did (reads, cursors, idempotency, new writes).
@Suite struct StoreCopyTests {
    let location = StoreLocation()
    let vault = EvaluatorVault(key: SymmetricKey(size: .bits256))
    let now = Date(timeIntervalSince1970: 1_741_572_000)
    let routes = [RouteSelector(route: "province")]

    /// A store with cases, events, transitions, an audited read, outbox rows, clocks and a setting.
    func filledSQLiteStore(cases: Int) throws -> CaseStore {
        let store = try location.open(
            .sqlite, vault: vault, routes: routes,
            clocks: ClockRules(policy: ClockPolicy(reminderLeads: [1], escalationGraceDays: 1, supervisor: "督查室")))
        for index in 0..<cases {
            let c = CaseStoreTests.evaluation("PJ-copy-\(index)", level: index % 3 == 0 ? .veryDissatisfied : .satisfied)
            let id = try store.submit(c, now: now).caseID
            if index % 3 == 0 {
                // Verified, then rectifying by a deadline: the case's clocks are written.
                for action in [LifecycleActionKind.verify, .fixByDeadline] {
                    let step = LifecycleStep(LifecycleAction(action, note: "整改"), actor: Actor(person: "赵核实"), occurredAt: now)
                    _ = try store.transition(caseID: id, step: step, recordedAt: now, policy: .standard)
                }
            }
        }
        let first = try #require(try store.query(CaseQuery(), pageSize: 1).cases.first)
        _ = try store.get(caseID: first.caseID, reader: PrivacyReader(identity: "auditor", purpose: "test"), now: now)
        try store.recordSealingKey(now: now)
        return store
    }

    @Test func aSQLiteStoreCopiedIntoPostgreSQLIsVerifiedAndServesAsTheOriginal() throws {
        let source = try filledSQLiteStore(cases: 1_200)
        let destination = try CaseStore(postgres: location.postgres(), vault: vault, routes: routes)
        let reports = try StoreCopy(from: source, to: destination, batchSize: 250).run()
        for report in reports {
            #expect(report.verified, "\(report)")
        }
        let counts = Dictionary(uniqueKeysWithValues: reports.map { ($0.table, $0.sourceRows) })
        #expect(counts["cases"] == 1_200)
        for table in ["case_events", "privacy_audit", "outbox", "clocks", "store_settings"] {
            #expect(counts[table, default: 0] > 0, "the sample uses \(table)")
        }
        // The copy serves: the same page, the same event cursors, a resubmission is a duplicate, new writes fit.
        let original = try source.query(CaseQuery(), pageSize: 50)
        let copied = try destination.query(CaseQuery(), pageSize: 50)
        #expect(copied.cases.map(\.caseID) == original.cases.map(\.caseID))
        #expect(copied.nextPageToken == original.nextPageToken)
        #expect(try destination.events(after: 0, limit: 2_000).map(\.cursor) == source.events(after: 0, limit: 2_000).map(\.cursor))
        let again = try destination.submit(CaseStoreTests.evaluation("PJ-copy-7"), now: now)
        #expect(again == .duplicate(caseID: try source.submit(CaseStoreTests.evaluation("PJ-copy-7"), now: now).caseID))
        let new = try destination.submit(CaseStoreTests.evaluation("PJ-after-copy", level: .veryDissatisfied), now: now)
        guard case .created = new else { Issue.record("a new record after the copy: \(new)"); return }
        #expect(try destination.latestEventCursor() >= source.latestEventCursor())
        #expect(try destination.get(caseID: first(of: source), reader: PrivacyReader(identity: "a", purpose: "t"), now: now)
            .requester?.name == "张三", "sealed boxes open with the same key")
    }

    func first(of store: CaseStore) throws -> String { try #require(try store.query(CaseQuery(), pageSize: 1).cases.first).caseID }

    /// Interrupted after a few batches (a copy stopped midway), run again: it goes on after what was copied and
    /// ends verified, each row once.
    @Test func anInterruptedCopyGoesOnWhereItStopped() throws {
        let source = try filledSQLiteStore(cases: 600)
        let destination = try CaseStore(postgres: location.postgres(), vault: vault, routes: routes)
        struct Interrupted: Error {}
        var batches = 0
        #expect(throws: Interrupted.self) {
            _ = try StoreCopy(from: source, to: destination, batchSize: 100).run { _, _ in
                batches += 1
                if batches == 3 { throw Interrupted() }
            }
        }
        let reports = try StoreCopy(from: source, to: destination, batchSize: 100).run()
        #expect(reports.allSatisfy { $0.verified }, "\(reports.filter { !$0.verified })")
        #expect(reports.first { $0.table == "cases" }?.copied == 300, "the first run copied 3 batches of 100")
    }

    /// A destination that holds a row the source does not is reported, never called verified.
    @Test func aDestinationThatDiffersIsNotVerified() throws {
        let source = try filledSQLiteStore(cases: 20)
        let destination = try CaseStore(postgres: location.postgres(), vault: vault, routes: routes)
        _ = try StoreCopy(from: source, to: destination).run()
        let changed = try destination.engine.write { db in
            try db.execute(sql: "UPDATE cases SET status = 'closed' WHERE rowid = (SELECT MAX(rowid) FROM cases)", [])
        }
        #expect(changed == 1)
        let reports = try StoreCopy(from: source, to: destination).run()
        #expect(reports.first { $0.table == "cases" }?.verified == false)
        #expect(reports.filter { $0.table != "cases" }.allSatisfy { $0.verified })
    }
}

import Crypto
import Foundation
import GRDB
import GovCaseCore
import GovCaseProto
import GovCaseWire
import SwiftProtobuf
@testable import GovCaseStore
import Testing

/// The outbox on a real store file: rows written with what causes them, lanes per case, settlement, dead letters
/// replayed and discarded (audited), backfill, pruning.
@Suite struct OutboxTests {
    let location = StoreLocation()
    let now = Date(timeIntervalSince1970: 1_741_572_000)
    let routes = [
        RouteSelector(route: "province", regionPrefixes: ["5101"]),
        RouteSelector(route: "bad-reviews", kinds: [.evaluation], changes: [.step]),
    ]

    func open(_ engine: Engine = .sqlite, routes: [RouteSelector]? = nil) throws -> CaseStore {
        try location.open(engine, vault: EvaluatorVault(key: SymmetricKey(size: .bits256)), routes: routes ?? self.routes)
    }

    func verify(_ store: CaseStore, _ id: String) throws {
        let step = LifecycleStep(LifecycleAction(.verify), actor: Actor(person: "赵核实"), occurredAt: now)
        _ = try store.transition(caseID: id, step: step, recordedAt: now, policy: .standard)
    }

    @Test(arguments: Engine.allCases) func aCaseAndItsRowsCommitTogetherAndOnlySelectedRoutesGetRows(_ engine: Engine) throws {
        let store = try open(engine)
        let chengdu = try store.submit(CaseStoreTests.evaluation("PJ-1", level: .veryDissatisfied), now: now).caseID
        _ = try store.submit(CaseStoreTests.evaluation("PJ-2", region: "500151"), now: now)
        try verify(store, chengdu)
        let province = try store.claimForwards(route: "province", now: now, limit: 10)
        #expect(province.map(\.caseID) == [chengdu], "Chongqing's case is not the province route's")
        #expect(province.first?.change == .created && province.first?.state == .inFlight)
        let bad = try store.claimForwards(route: "bad-reviews", now: now, limit: 10)
        #expect(bad.map(\.change) == [.step] && bad.first?.eventSequence == 1)

        // A refused record writes no row: its savepoint undoes the row with the case.
        let before = try store.outboxCounts(route: "province")
        #expect(throws: StoreError.self) {
            var other = CaseStoreTests.evaluation("PJ-1", level: .satisfied)
            other.source.contentDigest = Data([1])
            _ = try store.submit(other, now: now)
        }
        let results = try store.submit(
            batch: [CaseStoreTests.evaluation("PJ-3"), { var c = CaseStoreTests.evaluation("PJ-1"); c.source.contentDigest = Data([2]); return c }()],
            now: now)
        #expect((try? results[0].get()) != nil && (try? results[1].get()) == nil)
        let after = try store.outboxCounts(route: "province")
        #expect(after.pending == before.pending + 1, "only the stored case's row")
    }

    @Test(arguments: Engine.allCases) func aCaseWhoseFirstRowWaitsHoldsBackOnlyItsOwnLaterRows(_ engine: Engine) throws {
        let store = try open(engine, routes: [RouteSelector(route: "r")])
        let a = try store.submit(CaseStoreTests.evaluation("PJ-a", level: .veryDissatisfied), now: now).caseID
        let b = try store.submit(CaseStoreTests.evaluation("PJ-b", level: .veryDissatisfied), now: now).caseID
        try verify(store, a)
        try verify(store, b)
        let first = try store.claimForwards(route: "r", now: now, limit: 10)
        #expect(first.map(\.caseID) == [a, b], "one row per case: the heads of the lanes")
        // a's head fails for an outage and waits; b's is delivered.
        let later = now.addingTimeInterval(60)
        try store.settle(
            [
                (first[0], .retry(error: "UNAVAILABLE", nextAttemptAt: later)),
                (first[1], .delivered(upstreamCaseIDs: ["up-b"], note: "")),
            ], now: now)
        let second = try store.claimForwards(route: "r", now: now, limit: 10)
        #expect(second.map(\.caseID) == [b] && second.first?.change == .step, "b goes on; a's step waits behind a")
        try store.settle([(second[0], .dead(reason: "INVALID_ARGUMENT: bad", rejection: nil))], now: now)
        #expect(try store.claimForwards(route: "r", now: now, limit: 10).isEmpty)
        let third = try store.claimForwards(route: "r", now: later, limit: 10)
        #expect(third.map(\.caseID) == [a] && third.first?.attempts == 1 && third.first?.lastError == "UNAVAILABLE")
        let counts = try store.outboxCounts(route: "r")
        #expect(counts.inFlight == 1 && counts.dead == 1 && counts.delivered == 1 && counts.pending == 1)
    }

    @Test(arguments: Engine.allCases) func deadLettersAreReplayedOrDiscardedWithAReasonAndEachActionIsAudited(_ engine: Engine) throws {
        let store = try open(engine, routes: [RouteSelector(route: "r")])
        let a = try store.submit(CaseStoreTests.evaluation("PJ-a", level: .veryDissatisfied), now: now).caseID
        try verify(store, a)
        let head = try #require(try store.claimForwards(route: "r", now: now, limit: 10).first)
        try store.settle([(head, .dead(reason: "FAILED_PRECONDITION: older revision", rejection: nil))], now: now)
        #expect(try store.claimForwards(route: "r", now: now, limit: 10).isEmpty, "the dead head holds its case")
        #expect(try store.forwards(route: "r", state: .dead).map(\.id) == [head.id])

        #expect { try store.discard(id: head.id, actor: "operator", reason: " ", now: now) } throws: {
            ($0 as? StoreError)?.code == .badRequest
        }
        let replayed = try store.replay(id: head.id, actor: "operator", reason: "corrected upstream", now: now)
        #expect(replayed.state == .pending && replayed.attempts == 0)
        #expect { try store.replay(id: head.id, actor: "operator", reason: "", now: now) } throws: {
            ($0 as? StoreError)?.code == .conflict
        }
        let again = try #require(try store.claimForwards(route: "r", now: now, limit: 10).first)
        #expect(again.id == head.id)
        try store.settle([(again, .dead(reason: "still refused", rejection: nil))], now: now)
        let discarded = try store.discard(id: head.id, actor: "operator", reason: "sent by hand", now: now)
        #expect(discarded.state == .discarded && discarded.lastError.contains("sent by hand"))
        #expect(try store.claimForwards(route: "r", now: now, limit: 10).map(\.change) == [.step], "the lane goes on")
        let actions = try store.engine.read { db in
            try db.rows(sql: "SELECT actor, action, row_id, reason FROM outbox_actions ORDER BY id", []).map {
                "\($0["actor"] as String) \($0["action"] as String) \($0["row_id"] as Int64) \($0["reason"] as String)"
            }
        }
        #expect(actions == ["operator replay \(head.id) corrected upstream", "operator discard \(head.id) sent by hand"])
    }

    @Test(arguments: Engine.allCases) func rowsLeftInFlightByAStoppedGatewayArePendingAgain(_ engine: Engine) throws {
        do {
            let store = try open(engine, routes: [RouteSelector(route: "r")])
            _ = try store.submit(CaseStoreTests.evaluation("PJ-a"), now: now)
            #expect(try store.claimForwards(route: "r", now: now, limit: 10).count == 1)
            try store.close()
        }
        let store = try open(engine, routes: [RouteSelector(route: "r")])
        #expect(try store.claimForwards(route: "r", now: now, limit: 10).isEmpty)
        var released = now
        switch engine {
        case .sqlite:
            // Only this gateway writes the file: what is in flight was left by its last run.
            #expect(try store.releaseInFlight(route: "r", now: now) == 1)
        case .postgresql:
            // Another gateway on the database may be sending it: released only once its claim's lease ran out.
            #expect(try store.releaseInFlight(route: "r", now: now) == 0)
            released = now.addingTimeInterval(Double(CaseStore.defaultClaimLease.components.seconds))
            #expect(try store.releaseInFlight(route: "r", now: released) == 1)
        }
        #expect(try store.claimForwards(route: "r", now: released, limit: 10).count == 1, "due when released")
    }

    /// A gateway whose claim ran out and whose rows another gateway took over settles nothing: the row is the
    /// other gateway's until it settles it.
    @Test(arguments: Engine.allCases) func aSettlementAfterTheClaimWasTakenOverChangesNothing(_ engine: Engine) throws {
        let first = try open(engine, routes: [RouteSelector(route: "r")])
        let second = engine == .postgresql ? try open(engine, routes: [RouteSelector(route: "r")]) : first
        _ = try first.submit(CaseStoreTests.evaluation("PJ-late"), now: now)
        let old = try #require(try first.claimForwards(route: "r", now: now, limit: 10).first)
        let after = now.addingTimeInterval(Double(CaseStore.defaultClaimLease.components.seconds))
        let taken = try #require(try second.claimForwards(route: "r", now: after, limit: 10).first)
        #expect(taken.id == old.id)
        #expect(try first.settle([(old, .retry(error: "late", nextAttemptAt: after))], now: after) == 1)
        #expect(try second.forward(id: old.id)?.state == .inFlight, "still the second gateway's")
        #expect(try second.settle([(taken, .delivered(upstreamCaseIDs: ["up-1"], note: ""))], now: after) == 0)
        #expect(try second.forward(id: old.id)?.state == .delivered)
    }

    /// Two gateways on one store claiming a route at once never take the same row; rows claimed by a gateway that
    /// died are taken over by another once the claim's lease has run out, and not before.
    @Test(arguments: Engine.allCases) func claimsAreExclusiveAndADeadGatewaysClaimIsTakenOverAfterItsLease(
        _ engine: Engine
    ) async throws {
        let first = try open(engine, routes: [RouteSelector(route: "r")])
        let second = engine == .postgresql ? try open(engine, routes: [RouteSelector(route: "r")]) : first
        for index in 0..<300 { _ = try first.submit(CaseStoreTests.evaluation("PJ-claim-\(index)"), now: now) }
        let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for store in [first, second] {
                group.addTask {
                    var ids: [Int64] = []
                    while true {
                        let rows = try await store.call { try $0.claimForwards(route: "r", now: self.now, limit: 7) }
                        if rows.isEmpty { return ids }
                        ids += rows.map(\.id)
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(claimed.map(\.count).reduce(0, +) == 300)
        #expect(Set(claimed.joined()).count == 300, "no row claimed twice")
        // Every row is in flight, claimed by "a gateway that died": nothing is due until the lease has run out.
        let lease = CaseStore.defaultClaimLease
        let justBefore = now.addingTimeInterval(Double(lease.components.seconds) - 1)
        #expect(try second.claimForwards(route: "r", now: justBefore, limit: 500).isEmpty)
        let after = now.addingTimeInterval(Double(lease.components.seconds))
        #expect(try second.claimForwards(route: "r", now: after, limit: 500).count == 300)
    }

    /// By when this gateway stored a case, not the record's own time: a record evaluated three days ago that
    /// arrived an hour ago is in a backfill of the last day; one stored two days ago is not.
    @Test(arguments: Engine.allCases) func aBackfillWritesTheRowsARouteWouldHaveWrittenSinceATime(_ engine: Engine) throws {
        let store = try open(engine, routes: [])
        let old = try store.submit(
            CaseStoreTests.evaluation("PJ-old", receivedHoursAgo: 1), now: now.addingTimeInterval(-48 * 3600)
        ).caseID
        let recent = try store.submit(
            CaseStoreTests.evaluation("PJ-new", level: .veryDissatisfied, receivedHoursAgo: 72), now: now
        ).caseID
        try verify(store, recent)
        let selector = RouteSelector(route: "late")
        let written = try store.backfill(
            selector, since: now.addingTimeInterval(-86_400), actor: "operator", now: now, pageSize: 1)
        #expect(written == 2, "the late arrival and its step; the case stored two days ago is before the time")
        let rows = try store.claimForwards(route: "late", now: now, limit: 10)
        #expect(rows.map(\.caseID) == [recent] && !rows.map(\.caseID).contains(old))
    }

    @Test(arguments: Engine.allCases) func finishedRowsArePrunedAfterTheRetentionAndDeadOnesStay(_ engine: Engine) throws {
        let store = try open(engine, routes: [RouteSelector(route: "r")])
        for id in ["PJ-1", "PJ-2", "PJ-3"] { _ = try store.submit(CaseStoreTests.evaluation(id), now: now) }
        let rows = try store.claimForwards(route: "r", now: now, limit: 10)
        try store.settle(
            [
                (rows[0], .delivered(upstreamCaseIDs: ["u1"], note: "")),
                (rows[1], .delivered(upstreamCaseIDs: ["u2"], note: "")),
                (rows[2], .dead(reason: "refused", rejection: nil)),
            ], now: now)
        #expect(try store.pruneFinishedForwards(before: now, chunk: 1) == 0, "not yet past the retention")
        #expect(try store.pruneFinishedForwards(before: now.addingTimeInterval(1), chunk: 1) == 2)
        let counts = try store.outboxCounts(route: "r")
        #expect(counts.delivered == 0 && counts.dead == 1)
    }

    /// A case read back says when this gateway first stored it (`Case.created_at` in the contract), from the
    /// store's own column, kept through a correction; a case in a page says it too.
    @Test(arguments: Engine.allCases) func aCaseReadBackSaysWhenTheGatewayFirstStoredIt(_ engine: Engine) throws {
        let store = try open(engine, routes: [])
        let id = try store.submit(CaseStoreTests.evaluation("PJ-c"), now: now).caseID
        _ = try store.submit(CaseStoreTests.evaluation("PJ-c", level: .basicallySatisfied, revision: 2), now: now.addingTimeInterval(60))
        #expect(try store.caseToForward(id: id)?.createdAt == now)
        #expect(try store.query(CaseQuery(), pageSize: 10, pageToken: nil).cases.first?.createdAt == now)
        #expect(try store.caseToForward(id: id)?.proto.createdAt.date == now, "in the contract")
    }
}

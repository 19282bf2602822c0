import Crypto
import Foundation
import GRDB
import GovCaseCore
@testable import GovCaseStore
import Testing

/// Threat model, item 5: a caller learns nothing of cases outside its grant, links included. Links were looked up
/// by external id alone, across every source system and region: Chongqing's hotline, granted 500151 only, filed
/// work orders naming Sichuan evaluations, read back the case id of each that existed, and attached its orders to
/// their links.
@Suite struct LinkScopeTests {
    let location = StoreLocation()
    var folder: URL { location.folder }
    var path: String { location.path }
    let now = Date(timeIntervalSince1970: 1_741_572_000)
    let chongqing = ReadScope(regionPrefixes: ["500151"])
    let sichuan = ReadScope(regionPrefixes: ["51"])

    func open(_ engine: Engine = .sqlite) throws -> CaseStore {
        try location.open(engine, vault: EvaluatorVault(key: SymmetricKey(size: .bits256)))
    }

    /// A work order of `system` in `region`, opened from the evaluation `origin` names.
    func order(_ id: String, from system: String, region: String = "500151", origin: String) -> Case {
        var request = Request(title: "差评转工单", content: "窗口等候超时", respondent: Respondent(name: "某政务服务中心"))
        request.originEvaluationID = origin
        return Case(
            source: SourceIdentity(
                sourceSystem: system, adapterID: "hotline-12345", externalID: id, revision: 1,
                contentDigest: CaseStoreTests.digest(id)),
            kind: .complaint, regionCode: region, request: request, receivedAt: now)
    }

    /// An evaluation of `system` in `region`, naming node 1 of `matter`.
    func evaluation(_ id: String, from system: String, region: String, matter: String = "") -> Case {
        var c = CaseStoreTests.evaluation(id, level: .dissatisfied, region: region)
        c.source.sourceSystem = system
        if !matter.isEmpty {
            c.service.matterID = matter
            c.service.node = ServiceNode(number: 1, name: "受理")
        }
        return c
    }

    /// What a caller learns from a record it submitted and read back, without what it sent itself: the outcome's
    /// kind and the links.
    func answer(_ outcome: SubmitOutcome, _ read: Case) -> String {
        let kind: String =
            switch outcome {
            case .created: "created"
            case .updated: "updated"
            case .duplicate: "duplicate"
            }
        return "\(kind) \(read.links)"
    }

    /// Chongqing's hotline walks ids: work orders naming Sichuan's evaluations, ids no one has, and one of its own
    /// evaluations filed in a Sichuan region (under an earlier grant); evaluations naming Sichuan's service nodes
    /// and nodes no one has. Every answer is the same, naming no case but its own; Sichuan's evaluations, read in
    /// Sichuan, gain no work order.
    @Test(arguments: Engine.allCases) func aCallerOutsideTheRegionLearnsNothingByNamingOtherRegionsIDs(_ engine: Engine) throws {
        let store = try open(engine)
        var sichuanCases: [String] = []
        for i in 1...3 {
            sichuanCases.append(
                try store.submit(
                    evaluation("PJ-SC-\(i)", from: "national-sc", region: "510104", matter: "BJ-SC-\(i)"), now: now
                ).caseID)
        }
        let ownElsewhere = try store.submit(
            evaluation("PJ-CQ-OLD", from: "hotline-cq", region: "510104", matter: "BJ-CQ-OLD"), now: now
        ).caseID
        sichuanCases.append(ownElsewhere)

        var answers: [String: String] = [:]
        var seen: Set<String> = []
        let named = ["PJ-SC-1", "PJ-SC-2", "PJ-SC-3", "PJ-CQ-OLD", "PJ-NONE-1", "PJ-NONE-2"]
        for (i, origin) in named.enumerated() {
            let outcome = try store.submit(order("GD-CQ-\(i)", from: "hotline-cq", origin: origin), now: now)
            let read = try store.get(caseID: outcome.caseID, linksWithin: chongqing, now: now)
            answers["order naming \(origin)"] = answer(outcome, read)
            seen.formUnion([read.links.originEvaluationCaseID].compactMap { $0 } + read.links.workOrderCaseIDs)
        }
        let matters = ["BJ-SC-1", "BJ-SC-2", "BJ-NONE"]
        for (i, matter) in matters.enumerated() {
            let outcome = try store.submit(
                evaluation("PJ-CQ-\(i)", from: "hotline-cq", region: "500151", matter: matter), now: now)
            let read = try store.get(caseID: outcome.caseID, linksWithin: chongqing, now: now)
            answers["evaluation at \(matter)"] = answer(outcome, read)
            seen.formUnion(
                [read.links.serviceNodeCaseID].compactMap { $0 } + read.links.nodeEvaluationCaseIDs
                    + read.links.workOrderCaseIDs)
        }

        #expect(seen.isEmpty, "case ids learned: \(seen)")
        #expect(Set(answers.values).count == 1, "answers differ: \(answers)")
        for id in sichuanCases.dropLast() {
            let read = try store.get(caseID: id, linksWithin: sichuan, now: now)
            #expect(read.links.workOrderCaseIDs.isEmpty, "Chongqing's orders are linked to \(id)")
        }
        // Its own evaluation in Sichuan does have the order, for a reader of both regions; a reader of one does not.
        let both = ReadScope(regionPrefixes: ["51", "500151"])
        #expect(try store.get(caseID: ownElsewhere, linksWithin: both, now: now).links.workOrderCaseIDs.count == 1)
        #expect(try store.get(caseID: ownElsewhere, linksWithin: sichuan, now: now).links.workOrderCaseIDs == [])
    }

    /// Within one source system, a link to a case outside the reader's scope is dropped, both ways; inside, kept.
    @Test(arguments: Engine.allCases) func linksToCasesOutsideTheScopeAreDroppedBothWays(_ engine: Engine) throws {
        let store = try open(engine)
        let review = try store.submit(evaluation("PJ-1", from: "city", region: "510104"), now: now).caseID
        let order = try store.submit(order("GD-1", from: "city", region: "500151", origin: "PJ-1"), now: now).caseID
        #expect(try store.get(caseID: order, linksWithin: chongqing, now: now).links.originEvaluationCaseID == nil)
        #expect(try store.get(caseID: review, linksWithin: sichuan, now: now).links.workOrderCaseIDs == [])
        let both = ReadScope(regionPrefixes: ["51", "500151"])
        #expect(try store.get(caseID: order, linksWithin: both, now: now).links.originEvaluationCaseID == review)
        #expect(try store.get(caseID: review, linksWithin: both, now: now).links.workOrderCaseIDs == [order])
    }

    /// A store whose links v5 found at each read (the `origin_evaluation_id` column): its links become edges
    /// within their case's source system, oldest first.
    @Test func theV7MigrationKeepsEachLinkWithinItsSourceSystem() throws {
        let v6 = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(v6, upTo: "v6-service-nodes")
        try v6.write { db in
            for (created, (id, system, external, kind, origin)) in [
                ("c-review", "city", "PJ-1", "evaluation", ""), ("c-order", "city", "GD-1", "complaint", "PJ-1"),
                ("c-foreign", "hotline-cq", "GD-2", "complaint", "PJ-1"),
            ].enumerated() {
                try db.execute(
                    sql: """
                        INSERT INTO cases (id, source_system, record_type, external_id, revision, adapter_id, kind,
                                           region_code, status, created_at, updated_at, payload, origin_evaluation_id)
                        VALUES (?, ?, '', ?, 1, 'x', ?, '510104', 'recorded', ?, 0, x'', ?)
                        """, arguments: [id, system, external, kind, created, origin])
            }
        }
        try v6.close()
        _ = try open()
        let edges = try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "SELECT case_id, source_system, target_external_id FROM case_links ORDER BY id")
                .map { [$0["case_id"], $0["source_system"], $0["target_external_id"]] as [String] }
        }
        #expect(edges == [["c-order", "city", "PJ-1"], ["c-foreign", "hotline-cq", "PJ-1"]])
    }
}

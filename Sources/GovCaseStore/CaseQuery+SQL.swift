import Foundation
import GovCaseCore

extension CaseQuery {
    /// The statement of one page of this query: newest received first, after `token`, `limit` + 1 rows (the last
    /// says whether another page follows). The only statement of the store not in `StoreSQL`, because its filters
    /// vary; `planSamples` gives `QueryPlanTests` every filter to check.
    ///
    /// Its plan walks `cases_received` (received_at, id, region_code) from the newest case and stops after the
    /// page: no sort, and the region filter, which every caller's query has, is read from the index, so a case of
    /// another region costs an index entry, never a row. A page of a region with few cases in a large store still
    /// walks many entries; `StoreSQL.pageWalkIndex` names the index the plan test allows for it.
    func statement(after token: PageToken?, limit: Int) -> (sql: String, arguments: StoreArguments) {
        var clauses: [String] = []
        var arguments: StoreArguments = []
        func any(_ column: String, _ values: [some StoreValueConvertible]) {
            guard !values.isEmpty else { return }
            clauses.append("\(column) IN (\(values.map { _ in "?" }.joined(separator: ", ")))")
            for value in values { arguments.append(contentsOf: [value] as StoreArguments) }
        }
        if !regionPrefixes.isEmpty {
            clauses.append("(" + regionPrefixes.map { _ in "region_code LIKE ?" }.joined(separator: " OR ") + ")")
            for prefix in regionPrefixes { arguments.append(contentsOf: [prefix.filter(\.isNumber) + "%"] as StoreArguments) }
        }
        any("kind", kinds.map(\.rawValue))
        any("status", statuses.map(\.rawValue))
        any("level", levels.map(\.rawValue))
        any("adapter_id", adapterIDs)
        if !clockEvents.isEmpty {
            // Searched by case in the clocks' own index: a cost per case the page walks, never a scan of the clocks.
            clauses.append(
                "EXISTS (SELECT 1 FROM clocks WHERE clocks.case_id = cases.id AND clocks.state = 'fired' AND "
                    + "clocks.action IN (\(clockEvents.map { _ in "?" }.joined(separator: ", "))))")
            for kind in clockEvents { arguments.append(contentsOf: [kind.rawValue] as StoreArguments) }
        }
        if let receivedFrom {
            clauses.append("received_at >= ?")
            arguments.append(contentsOf: [receivedFrom.timeIntervalSince1970] as StoreArguments)
        }
        if let receivedUntil {
            clauses.append("received_at < ?")
            arguments.append(contentsOf: [receivedUntil.timeIntervalSince1970] as StoreArguments)
        }
        if let token {
            clauses.append("(received_at < ? OR (received_at = ? AND id < ?))")
            arguments.append(contentsOf: [token.receivedAt, token.receivedAt, token.caseID] as StoreArguments)
        }
        let sql =
            "SELECT id, received_at, payload, sealed_requester, requester_masked, created_at FROM cases"
            + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
            + " ORDER BY received_at DESC, id DESC LIMIT \(limit + 1)"
        return (sql, arguments)
    }

    /// The statement of this query's first page and its parameters as values: what floor Q of `govcase-bench` runs
    /// through SQLite's C API, so the floor is the gateway's own SQL.
    public func firstPageStatement(limit: Int) -> (sql: String, arguments: [StoreValue]) {
        let (sql, arguments) = statement(after: nil, limit: limit)
        return (sql, arguments.map { $0?.storeValue ?? .null })
    }

    /// Queries whose statements `QueryPlanTests` checks, each with and without a page token: none, a reader's
    /// (its regions only), one with every filter of the cases' own columns, and the overdue bad reviews (the
    /// clocks' filter, on stores that have clocks).
    static var planSamples: [CaseQuery] {
        var reader = CaseQuery()
        reader.regionPrefixes = ["51", "500151"]
        var everything = reader
        everything.kinds = [.evaluation, .complaint]
        everything.statuses = [.awaitingVerification]
        everything.levels = [.dissatisfied]
        everything.adapterIDs = ["national-platform"]
        everything.receivedFrom = Date(timeIntervalSince1970: 0)
        everything.receivedUntil = Date(timeIntervalSince1970: 1)
        var overdue = reader
        overdue.statuses = [.rectifying]
        overdue.clockEvents = [.overdue, .escalate]
        return [CaseQuery(), reader, everything, overdue]
    }
}

import Foundation
import GovCaseCore

/// What a row of `case_links` says of its case.
enum CaseLinkKind: String, StoreValueConvertible {
    /// A request opened from an evaluation (差评工单) names that evaluation's external id.
    case originEvaluation = "origin-evaluation"
}

extension CaseStore {
    /// Writes the links `c` states, in the transaction that saves it: an edge from its case to an external id of
    /// its own source system. External ids are unique per source system only, and the contract names no other
    /// system for a link (`Request.origin_evaluation_id`), so a link never reaches another system's cases: looked
    /// up by id alone, two systems with one id format linked each other's cases, and any caller could attach its
    /// work orders to any region's evaluation. `isNew` spares a new case the removal of links it cannot have.
    func saveLinks(of c: Case, isNew: Bool, db: any StoreSession) throws {
        let origin = c.request?.originEvaluationID ?? ""
        if !origin.isEmpty {
            try db.execute(.saveLink, [
                c.caseID, CaseLinkKind.originEvaluation, c.source.sourceSystem, origin,
            ])
        } else if !isNew {
            try db.execute(.deleteLink, [c.caseID, CaseLinkKind.originEvaluation])
        }
    }

    /// `c` with the cases it is linked with (a request's origin evaluation, an evaluation's requests, a service
    /// node and its evaluations), each within `c`'s source system, keeping only those inside `scope`: a link to a
    /// case the caller may not read is dropped as if the case did not exist.
    func linked(_ c: Case, within scope: ReadScope, db: any StoreSession) throws -> Case {
        var c = c
        let system = c.source.sourceSystem
        /// The ids of `rows` (id, region_code) inside the scope.
        func readable(_ rows: [StoreRow]) -> [String] {
            rows.filter { scope.contains(regionCode: $0["region_code"]) }.map { $0["id"] }
        }
        if let origin = c.request?.originEvaluationID, !origin.isEmpty {
            let evaluation = try db.row(.originEvaluation, [system, origin])
            c.links.originEvaluationCaseID = readable(evaluation.map { [$0] } ?? []).first
        }
        if c.kind == .evaluation {
            c.links.workOrderCaseIDs = readable(
                try db.rows(.linkingCases, [system, CaseLinkKind.originEvaluation, c.source.externalID]))
        }
        // 一事多评: a node and its evaluation, by (source system, matter, node number).
        if let node = c.service.node, !c.service.matterID.isEmpty, c.kind == .evaluation || c.kind == .serviceNode {
            let other = c.kind == .evaluation ? CaseKind.serviceNode : .evaluation
            let ids = readable(
                try db.rows(.nodeCases, [system, c.service.matterID, node.number, other.rawValue]))
            if c.kind == .evaluation {
                c.links.serviceNodeCaseID = ids.first
            } else {
                c.links.nodeEvaluationCaseIDs = ids
            }
        }
        return c
    }
}

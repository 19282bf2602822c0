import Foundation
import GRPCCore
import GovCaseCore
import GovCaseForwarding
import GovCasePolicy
import GovCaseProto
import GovCaseStore
import SwiftProtobuf

/// `govcase.gateway.v1.OutboxAdminService`: the routes' delivery and their dead letters, for operators (role
/// `admin`). Replays, discards and backfills are audited in the store with the caller's identity.
struct OutboxAdminService: Govcase_Gateway_V1_OutboxAdminService.SimpleServiceProtocol {
    let store: CaseStore
    let forwarders: [Forwarder]
    let policy: AccessPolicy
    let clock: @Sendable () -> Date

    /// The caller, once authorized.
    func admin() throws -> CallerIdentity {
        let caller = try RequestCaller.resolved()
        try policy.authorize(caller, role: .admin)
        return caller
    }

    func forwarder(_ name: String) throws -> Forwarder {
        guard let forwarder = forwarders.first(where: { $0.route.name == name }) else {
            let known = forwarders.map(\.route.name)
            throw RPCError(
                code: .notFound,
                message: "no route \"\(name)\"; "
                    + (known.isEmpty ? "this gateway forwards nothing" : "routes: \(known.joined(separator: ", "))"))
        }
        return forwarder
    }

    func getOutboxStatus(request: Govcase_Gateway_V1_GetOutboxStatusRequest, context: ServerContext) async throws
        -> Govcase_Gateway_V1_GetOutboxStatusResponse
    {
        _ = try admin()
        let selected = request.route.isEmpty ? forwarders : [try forwarder(request.route)]
        return try .with { response in
            response.routes = try selected.map { forwarder in
                let counts = try mapped { try store.outboxCounts(route: forwarder.route.name) }
                let status = forwarder.status
                return .with {
                    $0.route = forwarder.route.name
                    $0.destination = "\(forwarder.route.destination.host):\(forwarder.route.destination.port)"
                    $0.state =
                        switch status.state {
                        case .delivering: .delivering
                        case .backingOff: .backingOff
                        case .probing: .probing
                        case .paused: .paused
                        }
                    $0.reason = status.reason
                    if let next = status.nextAttemptAt { $0.nextAttemptTime = Google_Protobuf_Timestamp(date: next) }
                    $0.lastError = status.lastError
                    $0.pending = UInt64(counts.pending)
                    $0.inFlight = UInt64(counts.inFlight)
                    $0.delivered = UInt64(counts.delivered)
                    $0.dead = UInt64(counts.dead)
                    if let oldest = counts.oldestPendingAt {
                        $0.oldestPendingTime = Google_Protobuf_Timestamp(date: oldest)
                    }
                }
            }
        }
    }

    func listForwards(request: Govcase_Gateway_V1_ListForwardsRequest, context: ServerContext) async throws
        -> Govcase_Gateway_V1_ListForwardsResponse
    {
        _ = try admin()
        let route = try forwarder(request.route).route.name
        guard let state = Self.state(request.state) else {
            throw RPCError(code: .invalidArgument, message: "state: a forward state is required (e.g. FORWARD_STATE_DEAD)")
        }
        let size = request.pageSize == 0 ? 100 : Int(request.pageSize)
        guard (1...1000).contains(size) else {
            throw RPCError(code: .invalidArgument, message: "page_size: must be 1–1000")
        }
        let rows = try mapped { try store.forwards(route: route, state: state, after: request.afterID, limit: size) }
        return .with {
            $0.forwards = rows.map(Self.message)
            $0.nextAfterID = rows.count == size ? rows.last?.id ?? 0 : 0
        }
    }

    func getForward(request: Govcase_Gateway_V1_GetForwardRequest, context: ServerContext) async throws
        -> Govcase_Gateway_V1_Forward
    {
        _ = try admin()
        guard let row = try mapped({ try store.forward(id: request.id) }) else {
            throw RPCError(code: .notFound, message: "no outbox row has id \(request.id)")
        }
        return Self.message(row)
    }

    func replayForward(request: Govcase_Gateway_V1_ReplayForwardRequest, context: ServerContext) async throws
        -> Govcase_Gateway_V1_Forward
    {
        let caller = try admin()
        return Self.message(
            try mapped {
                try store.replay(id: request.id, actor: caller.description, reason: request.reason, now: clock())
            })
    }

    func discardForward(request: Govcase_Gateway_V1_DiscardForwardRequest, context: ServerContext) async throws
        -> Govcase_Gateway_V1_Forward
    {
        let caller = try admin()
        guard !request.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw RPCError(code: .invalidArgument, message: "reason: a discard needs a reason (audited)")
        }
        return Self.message(
            try mapped {
                try store.discard(id: request.id, actor: caller.description, reason: request.reason, now: clock())
            })
    }

    func backfillRoute(request: Govcase_Gateway_V1_BackfillRouteRequest, context: ServerContext) async throws
        -> Govcase_Gateway_V1_BackfillRouteResponse
    {
        let caller = try admin()
        let route = try forwarder(request.route).route
        guard request.hasSince else {
            throw RPCError(code: .invalidArgument, message: "since: the time to backfill from is required")
        }
        let rows = try mapped {
            try store.backfill(route.selector, since: request.since.date, actor: caller.description, now: clock())
        }
        return .with { $0.rows = UInt64(rows) }
    }

    /// Store failures as the caller should see them; a row in the wrong state for the action is
    /// FAILED_PRECONDITION.
    func mapped<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as StoreError where error.code == .conflict {
            throw RPCError(code: .failedPrecondition, message: error.message)
        } catch {
            throw IngestPipeline.rpcError(error)
        }
    }

    static func state(_ state: Govcase_Gateway_V1_ForwardState) -> Forward.State? {
        switch state {
        case .pending: .pending
        case .inFlight: .inFlight
        case .delivered: .delivered
        case .dead: .dead
        case .discarded: .discarded
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    static func message(_ row: Forward) -> Govcase_Gateway_V1_Forward {
        .with {
            $0.id = row.id
            $0.route = row.route
            $0.caseID = row.caseID
            $0.change = row.change.rawValue
            $0.eventSequence = Int64(row.eventSequence)
            $0.state =
                switch row.state {
                case .pending: .pending
                case .inFlight: .inFlight
                case .delivered: .delivered
                case .dead: .dead
                case .discarded: .discarded
                }
            $0.attempts = UInt32(clamping: row.attempts)
            $0.createTime = Google_Protobuf_Timestamp(date: row.createdAt)
            if row.state == .pending { $0.nextAttemptTime = Google_Protobuf_Timestamp(date: row.nextAttemptAt) }
            if let finished = row.finishedAt { $0.finishTime = Google_Protobuf_Timestamp(date: finished) }
            $0.lastError = row.lastError
            if let data = row.rejection, let rejection = try? Govcase_Core_V1_Rejection(serializedBytes: data) {
                $0.rejection = rejection
            }
            $0.upstreamCaseIds = row.upstreamCaseIDs
        }
    }
}

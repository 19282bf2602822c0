import Foundation
import GRPCCore
import GovCaseCore
import GovCasePolicy
import GovCaseProto
import GovCaseStore
import GovCaseWire
import SwiftProtobuf

/// `govcase.gateway.v1.CaseService`: read cases, move them through their lifecycle, watch their events.
///
/// Readers see cases of the regions their grant covers, evaluator data masked; `privacy-reader` sees it
/// unmasked, and every such read is audited. Transitions need the `handler` role.
struct CaseService: Govcase_Gateway_V1_CaseService.SimpleServiceProtocol {
    let store: CaseStore
    let policy: AccessPolicy
    let deadlines: RegionalDeadlinePolicies
    let clock: @Sendable () -> Date
    /// How long a watcher waits before looking for new events again; it is woken at once when events commit.
    let watchPollInterval: Duration

    func caller(_ context: ServerContext, role: AccessPolicy.Role) throws -> CallerIdentity {
        let identity = try RequestCaller.resolved()
        try policy.authorize(identity, role: role)
        return identity
    }

    /// Throws PERMISSION_DENIED unless `identity` has `role` for `region`.
    func authorize(_ identity: CallerIdentity, _ role: AccessPolicy.Role, region: String) throws {
        do { try policy.authorize(identity, role: role, region: region) } catch { throw error.rpcError }
    }

    func getCase(request: Govcase_Gateway_V1_GetCaseRequest, context: ServerContext) async throws
        -> Govcase_Core_V1_Case
    {
        let identity = try caller(context, role: .reader)
        // "No such case" and "not yours" look the same: a caller learns nothing of cases outside its grant.
        let notFound = RPCError(code: .notFound, message: "no case \(request.caseID) that this caller may read")
        // Its links name only cases this caller may read itself.
        let scope = ReadScope(regionPrefixes: (try? regions([], of: identity)) ?? [])
        let masked: Case
        let now = clock()
        do {
            masked = try await store.call { try $0.get(caseID: request.caseID, linksWithin: scope, now: now) }
        } catch let error as StoreError where error.code == .notFound {
            throw notFound
        } catch { throw IngestPipeline.rpcError(error) }
        guard (try? policy.authorize(identity, role: .reader, region: masked.regionCode)) != nil else { throw notFound }
        guard (try? policy.authorize(identity, role: .privacyReader, region: masked.regionCode)) != nil else {
            return masked.proto
        }
        let reader = PrivacyReader(identity: identity.description, purpose: "GetCase")
        return try await run {
            try $0.get(caseID: request.caseID, reader: reader, linksWithin: scope, now: now)
        }.proto
    }

    func queryCases(request: Govcase_Gateway_V1_QueryCasesRequest, context: ServerContext) async throws
        -> Govcase_Gateway_V1_QueryCasesResponse
    {
        let identity = try caller(context, role: .reader)
        var query = try Self.query(request.filter)
        query.regionPrefixes = try regions(request.filter.regionPrefixes, of: identity)
        let page = try await run { [query] in
            try $0.query(
                query, pageSize: request.pageSize == 0 ? 100 : Int(request.pageSize),
                pageToken: request.pageToken.isEmpty ? nil : request.pageToken)
        }
        return .with {
            $0.cases = page.cases.map(\.proto)
            $0.nextPageToken = page.nextPageToken ?? ""
            $0.unreadable = page.unreadable.map { row in
                .with {
                    $0.caseID = row.caseID
                    $0.reason = row.reason
                }
            }
        }
    }

    func transitionCase(request: Govcase_Gateway_V1_TransitionCaseRequest, context: ServerContext) async throws
        -> Govcase_Gateway_V1_TransitionCaseResponse
    {
        let identity = try caller(context, role: .handler)
        guard let region = try await run({ try $0.regionCode(caseID: request.caseID) }) else {
            throw RPCError(code: .notFound, message: "no case has id \(request.caseID)")
        }
        try authorize(identity, .handler, region: region)
        let action = try Self.action(request.action)
        guard !action.kind.isClock else {
            throw CaseError.invalidArgument([
                FieldViolation(
                    field: "action.kind", rule: .inconsistent,
                    message: "\(action.kind.rawValue) is made by the gateway's clocks only (reminders, overdue, "
                        + "escalation, default-rating time)")
            ]).rpcError
        }
        let now = clock()
        let step = LifecycleStep(
            action, actor: Actor(system: identity.systemID, person: request.person),
            occurredAt: request.hasOccurredAt ? request.occurredAt.date : now)
        let expected = CaseStatus(proto: request.expectedStatus)
        let policy = deadlines.policy(forRegion: region)
        let (c, event) = try await run {
            try $0.transition(
                caseID: request.caseID, step: step, expected: expected, recordedAt: now,
                policy: policy)
        }
        return .with {
            $0.case = c.masked.proto
            $0.event = event.proto
        }
    }

    func watchCaseEvents(
        request: Govcase_Gateway_V1_WatchCaseEventsRequest, response: RPCWriter<Govcase_Gateway_V1_CaseEventNotice>,
        context: ServerContext
    ) async throws {
        let identity = try caller(context, role: .reader)
        let prefixes = try regions(request.filter.regionPrefixes, of: identity)
        var cursor: Int64
        if request.cursor.isEmpty {
            cursor = try await run { try $0.latestEventCursor() }
        } else {
            guard let value = Int64(request.cursor), value >= 0 else {
                throw RPCError(code: .invalidArgument, message: "cursor: \"\(request.cursor)\" is not a cursor")
            }
            cursor = value
        }
        var regionOf: [String: String] = [:]
        // The RPC's own cancellation, not only the task's: the client went away, or the gateway is draining
        // (the transport cancels open RPCs when it quiesces). Either way the stream ends normally, and the
        // watcher resumes from its last cursor.
        while !Task.isCancelled && !context.cancellation.isCancelled {
            let generation = store.eventGeneration
            let after = cursor
            let events = try await run { try $0.events(after: after) }
            for (position, caseID, event) in events {
                cursor = position
                if regionOf[caseID] == nil { regionOf[caseID] = try await run { try $0.regionCode(caseID: caseID) } }
                guard let region = regionOf[caseID], prefixes.contains(where: { region.hasPrefix($0) }) else {
                    continue
                }
                try await response.write(
                    .with {
                        $0.cursor = String(position)
                        $0.caseID = caseID
                        $0.event = event.proto
                    })
            }
            // Woken as soon as events commit; the interval bounds how long a drain or cancellation waits.
            if events.isEmpty { await store.waitForEvents(after: generation, timeout: watchPollInterval) }
        }
    }

    /// The regions a reader may see: those asked for, each within a grant, or all its grants' regions. Never
    /// empty, because an empty list of prefixes filters nothing: a reader granted no region is refused.
    func regions(_ asked: [String], of identity: CallerIdentity) throws -> [String] {
        let granted = policy.grants(of: identity).filter { $0.grants(.reader) }.flatMap(\.regions)
        guard !granted.isEmpty else {
            throw RPCError(code: .permissionDenied, message: "\(identity.systemID) is granted no region to read")
        }
        guard !asked.isEmpty else { return granted }
        for prefix in asked where !granted.contains(where: { prefix.hasPrefix($0) }) {
            throw RPCError(
                code: .permissionDenied, message: "\(identity.systemID) may not read region \(prefix)")
        }
        return asked
    }

    static func query(_ filter: Govcase_Gateway_V1_CaseFilter) throws -> CaseQuery {
        var query = CaseQuery()
        query.kinds = try filter.kinds.map { try decode($0, CaseKind.self, "filter.kinds") }
        query.statuses = try filter.statuses.map { try decode($0, CaseStatus.self, "filter.statuses") }
        query.levels = try filter.levels.map { try decode($0, SatisfactionLevel.self, "filter.levels") }
        query.receivedFrom = filter.hasReceivedFrom ? filter.receivedFrom.date : nil
        query.receivedUntil = filter.hasReceivedUntil ? filter.receivedUntil.date : nil
        query.adapterIDs = filter.adapterIds
        query.clockEvents = try filter.clockEvents.map { try decode($0, LifecycleActionKind.self, "filter.clock_events") }
        if let other = query.clockEvents.first(where: { !$0.isClock }) {
            throw CaseError.invalidArgument([
                FieldViolation(
                    field: "filter.clock_events", rule: .inconsistent,
                    message: "\(other.rawValue) is not a clock event (remind, overdue, escalate, defaultRatingDue)")
            ]).rpcError
        }
        return query
    }

    static func action(_ a: Govcase_Core_V1_LifecycleAction) throws -> LifecycleAction {
        LifecycleAction(
            try decode(a.kind, LifecycleActionKind.self, "action.kind"), unit: a.unit,
            deadline: a.hasDeadline ? a.deadline.date : nil, level: SatisfactionLevel(proto: a.level),
            notAdoptedReason: NotAdoptedReason(proto: a.notAdoptedReason), note: a.note,
            feedbackMethod: FeedbackMethod(proto: a.feedbackMethod), resolved: a.resolved)
    }

    static func decode<E: ProtoMirroredEnum>(_ value: E.Proto, _ type: E.Type, _ field: String) throws -> E {
        guard let decoded = E(proto: value) else {
            throw CaseError.invalidArgument([
                FieldViolation(
                    field: field, rule: .required, message: "is unset or not a known value (\(value.rawValue))")
            ]).rpcError
        }
        return decoded
    }

    /// Runs a store call, mapping its errors to gRPC.
    /// Runs a store method off the cooperative pool (`CaseStore.call`), its errors as the caller's statuses.
    func run<T: Sendable>(_ body: @escaping @Sendable (CaseStore) throws -> T) async throws -> T {
        do { return try await store.call(body) } catch { throw IngestPipeline.rpcError(error) }
    }
}

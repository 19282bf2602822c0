import Foundation
import GRPCCore
import GovCaseCore
import GovCasePolicy
import GovCaseProto
import GovCaseStore
import GovCaseWire
import SwiftProtobuf

/// `govcase.gateway.v1.ClockAdminService`: the clocks' rows for operators (role `admin`).
struct ClockAdminService: Govcase_Gateway_V1_ClockAdminService.SimpleServiceProtocol {
    let store: CaseStore
    let policy: AccessPolicy
    let clock: @Sendable () -> Date
    /// The regions' deadline rules: their working calendar's end.
    let deadlines: RegionalDeadlinePolicies

    func authorize() throws { try policy.authorize(try RequestCaller.resolved(), role: .admin) }

    func getClockStatus(request: Govcase_Gateway_V1_GetClockStatusRequest, context: ServerContext) async throws
        -> Govcase_Gateway_V1_GetClockStatusResponse
    {
        try authorize()
        let now = clock()
        let (counts, due, next) = try await store.call {
            (try $0.clockCounts(), try $0.dueClockCount(now: now), try $0.nextClockDue())
        }
        return .with {
            $0.pending = UInt64(counts[.pending] ?? 0)
            $0.pendingDue = UInt64(due)
            $0.fired = UInt64(counts[.fired] ?? 0)
            $0.skipped = UInt64(counts[.skipped] ?? 0)
            $0.cancelled = UInt64(counts[.cancelled] ?? 0)
            if let next { $0.nextDueTime = Google_Protobuf_Timestamp(date: next) }
            $0.calendarLastYear = UInt32(deadlines.fallback.calendar.coveredYears.max() ?? 0)
            $0.calendarWarning = ClockScheduler.calendarWarning(deadlines, now: now) ?? ""
        }
    }

    func listClocks(request: Govcase_Gateway_V1_ListClocksRequest, context: ServerContext) async throws
        -> Govcase_Gateway_V1_ListClocksResponse
    {
        try authorize()
        let state: ClockRow.State
        switch request.state {
        case .pending: state = .pending
        case .fired: state = .fired
        case .skipped: state = .skipped
        case .cancelled: state = .cancelled
        case .unspecified, .UNRECOGNIZED:
            throw RPCError(code: .invalidArgument, message: "state: a clock state is required (e.g. CLOCK_STATE_PENDING)")
        }
        let size = request.pageSize == 0 ? 100 : Int(request.pageSize)
        guard (1...1000).contains(size) else {
            throw RPCError(code: .invalidArgument, message: "page_size: must be 1–1000")
        }
        guard request.regionPrefix.allSatisfy({ $0.isASCII && $0.isNumber }), request.regionPrefix.count <= 6 else {
            throw RPCError(code: .invalidArgument, message: "region_prefix: 1–6 digits of a region code")
        }
        let (prefix, after) = (request.regionPrefix, request.afterID)
        let rows = try await store.call { try $0.clocks(in: state, regionPrefix: prefix, afterID: after, limit: size) }
        return .with {
            $0.clocks = rows.map(Self.message)
            $0.nextAfterID = rows.count == size ? rows.last?.id ?? 0 : 0
        }
    }

    static func message(_ row: ClockRow) -> Govcase_Gateway_V1_Clock {
        .with {
            $0.id = row.id
            $0.caseID = row.caseID
            $0.key = row.key
            $0.action = row.action.proto
            $0.regionCode = row.regionCode
            $0.deadline = Google_Protobuf_Timestamp(date: row.deadline)
            $0.dueTime = Google_Protobuf_Timestamp(date: row.dueAt)
            if let original = row.originalDueAt { $0.originalDueTime = Google_Protobuf_Timestamp(date: original) }
            $0.state =
                switch row.state {
                case .pending: .pending
                case .fired: .fired
                case .skipped: .skipped
                case .cancelled: .cancelled
                }
            if let fired = row.firedAt { $0.fireTime = Google_Protobuf_Timestamp(date: fired) }
            $0.lateSeconds = row.lateSeconds
            $0.eventSequence = UInt64(row.eventSequence)
            $0.note = row.note
        }
    }
}

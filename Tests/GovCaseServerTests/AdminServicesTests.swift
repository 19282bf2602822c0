import Foundation
import GRPCCore
import GovCaseCore
import GovCasePKI
import GovCaseProto
import GovCaseServer
import SwiftProtobuf
import Testing

/// The outbox and clock admin services over real mTLS: only `admin` may call them, and each bad request gets the
/// status code and the field it names (this gateway forwards nothing, so every route is unknown).
extension MutualTLSTests {
    func expect(_ code: RPCError.Code, mentioning text: String, _ call: () async throws -> Void) async {
        do {
            try await call()
            Issue.record("expected \(code) mentioning \"\(text)\"")
        } catch let error as RPCError {
            #expect(error.code == code && error.message.contains(text), "\(error)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func theAdminServicesRefuseBadRequestsNamingWhatIsWrong() async throws {
        try await withRunningGateway { address in
            try await connect(to: address, as: try client("operator-sc", region: "510000")) { grpc in
                let outbox = Govcase_Gateway_V1_OutboxAdminService.Client(wrapping: grpc)
                let routes = try await outbox.getOutboxStatus(.init()).routes
                #expect(routes.isEmpty)
                await expect(.notFound, mentioning: "this gateway forwards nothing") {
                    _ = try await outbox.getOutboxStatus(.with { $0.route = "province" })
                }
                await expect(.notFound, mentioning: "no route \"province\"") {
                    _ = try await outbox.listForwards(.with {
                        $0.route = "province"
                        $0.state = .dead
                    })
                }
                await expect(.notFound, mentioning: "no outbox row has id 42") {
                    _ = try await outbox.getForward(.with { $0.id = 42 })
                }
                await expect(.invalidArgument, mentioning: "reason:") {
                    _ = try await outbox.discardForward(.with { $0.id = 42 })
                }
                await expect(.notFound, mentioning: "no outbox row has id 42") {
                    _ = try await outbox.replayForward(.with { $0.id = 42 })
                }
                await expect(.notFound, mentioning: "no route") {
                    _ = try await outbox.backfillRoute(.with { $0.route = "province" })
                }

                let clocks = Govcase_Gateway_V1_ClockAdminService.Client(wrapping: grpc)
                let status = try await clocks.getClockStatus(.init())
                #expect(status.pending == 0)
                // The built-in calendar's last year, and its warning exactly when it ends within 60 days.
                #expect(status.calendarLastYear == UInt32(WorkingCalendar.chinaMainland.coveredYears.max() ?? 0))
                let warning = ClockScheduler.calendarWarning(.init(), now: Date())
                #expect(status.calendarWarning.isEmpty == (warning == nil), "\(status.calendarWarning)")
                await expect(.invalidArgument, mentioning: "state:") { _ = try await clocks.listClocks(.init()) }
                await expect(.invalidArgument, mentioning: "page_size:") {
                    _ = try await clocks.listClocks(.with {
                        $0.state = .pending
                        $0.pageSize = 5000
                    })
                }
                await expect(.invalidArgument, mentioning: "region_prefix:") {
                    _ = try await clocks.listClocks(.with {
                        $0.state = .pending
                        $0.regionPrefix = "5x"
                    })
                }
                let fired = try await clocks.listClocks(.with { $0.state = .fired })
                #expect(fired.clocks.isEmpty)
            }
            try await connect(to: address, as: try client("handler-jinjiang", region: "510104")) { grpc in
                await expect(.permissionDenied, mentioning: "does not have the admin role") {
                    _ = try await Govcase_Gateway_V1_OutboxAdminService.Client(wrapping: grpc).getOutboxStatus(.init())
                }
                await expect(.permissionDenied, mentioning: "does not have the admin role") {
                    _ = try await Govcase_Gateway_V1_ClockAdminService.Client(wrapping: grpc).getClockStatus(.init())
                }
            }
        }
    }
}

import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GovCaseProto
import SwiftProtobuf

/// `govcase clocks ...`: a running gateway's clocks (reminders, overdue, escalation, default-rating time), through
/// the admin API (role `admin`).
struct ClocksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clocks", abstract: "Reminders, overdue and escalation clocks of a running gateway.",
        subcommands: [Status.self, List.self])

    static func client<T: Sendable>(
        _ options: AdaptersCommand.GatewayOptions,
        _ body: @Sendable (Govcase_Gateway_V1_ClockAdminService.Client<HTTP2ClientTransport.Posix>) async throws -> T
    ) async throws -> T {
        try await options.connect { grpc in try await body(Govcase_Gateway_V1_ClockAdminService.Client(wrapping: grpc)) }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Clocks by state, how many are due and not yet fired, and when the next is due.")
        @OptionGroup var options: AdaptersCommand.GatewayOptions
        @OptionGroup var output: OutboxCommand.Output

        func run() async throws {
            let status = try await client(options) { try await $0.getClockStatus(.init()) }
            try output.print(status) {
                "pending \(status.pending) (due and not yet fired: \(status.pendingDue))\tfired \(status.fired)"
                    + "\tskipped \(status.skipped)\tcancelled \(status.cancelled)"
                    + (status.hasNextDueTime ? "\tnext due \(status.nextDueTime.date.formatted(.iso8601))" : "")
                    + "\tcalendar through \(status.calendarLastYear)"
                    + (status.calendarWarning.isEmpty ? "" : "\nwarning: \(status.calendarWarning)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists clocks in one state, earliest due first.")
        @Option(help: "pending, fired, skipped or cancelled.") var state = "pending"
        @Option(help: "Region code prefix, e.g. 5101.") var region = ""
        @Option(help: "Clocks after this id.") var after: Int64 = 0
        @Option(help: "Clocks per page, 1–1000.") var limit: UInt32 = 100
        @OptionGroup var options: AdaptersCommand.GatewayOptions
        @OptionGroup var output: OutboxCommand.Output

        func run() async throws {
            let states: [String: Govcase_Gateway_V1_ClockState] = [
                "pending": .pending, "fired": .fired, "skipped": .skipped, "cancelled": .cancelled,
            ]
            guard let state = states[self.state] else {
                throw ValidationError("--state: one of \(states.keys.sorted().joined(separator: ", "))")
            }
            let (region, after, limit) = (self.region, self.after, self.limit)
            let page = try await client(options) { client in
                try await client.listClocks(
                    .with {
                        $0.state = state
                        $0.regionPrefix = region
                        $0.afterID = after
                        $0.pageSize = limit
                    })
            }
            try output.print(page) {
                page.clocks.map { c in
                    "\(c.id)\t\(c.caseID)\t\(c.regionCode)\t\(c.key)\tdue \(c.dueTime.date.formatted(.iso8601))"
                        + (c.lateSeconds > 0 ? "\tlate \(Int(c.lateSeconds))s" : "") + (c.note.isEmpty ? "" : "\t\(c.note)")
                }.joined(separator: "\n") + (page.nextAfterID == 0 ? "" : "\n(more: --after \(page.nextAfterID))")
            }
        }
    }
}

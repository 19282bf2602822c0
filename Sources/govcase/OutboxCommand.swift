import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GovCaseProto
import SwiftProtobuf

/// `govcase outbox ...`: the forwarding routes of a running gateway and their dead letters, through the admin
/// API (role `admin`; replays, discards and backfills are audited with the caller's identity).
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox", abstract: "Forwarding routes of a running gateway: delivery, dead letters, backfill.",
        subcommands: [Status.self, List.self, Show.self, Replay.self, Discard.self, Backfill.self])

    typealias GatewayOptions = AdaptersCommand.GatewayOptions

    struct Output: ParsableArguments {
        @Flag(help: "Print the answer as protobuf JSON (one object), for scripts.") var json = false

        func print(_ message: any SwiftProtobuf.Message, text: () -> String) throws {
            if json {
                var options = JSONEncodingOptions()
                options.alwaysPrintInt64sAsNumbers = true
                Swift.print(try message.jsonString(options: options))
            } else {
                Swift.print(text())
            }
        }
    }

    static func client<T: Sendable>(
        _ options: GatewayOptions,
        _ body: @Sendable (Govcase_Gateway_V1_OutboxAdminService.Client<HTTP2ClientTransport.Posix>) async throws -> T
    ) async throws -> T {
        try await options.connect { grpc in try await body(Govcase_Gateway_V1_OutboxAdminService.Client(wrapping: grpc)) }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per route: state, pending, in flight, delivered, dead, oldest pending, last error.")
        @Option(help: "One route; every route when left out.") var route = ""
        @OptionGroup var options: GatewayOptions
        @OptionGroup var output: Output

        func run() async throws {
            let route = self.route
            let status = try await client(options) { try await $0.getOutboxStatus(.with { $0.route = route }) }
            try output.print(status) {
                status.routes.map { r in
                    var line = "\(r.route)\t\(r.destination)\t\(r.state)\tpending \(r.pending)\tin flight \(r.inFlight)"
                        + "\tdelivered \(r.delivered)\tdead \(r.dead)"
                    if r.hasOldestPendingTime {
                        line += "\toldest pending \(Int(Date().timeIntervalSince(r.oldestPendingTime.date)))s"
                    }
                    if !r.reason.isEmpty { line += "\n    why: \(r.reason)" }
                    if !r.lastError.isEmpty, r.lastError != r.reason { line += "\n    last error: \(r.lastError)" }
                    return line
                }.joined(separator: "\n")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists a route's rows in one state (dead letters by default).")
        @Option(help: "The route.") var route: String
        @Option(help: "pending, in-flight, delivered, dead or discarded.") var state = "dead"
        @Option(help: "Rows after this id.") var after: Int64 = 0
        @Option(help: "Rows per page, 1–1000.") var limit: UInt32 = 100
        @OptionGroup var options: GatewayOptions
        @OptionGroup var output: Output

        func run() async throws {
            let states: [String: Govcase_Gateway_V1_ForwardState] = [
                "pending": .pending, "in-flight": .inFlight, "delivered": .delivered, "dead": .dead,
                "discarded": .discarded,
            ]
            guard let state = states[self.state] else {
                throw ValidationError("--state: one of \(states.keys.sorted().joined(separator: ", "))")
            }
            let (route, after, limit) = (self.route, self.after, self.limit)
            let page = try await client(options) { client in
                try await client.listForwards(
                    .with {
                        $0.route = route
                        $0.state = state
                        $0.afterID = after
                        $0.pageSize = limit
                    })
            }
            try output.print(page) {
                page.forwards.map(OutboxCommand.line).joined(separator: "\n")
                    + (page.nextAfterID == 0 ? "" : "\n(more: --after \(page.nextAfterID))")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shows one row, with the receiver's reason and violations.")
        @Argument(help: "The row's id.") var id: Int64
        @OptionGroup var options: GatewayOptions
        @OptionGroup var output: Output

        func run() async throws {
            let id = self.id
            let row = try await client(options) { try await $0.getForward(.with { $0.id = id }) }
            try output.print(row) {
                var text = OutboxCommand.line(row)
                for v in row.rejection.violations { text += "\n    \(v.field): \(v.message)" }
                if !row.upstreamCaseIds.isEmpty { text += "\n    upstream: \(row.upstreamCaseIds.joined(separator: ", "))" }
                return text
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sends a dead letter again (audited).")
        @Argument(help: "The row's id.") var id: Int64
        @Option(help: "Why, for the audit.") var reason = ""
        @OptionGroup var options: GatewayOptions
        @OptionGroup var output: Output

        func run() async throws {
            let (id, reason) = (self.id, self.reason)
            let row = try await client(options) {
                try await $0.replayForward(.with {
                    $0.id = id
                    $0.reason = reason
                })
            }
            try output.print(row) { OutboxCommand.line(row) }
        }
    }

    struct Discard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Gives up a dead letter, with a reason (audited).")
        @Argument(help: "The row's id.") var id: Int64
        @Option(help: "Why (required).") var reason: String
        @OptionGroup var options: GatewayOptions
        @OptionGroup var output: Output

        func run() async throws {
            let (id, reason) = (self.id, self.reason)
            let row = try await client(options) {
                try await $0.discardForward(.with {
                    $0.id = id
                    $0.reason = reason
                })
            }
            try output.print(row) { OutboxCommand.line(row) }
        }
    }

    struct Backfill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Writes a route's rows for cases received since a time (audited); already-sent ones come back DUPLICATE.")
        @Option(help: "The route.") var route: String
        @Option(help: "Cases this gateway stored since: ISO 8601 with its offset, e.g. 2026-12-01T00:00:00+08:00 (fractions of a second allowed).")
        var since: String
        @OptionGroup var options: GatewayOptions
        @OptionGroup var output: Output

        func run() async throws {
            let fractional = ISO8601DateFormatter()
            fractional.formatOptions.insert(.withFractionalSeconds)
            guard let time = ISO8601DateFormatter().date(from: since) ?? fractional.date(from: since) else {
                throw ValidationError("--since: an ISO 8601 time with its offset, e.g. 2026-12-01T00:00:00+08:00")
            }
            let route = self.route
            let answer = try await client(options) {
                try await $0.backfillRoute(.with {
                    $0.route = route
                    $0.since = Google_Protobuf_Timestamp(date: time)
                })
            }
            try output.print(answer) { "\(answer.rows) rows written for route \(route)" }
        }
    }

    static func line(_ row: Govcase_Gateway_V1_Forward) -> String {
        "\(row.id)\t\(row.route)\t\(row.caseID)\t\(row.change)\t\(row.state)\tattempts \(row.attempts)"
            + (row.lastError.isEmpty ? "" : "\t\(row.lastError)")
    }
}

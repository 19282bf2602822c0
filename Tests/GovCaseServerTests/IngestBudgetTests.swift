import Foundation
import GRPCCore
import GovCasePolicy
import GovCaseServer
import GovCaseTestSupport
import Testing

/// The ingest budget on its own: which budget refuses a message, what the refusal says, and that whatever a call
/// holds comes back when it ends, however it ends. Its configuration keys are read back from YAML.
@Suite(.heavy) struct IngestBudgetTests {
    /// 800 bytes in all (the last 100 kept for connections holding nothing), 500 per connection.
    static let limits = IngestBudget.Limits(total: 800, perConnection: 500)

    enum Outcome: String, Sendable { case held, gateway, connection }

    struct Step: Sendable, CustomStringConvertible {
        var connection: String
        var bytes: Int
        var outcome: Outcome
        var description: String { "\(connection) \(bytes) → \(outcome)" }
    }

    static func step(_ connection: String, _ bytes: Int, _ outcome: Outcome) -> Step {
        Step(connection: connection, bytes: bytes, outcome: outcome)
    }

    @Test(arguments: [
        // One connection up to its own budget, and not a byte past it.
        [step("a", 400, .held), step("a", 100, .held), step("a", 1, .connection)],
        // Busy connections fill the shared 700; a busy one is then refused by the gateway's budget, while a
        // connection holding nothing is served from the reserve, until the reserve is used too.
        [
            step("a", 500, .held), step("b", 200, .held), step("b", 50, .gateway), step("c", 100, .held),
            step("d", 1, .gateway),
        ],
        // The reserve never takes a message larger than itself.
        [step("a", 500, .held), step("b", 200, .held), step("c", 101, .gateway)],
        // A connection past its own budget is refused by it even when the gateway has room.
        [step("a", 501, .connection), step("b", 500, .held)],
    ])
    func aMessageIsHeldOrRefusedByTheBudgetItDoesNotFit(_ steps: [Step]) async throws {
        let budget = IngestBudget(limits: Self.limits)
        var accounts: [String: IngestBudget.Account] = [:]
        var held = 0
        // Each connection's account stays open until every step has run: `withAccount` nested per connection.
        func run(_ index: Int) async throws {
            guard index < steps.count else {
                #expect(budget.usage.inFlight == held)
                return
            }
            let step = steps[index]
            if let account = accounts[step.connection] {
                try check(step, account)
                try await run(index + 1)
            } else {
                try await budget.withAccount(connection: step.connection) { account in
                    accounts[step.connection] = account
                    try check(step, account)
                    try await run(index + 1)
                }
            }
        }
        func check(_ step: Step, _ account: IngestBudget.Account) throws {
            do {
                _ = try account.reserve(step.bytes)
                held += step.bytes
                #expect(step.outcome == .held, "\(step) was held")
            } catch {
                #expect(error.code == .resourceExhausted, "\(step): \(error)")
                #expect(error.metadata[stringValues: "grpc-retry-pushback-ms"].first(where: { _ in true }) == "250")
                switch step.outcome {
                case .held: Issue.record("\(step) was refused: \(error)")
                case .gateway: #expect(error.message.contains("limits.max_ingest_bytes)"), "\(step): \(error)")
                case .connection:
                    #expect(error.message.contains("limits.max_ingest_bytes_per_connection"), "\(step): \(error)")
                }
            }
        }
        try await run(0)
        #expect(budget.usage.inFlight == 0, "every account released what it held when it ended")
        #expect(budget.usage.connections == 0)
        #expect(budget.usage.peak == steps.filter { $0.outcome == .held }.map(\.bytes).reduce(0, +))
    }

    @Test func aReleasedMessageMakesRoomAndAClosedAccountHoldsNothing() async throws {
        let budget = IngestBudget(limits: Self.limits)
        let escaped = try await budget.withAccount(connection: "a") { account in
            let first = try account.reserve(500)
            #expect(throws: RPCError.self) { try account.reserve(1) }
            account.release(first)
            account.release(first)  // a second release of one ticket changes nothing
            #expect(budget.usage.inFlight == 0)
            _ = try account.reserve(300)
            _ = try account.reserve(200)
            #expect(budget.usage.inFlight == 500)
            return account
        }
        #expect(budget.usage == IngestBudget.Usage(inFlight: 0, peak: 500, connections: 0, shed: 1))
        #expect(throws: RPCError.self, "an account whose call ended holds nothing more") { try escaped.reserve(1) }
        #expect(budget.usage.inFlight == 0)
    }

    /// The primitive is cancellation-safe: a call cancelled (or failing) while it holds bytes gives them back.
    @Test func aCancelledOrFailedCallReleasesWhatItHolds() async throws {
        let budget = IngestBudget(limits: Self.limits)
        let calls = (0..<4).map { n in
            Task {
                try await budget.withAccount(connection: "c\(n % 2)") { account in
                    _ = try account.reserve(100)
                    _ = try account.reserve(50)
                    try await Task.sleep(for: .seconds(3_600))
                }
            }
        }
        while budget.usage.inFlight < 600 { await Task.yield() }
        for call in calls { call.cancel() }
        for call in calls { _ = await call.result }
        #expect(budget.usage.inFlight == 0)
        #expect(budget.usage.connections == 0)

        struct Failure: Error {}
        await #expect(throws: Failure.self) {
            try await budget.withAccount(connection: "c0") { account in
                _ = try account.reserve(400)
                throw Failure()
            }
        }
        #expect(budget.usage.inFlight == 0)
    }

    static func configuration(limits: String) throws(ConfigurationError) -> GatewayConfiguration {
        try GatewayConfiguration.parse(
            yaml: """
                listen: { host: 127.0.0.1, port: 0 }
                tls: { certificate: server.pem, key: server-key.pem, client_ca: ca.pem }
                store: { path: cases.sqlite, evaluator_key: evaluator.key }
                policy: { trust_domain: dev.govcase.local, grants: [] }
                \(limits)
                """)
    }

    @Test func theBudgetsAreConfigurationKeysReadBack() async throws {
        let defaults = try Self.configuration(limits: "").limits
        #expect(defaults.maxIngestBytes == 256 << 20)
        #expect(defaults.maxIngestBytesPerConnection == 64 << 20)
        let budget = IngestBudget(limits: defaults)
        #expect(budget.limits == .init(total: 256 << 20, perConnection: 64 << 20))

        let set = try Self.configuration(
            limits: "limits: { max_ingest_bytes: 33554432, max_ingest_bytes_per_connection: 16777216, "
                + "retry_pushback_ms: 1875 }"
        ).limits
        #expect(set.maxIngestBytes == 32 << 20)
        #expect(set.maxIngestBytesPerConnection == 16 << 20)
        let budget2 = IngestBudget(limits: set)
        #expect(budget2.limits == .init(total: 32 << 20, perConnection: 16 << 20, retryPushback: .milliseconds(1875)))
        // The pushback a shed message carries is the configured one.
        await budget2.withAccount(connection: "a") { account in
            do {
                _ = try account.reserve(17 << 20)
                Issue.record("a message over the connection's budget was held")
            } catch {
                let shed = error as? RPCError
                #expect(shed?.metadata[stringValues: "grpc-retry-pushback-ms"].first(where: { _ in true }) == "1875")
                #expect(shed?.message.contains("retry after 1875 ms") == true, "\(error)")
            }
        }
    }

    @Test(arguments: [
        // Below one stream of two largest (4 MiB) messages.
        ("limits: { max_ingest_bytes_per_connection: 8388607 }", "limits.max_ingest_bytes_per_connection"),
        // Below the budget of one connection.
        ("limits: { max_ingest_bytes: 33554432 }", "limits.max_ingest_bytes"),
        ("limits: { max_ingest_bytes: 0 }", "limits.max_ingest_bytes"),
        // Larger messages need larger budgets.
        ("limits: { max_message_bytes: 67108864 }", "limits.max_ingest_bytes_per_connection"),
        ("limits: { retry_pushback_ms: 0 }", "limits.retry_pushback_ms"),
        ("limits: { retry_pushback_ms: 60001 }", "limits.retry_pushback_ms"),
    ])
    func aBudgetThatCannotHoldOneStreamIsAnErrorNamingItsKey(_ limits: String, _ key: String) {
        do {
            _ = try Self.configuration(limits: limits)
            Issue.record("\(limits) was accepted")
        } catch {
            #expect(error.key == key, "\(error)")
        }
    }
}

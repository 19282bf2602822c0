import GRPCCore
import Logging
import Synchronization

/// The bytes of ingest messages in flight, bounded gateway-wide and per connection (ARCHITECTURE.md, invariant 7).
///
/// A message's bytes (its size on the wire, which is what `limits.max_message_bytes` measures; decoded and
/// translated it costs a small multiple of that) are reserved from both budgets when a handler has read it, and
/// released when its records are acknowledged or refused. A message that does not fit is shed at once with
/// RESOURCE_EXHAUSTED, `grpc-retry-pushback-ms` and a message naming the budget; nothing ever waits for room, so
/// there is no waiter to strand. What a call holds is held by its `Account`, and `withAccount` releases whatever is
/// still held when the call ends, however it ends (acknowledged, refused, failed, cancelled).
///
/// The last eighth of the gateway-wide budget is kept for connections that hold nothing in flight (a unary caller
/// between calls, a new stream's first message): when busy connections have filled the rest, a small client on a
/// connection of its own is still served.
public final class IngestBudget: Sendable {
    /// How many bytes may be in flight.
    public struct Limits: Sendable, Hashable {
        /// All connections together: `limits.max_ingest_bytes`.
        public var total: Int
        /// One connection, all its calls together: `limits.max_ingest_bytes_per_connection`.
        public var perConnection: Int
        /// How long a shed message's sender is asked to wait: `limits.retry_pushback_ms`.
        public var retryPushback: Duration

        public init(total: Int, perConnection: Int, retryPushback: Duration = .milliseconds(250)) {
            self.total = total
            self.perConnection = perConnection
            self.retryPushback = retryPushback
        }

        /// The part of `total` only a connection holding nothing may use.
        public var reserve: Int { total / 8 }
    }

    /// What the budget holds now, and has held.
    public struct Usage: Sendable, Hashable {
        /// Bytes in flight now, all connections.
        public var inFlight = 0
        /// The most bytes in flight at once since the gateway started.
        public var peak = 0
        /// Connections holding bytes now.
        public var connections = 0
        /// Messages shed so far, by either budget.
        public var shed = 0

        public init(inFlight: Int = 0, peak: Int = 0, connections: Int = 0, shed: Int = 0) {
            self.inFlight = inFlight
            self.peak = peak
            self.connections = connections
            self.shed = shed
        }
    }

    /// Which budget refused a message.
    enum Exhausted: Error, Equatable {
        case gateway
        case connection
    }

    /// Bytes held for one message, and from which part of the gateway-wide budget.
    struct Grant: Sendable, Hashable {
        var bytes: Int
        var fromReserve: Bool
    }

    /// The counts: pure, and changed only under the lock.
    struct State {
        let limits: Limits
        /// Held from the shared part of the gateway-wide budget, and from its reserve.
        var shared = 0
        var reserved = 0
        var perConnection: [String: Int] = [:]
        var peak = 0
        var shed = 0

        /// Takes `bytes` for `connection`, or says which budget cannot hold them.
        mutating func reserve(_ bytes: Int, connection: String) -> Result<Grant, Exhausted> {
            let held = perConnection[connection, default: 0]
            guard held + bytes <= limits.perConnection else {
                shed += 1
                return .failure(.connection)
            }
            let grant: Grant
            if shared + bytes <= limits.total - limits.reserve {
                grant = Grant(bytes: bytes, fromReserve: false)
                shared += bytes
            } else if held == 0, reserved + bytes <= limits.reserve {
                grant = Grant(bytes: bytes, fromReserve: true)
                reserved += bytes
            } else {
                shed += 1
                return .failure(.gateway)
            }
            perConnection[connection] = held + bytes
            peak = max(peak, shared + reserved)
            return .success(grant)
        }

        mutating func release(_ grant: Grant, connection: String) {
            if grant.fromReserve { reserved -= grant.bytes } else { shared -= grant.bytes }
            let held = perConnection[connection, default: 0] - grant.bytes
            perConnection[connection] = held > 0 ? held : nil
        }

        var usage: Usage {
            Usage(inFlight: shared + reserved, peak: peak, connections: perConnection.count, shed: shed)
        }
    }

    public let limits: Limits
    let logger: Logger
    private let state: Mutex<State>

    public init(limits: Limits, logger: Logger = Logger(label: "govcase.ingest")) {
        self.limits = limits
        self.logger = logger
        state = Mutex(State(limits: limits))
    }

    public convenience init(limits: GatewayLimits, logger: Logger = Logger(label: "govcase.ingest")) {
        self.init(
            limits: Limits(
                total: limits.maxIngestBytes, perConnection: limits.maxIngestBytesPerConnection,
                retryPushback: .milliseconds(limits.retryPushbackMilliseconds)),
            logger: logger)
    }

    public var usage: Usage { state.withLock { $0.usage } }

    /// Runs `body` with an account of `connection`'s (the peer address: one per connection); whatever the account
    /// still holds when `body` returns, throws or is cancelled is released.
    public func withAccount<Result>(
        connection: String, _ body: (Account) async throws -> Result
    ) async rethrows -> Result {
        let account = Account(budget: self, connection: connection)
        defer { account.close() }
        return try await body(account)
    }

    /// What one call holds in the budget.
    public final class Account: Sendable {
        /// One message's bytes held, to release.
        public struct Ticket: Sendable, Hashable {
            let id: Int
        }

        let budget: IngestBudget
        let connection: String
        private let held = Mutex<(grants: [Int: Grant], next: Int, closed: Bool)>(([:], 0, false))

        init(budget: IngestBudget, connection: String) {
            self.budget = budget
            self.connection = connection
        }

        /// Reserves `bytes` for one message; the ticket releases them. Throws RESOURCE_EXHAUSTED, with
        /// `grpc-retry-pushback-ms`, when either budget cannot hold them.
        public func reserve(_ bytes: Int) throws(RPCError) -> Ticket {
            let outcome: Result<Ticket, Exhausted> = held.withLock { held in
                guard !held.closed else { return .failure(.connection) }
                let granted = budget.state.withLock { $0.reserve(bytes, connection: connection) }
                return granted.map { grant in
                    held.next += 1
                    held.grants[held.next] = grant
                    return Ticket(id: held.next)
                }
            }
            switch outcome {
            case .success(let ticket): return ticket
            case .failure(let exhausted): throw budget.shed(bytes, by: exhausted, connection: connection)
            }
        }

        /// Releases one message's bytes; a ticket already released (or closed) is ignored.
        public func release(_ ticket: Ticket) {
            held.withLock { held in
                guard let grant = held.grants.removeValue(forKey: ticket.id) else { return }
                budget.state.withLock { $0.release(grant, connection: connection) }
            }
        }

        /// Releases everything still held; later reservations are refused.
        func close() {
            held.withLock { held in
                held.closed = true
                let grants = held.grants.values
                held.grants = [:]
                budget.state.withLock { state in
                    for grant in grants { state.release(grant, connection: connection) }
                }
            }
        }
    }

    /// The error that sheds a message, logged the first time and every hundredth after.
    private func shed(_ bytes: Int, by exhausted: Exhausted, connection: String) -> RPCError {
        let usage = usage
        let milliseconds = Int((limits.retryPushback / .milliseconds(1)).rounded())
        let message: String
        let key: String
        switch exhausted {
        case .gateway:
            key = "limits.max_ingest_bytes"
            message =
                "the gateway's ingest budget is in use (\(Self.mebibytes(usage.inFlight)) of "
                + "\(Self.mebibytes(limits.total)) in flight, \(key)): this message of \(Self.mebibytes(bytes)) is "
                + "shed; retry after \(milliseconds) ms"
        case .connection:
            key = "limits.max_ingest_bytes_per_connection"
            message =
                "this connection's ingest budget is in use (at most \(Self.mebibytes(limits.perConnection)) in "
                + "flight, \(key)): this message of \(Self.mebibytes(bytes)) is shed; retry after \(milliseconds) ms"
        }
        if usage.shed == 1 || usage.shed % 100 == 0 {
            logger.warning(
                "ingest message shed: budget in use",
                metadata: [
                    "budget": "\(key)", "peer": "\(connection)", "message.bytes": "\(bytes)",
                    "in_flight.bytes": "\(usage.inFlight)", "count": "\(usage.shed)",
                ])
        }
        return RPCError(
            code: .resourceExhausted, message: message, metadata: ["grpc-retry-pushback-ms": "\(milliseconds)"])
    }

    static func mebibytes(_ bytes: Int) -> String {
        let tenths = (bytes * 10 + (1 << 19)) >> 20
        return "\(tenths / 10).\(tenths % 10) MiB"
    }
}

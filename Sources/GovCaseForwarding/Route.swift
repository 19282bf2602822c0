import Foundation
import GovCaseCore

/// One forwarding route (实时上报 upward, 反馈 back down): which cases and changes go where, rendered by which
/// adapter, over which mutual-TLS identity, at what pace. Read from the configuration's `forwarding.routes`.
public struct Route: Sendable, Hashable {
    /// Unique name; the outbox rows' `route`.
    public var name: String
    /// What it forwards.
    public var selector: RouteSelector
    /// Where it sends.
    public var destination: Destination
    /// The adapter that renders a case or a step into the destination's records, through the adapters' render
    /// path (`national-platform` for the national platform; `culture-tourism` to send `HandoverProgress` back
    /// to a 12345 platform). Records go out as `GenericRecord`s naming `destinationAdapter`.
    public var renderAdapter: String
    /// The adapter id the receiver files the records under; `renderAdapter` unless it runs the same
    /// translation under another id.
    public var destinationAdapter: String
    /// Batches in flight at once when the receiver is healthy.
    public var concurrency: Int
    /// Rows per batch (each renders to one record or a few).
    public var batchSize: Int
    /// How outages are retried.
    public var retry: RetryPolicy
    /// Each call's deadline.
    public var callTimeout: Duration
    /// How long delivered and discarded rows are kept before they are pruned.
    public var retention: Duration

    public init(
        name: String, selector: RouteSelector, destination: Destination, renderAdapter: String,
        destinationAdapter: String? = nil, concurrency: Int = 4, batchSize: Int = 100, retry: RetryPolicy = .init(),
        callTimeout: Duration = .seconds(30), retention: Duration = .seconds(7 * 86_400)
    ) {
        self.name = name
        self.selector = selector
        self.destination = destination
        self.renderAdapter = renderAdapter
        self.destinationAdapter = destinationAdapter ?? renderAdapter
        self.concurrency = concurrency
        self.batchSize = batchSize
        self.retry = retry
        self.callTimeout = callTimeout
        self.retention = retention
    }

    /// A receiver of the `govcase.gateway.v1` ingest services and how to know it.
    public struct Destination: Sendable, Hashable {
        /// IPv4 address or host name.
        public var host: String
        public var port: Int
        /// The CA bundle the destination's certificate must chain to (PEM); never the system's store.
        public var caPath: String
        /// Who the destination must be: its certificate must carry this DNS name or this SPIFFE id (URI SAN).
        public var identity: Identity
        /// Our client certificate chain and key (PEM), re-read when the files change.
        public var certificatePath: String
        public var keyPath: String

        public init(
            host: String, port: Int, caPath: String, identity: Identity, certificatePath: String, keyPath: String
        ) {
            self.host = host
            self.port = port
            self.caPath = caPath
            self.identity = identity
            self.certificatePath = certificatePath
            self.keyPath = keyPath
        }
    }

    /// The identity a destination's certificate must prove.
    public enum Identity: Sendable, Hashable, CustomStringConvertible {
        /// A DNS name among its subject alternative names (also the TLS server name sent).
        case dnsName(String)
        /// A SPIFFE id, its one URI subject alternative name.
        case spiffeID(String)

        public var description: String {
            switch self {
            case .dnsName(let name): "DNS name \(name)"
            case .spiffeID(let id): "SPIFFE id \(id)"
            }
        }
    }
}

/// How a route retries an outage: exponential backoff with full jitter, capped (Kafka Connect's defaults: 300 ms
/// doubling to 60 s), and a recovering receiver probed with one batch before the backlog follows.
public struct RetryPolicy: Sendable, Hashable {
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    public var multiplier: Double

    public init(
        initialBackoff: Duration = .milliseconds(300), maxBackoff: Duration = .seconds(60), multiplier: Double = 2
    ) {
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.multiplier = multiplier
    }

    /// The ceiling of the wait after `failures` outages in a row (1 for the first): initial × multiplier^(n−1),
    /// capped.
    public func ceiling(afterFailures failures: Int) -> Duration {
        let initial = initialBackoff.seconds
        let grown = initial * pow(multiplier, Double(max(0, failures - 1)))
        return .seconds(min(grown, maxBackoff.seconds))
    }

    /// The wait after `failures` outages in a row: uniform in [0, ceiling] ("full jitter"), so receivers that
    /// recover are not met by every sender at once. `unit` draws from [0, 1].
    public func backoff(afterFailures failures: Int, unit: Double) -> Duration {
        .seconds(ceiling(afterFailures: failures).seconds * min(max(unit, 0), 1))
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    public var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}

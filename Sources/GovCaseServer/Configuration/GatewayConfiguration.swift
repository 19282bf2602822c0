import Foundation
import GovCaseAdapters
import GovCasePolicy
import GovCaseStore
import GovCaseTrust
import Yams

/// Everything `govcase serve` needs, read from one YAML file.
///
/// ```yaml
/// listen: { host: 0.0.0.0, port: 7443 }
/// tls: { certificate: server.pem, key: server-key.pem, client_ca: province-ca.pem, crls: [province-ca.crl],
///        expired_crl: refuse, require_crl: false, reload_seconds: 30 }
/// store: { path: cases.sqlite, evaluator_key: evaluator.key }   # or { postgres: {...}, ... }: see Store
/// limits: { max_message_bytes: 4194304, max_batch_records: 1000, max_concurrent_streams: 256, ... }
/// policy: { trust_domain: gov.example.cn, grants: [...] }
/// code_overrides: { national-platform: { sc-national: { channel: { "31": windowDevice } } } }
/// deadlines: { default: {...}, regions: {...}, calendar: {...} }   # see DeadlineConfiguration
/// validation: { clock_skew_seconds: 300 }
/// plugins: { manifests: plugins.d }                 # see PluginsConfiguration
/// forwarding: { routes: [...] }                      # see ForwardingConfiguration
/// clocks: { reminder_leads: [2, 1, 0], ... }          # see ClocksConfiguration
/// ```
///
/// Relative paths are read from the configuration file's folder, so a deployment folder can move as a whole.
public struct GatewayConfiguration: Sendable, Hashable, Decodable {
    /// Where the gateway listens.
    public var listen: Listen
    /// Its certificate and the CA bundle client certificates must chain to.
    public var tls: GatewayTLS
    /// `tls.require_crl`: every CA of `tls.client_ca` must have its CRL in `tls.crls`, or the gateway does not
    /// start (`check()`) and a reload is refused; false by default, when a CA without a CRL is a warning. Held by
    /// `tls`, whose trust sources the running trust store reloads from.
    public var requireCRL: Bool {
        get { tls.requireCRL }
        set { tls.requireCRL = newValue }
    }
    /// The case store.
    public var store: Store
    /// Message, batch and stream limits; every key optional.
    public var limits: GatewayLimits
    /// Who may do what.
    public var policy: AccessPolicy
    /// Code-table overrides: adapter id → source system → table → source code → core value.
    public var codeOverrides: [String: [String: [String: [String: String]]]]
    /// The built-in adapters this gateway runs (all by default). A province leaves one out when it connects
    /// that source through a plugin registered under the same id instead.
    public var builtInAdapters: [String] = BuiltInAdapters.all().map(\.info.id)
    /// Deadline periods by region and the holiday calendar; the national defaults where not given.
    public var deadlines: DeadlineConfiguration
    /// How records are checked.
    public var validation: Validation
    /// How the gateway stops.
    public var drain: Drain
    /// Plugin adapters declared by manifest files, started with the gateway.
    public var plugins: PluginsConfiguration = .init()
    /// Forwarding routes (实时上报, 反馈), each delivered from the outbox by its own forwarder.
    public var forwarding: ForwardingConfiguration = .init()
    /// When reminders, overdue and escalation events fire.
    public var clocks: ClocksConfiguration = .init()

    public struct Drain: Sendable, Hashable, Decodable {
        /// Seconds the gateway keeps serving after SIGTERM with health NOT_SERVING, so that load balancers stop
        /// sending before connections close.
        public var graceSeconds: Int = 5

        public init(graceSeconds: Int = 5) { self.graceSeconds = graceSeconds }

        enum CodingKeys: String, CodingKey, CaseIterable { case graceSeconds = "grace_seconds" }

        public init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            graceSeconds = try c.decodeIfPresent(Int.self, forKey: .graceSeconds) ?? graceSeconds
            guard (0...600).contains(graceSeconds) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .graceSeconds, in: c, debugDescription: "must be 0–600 seconds")
            }
        }
    }

    public struct Validation: Sendable, Hashable, Decodable {
        /// How far into the future a record's times may be, in seconds, for source clocks that run ahead.
        public var clockSkewSeconds: Int = 300

        public init(clockSkewSeconds: Int = 300) { self.clockSkewSeconds = clockSkewSeconds }

        enum CodingKeys: String, CodingKey, CaseIterable { case clockSkewSeconds = "clock_skew_seconds" }

        public init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            clockSkewSeconds = try c.decodeIfPresent(Int.self, forKey: .clockSkewSeconds) ?? clockSkewSeconds
            guard (0...86_400).contains(clockSkewSeconds) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .clockSkewSeconds, in: c, debugDescription: "must be 0–86400 seconds")
            }
        }
    }

    public struct Listen: Sendable, Hashable, Decodable {
        /// IPv4 address to bind; `0.0.0.0` for every interface.
        public var host: String
        /// TCP port; 0 picks a free one.
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case host, port }

        public init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            host = try c.decode(String.self, forKey: .host)
            port = try c.decode(Int.self, forKey: .port)
            guard IPv4Address.isValid(host) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .host, in: c, debugDescription: "\"\(host)\" is not an IPv4 address")
            }
            guard (0...65535).contains(port) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .port, in: c, debugDescription: "\(port) is not a TCP port (0–65535)")
            }
        }

        /// Whether the address is on the loopback network, 127.0.0.0/8.
        public var isLoopback: Bool { host.hasPrefix("127.") }
    }

    public init(
        listen: Listen, tls: GatewayTLS, store: Store, limits: GatewayLimits = GatewayLimits(), policy: AccessPolicy,
        codeOverrides: [String: [String: [String: [String: String]]]] = [:],
        deadlines: DeadlineConfiguration = .init(), validation: Validation = .init(), drain: Drain = .init(),
        plugins: PluginsConfiguration = .init()
    ) {
        self.listen = listen
        self.tls = tls
        self.store = store
        self.limits = limits
        self.policy = policy
        self.codeOverrides = codeOverrides
        self.deadlines = deadlines
        self.validation = validation
        self.drain = drain
        self.plugins = plugins
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case listen, tls, store, limits, policy
        case codeOverrides = "code_overrides"
        case builtInAdapters = "builtin_adapters"
        case deadlines, validation, drain, plugins, forwarding, clocks
    }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        listen = try c.decode(Listen.self, forKey: .listen)
        tls = try c.decode(GatewayTLS.self, forKey: .tls)
        tls.requireCRL =
            try c.nestedContainer(keyedBy: GatewayTLS.CodingKeys.self, forKey: .tls)
            .decodeIfPresent(Bool.self, forKey: .requireCRL) ?? false
        store = try c.decode(Store.self, forKey: .store)
        limits = try c.decodeIfPresent(GatewayLimits.self, forKey: .limits) ?? GatewayLimits()
        policy = try c.decode(AccessPolicy.self, forKey: .policy)
        codeOverrides = try c.decodeIfPresent(type(of: codeOverrides), forKey: .codeOverrides) ?? [:]
        builtInAdapters = try c.decodeIfPresent([String].self, forKey: .builtInAdapters) ?? builtInAdapters
        let known = BuiltInAdapters.all().map(\.info.id)
        if let unknown = builtInAdapters.first(where: { !known.contains($0) }) {
            throw DecodingError.dataCorruptedError(
                forKey: .builtInAdapters, in: c,
                debugDescription: "\"\(unknown)\" is not a built-in adapter; built in: \(known.joined(separator: ", "))"
            )
        }
        deadlines = try c.decodeIfPresent(DeadlineConfiguration.self, forKey: .deadlines) ?? .init()
        validation = try c.decodeIfPresent(Validation.self, forKey: .validation) ?? .init()
        drain = try c.decodeIfPresent(Drain.self, forKey: .drain) ?? .init()
        plugins = try c.decodeIfPresent(PluginsConfiguration.self, forKey: .plugins) ?? .init()
        forwarding = try c.decodeIfPresent(ForwardingConfiguration.self, forKey: .forwarding) ?? .init()
        clocks = try c.decodeIfPresent(ClocksConfiguration.self, forKey: .clocks) ?? .init()
    }
}

extension GatewayTLS: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case certificatePath = "certificate"
        case keyPath = "key"
        case clientCAPath = "client_ca"
        case crlPaths = "crls"
        case expiredCRLs = "expired_crl"
        /// Decoded by `GatewayConfiguration`, which holds it (`requireCRL`).
        case requireCRL = "require_crl"
        case reloadSeconds = "reload_seconds"
    }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            certificatePath: try c.decode(String.self, forKey: .certificatePath),
            keyPath: try c.decode(String.self, forKey: .keyPath),
            clientCAPath: try c.decode(String.self, forKey: .clientCAPath),
            crlPaths: try c.decodeIfPresent([String].self, forKey: .crlPaths) ?? [])
        if let text = try c.decodeIfPresent(String.self, forKey: .expiredCRLs) {
            guard let handling = ExpiredCRLHandling(rawValue: text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .expiredCRLs, in: c,
                    debugDescription:
                        "must be one of \(ExpiredCRLHandling.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            expiredCRLs = handling
        }
        reloadSeconds = try c.decodeIfPresent(Int.self, forKey: .reloadSeconds) ?? reloadSeconds
        guard (1...86_400).contains(reloadSeconds) else {
            throw DecodingError.dataCorruptedError(
                forKey: .reloadSeconds, in: c, debugDescription: "must be 1–86400 seconds")
        }
    }
}

extension GatewayLimits: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxMessageBytes = "max_message_bytes"
        case maxBatchRecords = "max_batch_records"
        case maxConcurrentStreams = "max_concurrent_streams"
        case handshakeTimeoutSeconds = "handshake_timeout_seconds"
        case idleTimeoutSeconds = "idle_timeout_seconds"
        case maxConnections = "max_connections"
        case maxConnectionsPerPeer = "max_connections_per_peer"
        case maxIngestBytes = "max_ingest_bytes"
        case maxIngestBytesPerConnection = "max_ingest_bytes_per_connection"
        case retryPushbackMilliseconds = "retry_pushback_ms"
    }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        func positive(_ key: CodingKeys, _ fallback: Int) throws -> Int {
            let value = try c.decodeIfPresent(Int.self, forKey: key) ?? fallback
            guard value > 0 else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "must be positive")
            }
            return value
        }
        maxMessageBytes = try positive(.maxMessageBytes, maxMessageBytes)
        maxBatchRecords = try positive(.maxBatchRecords, maxBatchRecords)
        maxConcurrentStreams = try positive(.maxConcurrentStreams, maxConcurrentStreams)
        handshakeTimeoutSeconds = try positive(.handshakeTimeoutSeconds, handshakeTimeoutSeconds)
        idleTimeoutSeconds = try positive(.idleTimeoutSeconds, idleTimeoutSeconds)
        maxConnections = try positive(.maxConnections, maxConnections)
        maxConnectionsPerPeer = try positive(.maxConnectionsPerPeer, maxConnectionsPerPeer)
        maxIngestBytes = try positive(.maxIngestBytes, maxIngestBytes)
        maxIngestBytesPerConnection = try positive(.maxIngestBytesPerConnection, maxIngestBytesPerConnection)
        retryPushbackMilliseconds = try positive(.retryPushbackMilliseconds, retryPushbackMilliseconds)
        guard retryPushbackMilliseconds <= 60_000 else {
            throw DecodingError.dataCorruptedError(
                forKey: .retryPushbackMilliseconds, in: c, debugDescription: "must be 1–60000 milliseconds")
        }
        if let problem = ingestBudgetProblem {
            throw DecodingError.dataCorruptedError(forKey: problem.key, in: c, debugDescription: problem.message)
        }
    }
}

/// Dotted-quad IPv4 text, as the Posix transport binds it.
enum IPv4Address {
    static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { $0.count <= 3 && $0.allSatisfy(\.isASCII) && UInt8($0) != nil }
    }
}

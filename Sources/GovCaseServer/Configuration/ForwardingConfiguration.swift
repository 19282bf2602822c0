import Foundation
import GovCaseAdapters
import GovCaseCore
import GovCaseForwarding
import GovCasePolicy
import SwiftASN1
import X509

/// Where the gateway forwards what it stores (实时上报 upward, 反馈 back down):
///
/// ```yaml
/// forwarding:
///   routes:
///     - name: province                       # unique; the outbox rows' route
///       select:                              # every list narrows; left out, it selects all
///         source_systems: ["county-*"]       # senders' identities, fnmatch patterns
///         adapters: [national-platform]      # source adapters, fnmatch patterns
///         kinds: [evaluation]                # case kinds
///         regions: ["5101"]                  # region code prefixes
///         changes: [new-case, revision, lifecycle-step]
///       adapter: national-platform           # renders cases and steps into the destination's records
///       destination_adapter: national-platform   # the adapter id the receiver files them under (default: adapter)
///       destination:
///         address: province.example.cn:7443
///         ca: province-ca.pem                # the CA the destination's certificate must chain to
///         server_name: province.example.cn   # or spiffe_id: spiffe://gov.example.cn/gateway/province
///         certificate: county-client.pem     # this gateway's client certificate and key there
///         key: county-client-key.pem
///       concurrency: 4                       # batches in flight when the receiver is healthy
///       batch_size: 100                      # rows per batch
///       call_timeout_seconds: 30
///       retention_days: 7                    # delivered rows are kept this long, then pruned
///       retry: { initial_backoff_ms: 300, max_backoff_seconds: 60, multiplier: 2 }
/// ```
///
/// Checked at start like the rest (`check()`): an unknown key, a repeated name, an adapter this gateway does not
/// run, a destination with no identity or two, a file that is missing or holds no certificate or key, is an
/// error naming its key, and the gateway does not start.
public struct ForwardingConfiguration: Sendable, Hashable, Decodable {
    public var routes: [RouteConfiguration] = []

    public init(routes: [RouteConfiguration] = []) { self.routes = routes }

    enum CodingKeys: String, CodingKey, CaseIterable { case routes }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        routes = try c.decodeIfPresent([RouteConfiguration].self, forKey: .routes) ?? []
        var seen: Set<String> = []
        for route in routes where !seen.insert(route.route.name).inserted {
            throw DecodingError.dataCorruptedError(
                forKey: .routes, in: c, debugDescription: "two routes are named \"\(route.route.name)\"")
        }
    }

    /// The routes' selectors, for the store.
    public var selectors: [RouteSelector] { routes.map(\.route.selector) }

    mutating func resolvePaths(_ resolve: (inout String) -> Void) {
        for index in routes.indices {
            resolve(&routes[index].route.destination.caPath)
            resolve(&routes[index].route.destination.certificatePath)
            resolve(&routes[index].route.destination.keyPath)
        }
    }

    /// What decoding cannot check: the adapters are this gateway's, the files hold certificates and a key.
    func check(builtInAdapters: [String]) throws(ConfigurationError) {
        for (index, configuration) in routes.enumerated() {
            let route = configuration.route
            let key = "forwarding.routes[\(index)]"
            guard builtInAdapters.contains(route.renderAdapter) else {
                throw ConfigurationError(
                    key: "\(key).adapter",
                    message: "\"\(route.renderAdapter)\" is not a built-in adapter this gateway runs (plugin adapters "
                        + "do not render yet); running: \(builtInAdapters.joined(separator: ", "))")
            }
            func pem(_ name: String, _ path: String, key isKey: Bool) throws(ConfigurationError) {
                let text: String
                do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                    throw ConfigurationError(key: "\(key).destination.\(name)", message: "cannot read \(path)")
                }
                let holds: Bool
                if isKey {
                    holds = (try? Certificate.PrivateKey(pemEncoded: text)) != nil
                } else {
                    holds = ((try? PEMDocument.parseMultiple(pemString: text)) ?? []).contains {
                        (try? Certificate(pemDocument: $0)) != nil
                    }
                }
                guard holds else {
                    throw ConfigurationError(
                        key: "\(key).destination.\(name)",
                        message: "\(path) holds no \(isKey ? "private key" : "certificate")")
                }
            }
            try pem("ca", route.destination.caPath, key: false)
            try pem("certificate", route.destination.certificatePath, key: false)
            try pem("key", route.destination.keyPath, key: true)
        }
    }
}

/// One entry of `forwarding.routes`.
public struct RouteConfiguration: Sendable, Hashable, Decodable {
    public var route: Route

    public init(route: Route) { self.route = route }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, select, adapter, destination, concurrency, retry
        case destinationAdapter = "destination_adapter"
        case batchSize = "batch_size"
        case callTimeoutSeconds = "call_timeout_seconds"
        case retentionDays = "retention_days"
    }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .name)
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else {
            throw DecodingError.dataCorruptedError(
                forKey: .name, in: c, debugDescription: "a route name is letters, digits, - and _")
        }
        let select = try c.decodeIfPresent(Select.self, forKey: .select) ?? Select()
        let adapter = try c.decode(String.self, forKey: .adapter)
        func within(_ key: CodingKeys, _ range: ClosedRange<Int>, _ fallback: Int) throws -> Int {
            let value = try c.decodeIfPresent(Int.self, forKey: key) ?? fallback
            guard range.contains(value) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: c, debugDescription: "must be \(range.lowerBound)–\(range.upperBound)")
            }
            return value
        }
        route = Route(
            name: name,
            selector: RouteSelector(
                route: name, sourceSystems: select.sourceSystems, adapters: select.adapters, kinds: select.kinds,
                regionPrefixes: select.regions, changes: select.changes),
            destination: try c.decode(DestinationConfiguration.self, forKey: .destination).destination,
            renderAdapter: adapter,
            destinationAdapter: try c.decodeIfPresent(String.self, forKey: .destinationAdapter),
            concurrency: try within(.concurrency, 1...64, 4),
            batchSize: try within(.batchSize, 1...1000, 100),
            retry: try c.decodeIfPresent(RetryConfiguration.self, forKey: .retry)?.policy ?? RetryPolicy(),
            callTimeout: .seconds(try within(.callTimeoutSeconds, 1...600, 30)),
            retention: .seconds(86_400 * (try within(.retentionDays, 1...3650, 7))))
    }

    struct Select: Decodable {
        var sourceSystems: [String] = []
        var adapters: [String] = []
        var kinds: [CaseKind] = []
        var regions: [String] = []
        var changes: [CaseChange] = []

        init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case adapters, kinds, regions, changes
            case sourceSystems = "source_systems"
        }

        init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            sourceSystems = try c.decodeIfPresent([String].self, forKey: .sourceSystems) ?? []
            adapters = try c.decodeIfPresent([String].self, forKey: .adapters) ?? []
            for text in try c.decodeIfPresent([String].self, forKey: .kinds) ?? [] {
                guard let kind = CaseKind(rawValue: text) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .kinds, in: c,
                        debugDescription: "\"\(text)\" is not a case kind; kinds: "
                            + CaseKind.allCases.map(\.rawValue).joined(separator: ", "))
                }
                kinds.append(kind)
            }
            regions = try c.decodeIfPresent([String].self, forKey: .regions) ?? []
            if let bad = regions.first(where: { $0.isEmpty || $0.count > 6 || !$0.allSatisfy(\.isASCII) || Int($0) == nil }) {
                throw DecodingError.dataCorruptedError(
                    forKey: .regions, in: c, debugDescription: "\"\(bad)\" is not a region code prefix (1–6 digits)")
            }
            for text in try c.decodeIfPresent([String].self, forKey: .changes) ?? [] {
                guard let change = CaseChange(rawValue: text) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .changes, in: c,
                        debugDescription: "\"\(text)\" is not a change; changes: "
                            + CaseChange.allCases.map(\.rawValue).joined(separator: ", "))
                }
                changes.append(change)
            }
        }
    }

    struct DestinationConfiguration: Decodable {
        var destination: Route.Destination

        enum CodingKeys: String, CodingKey, CaseIterable {
            case address, ca, certificate, key
            case serverName = "server_name"
            case spiffeID = "spiffe_id"
        }

        init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let address = try c.decode(String.self, forKey: .address)
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
                (1...65535).contains(port), colon > address.startIndex
            else {
                throw DecodingError.dataCorruptedError(
                    forKey: .address, in: c, debugDescription: "\"\(address)\" is not host:port")
            }
            let identity: Route.Identity
            switch (
                try c.decodeIfPresent(String.self, forKey: .serverName),
                try c.decodeIfPresent(String.self, forKey: .spiffeID)
            ) {
            case (let name?, nil) where !name.isEmpty: identity = .dnsName(name)
            case (nil, let id?) where id.hasPrefix("spiffe://"): identity = .spiffeID(id)
            case (nil, .some):
                throw DecodingError.dataCorruptedError(
                    forKey: .spiffeID, in: c, debugDescription: "a SPIFFE id starts with spiffe://")
            case (.some, .some):
                throw DecodingError.dataCorruptedError(
                    forKey: .spiffeID, in: c, debugDescription: "give server_name or spiffe_id, not both")
            case (.some, nil), (nil, nil):
                throw DecodingError.dataCorruptedError(
                    forKey: .serverName, in: c,
                    debugDescription: "the destination's identity is required: server_name (a DNS name its "
                        + "certificate carries) or spiffe_id; a gateway forwarding evaluators' data must know whom it "
                        + "talks to")
            }
            destination = Route.Destination(
                host: String(address[..<colon]), port: port, caPath: try c.decode(String.self, forKey: .ca),
                identity: identity, certificatePath: try c.decode(String.self, forKey: .certificate),
                keyPath: try c.decode(String.self, forKey: .key))
        }
    }

    struct RetryConfiguration: Decodable {
        var policy: RetryPolicy

        enum CodingKeys: String, CodingKey, CaseIterable {
            case initialBackoffMilliseconds = "initial_backoff_ms"
            case maxBackoffSeconds = "max_backoff_seconds"
            case multiplier
        }

        init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let initial = try c.decodeIfPresent(Int.self, forKey: .initialBackoffMilliseconds) ?? 300
            let cap = try c.decodeIfPresent(Int.self, forKey: .maxBackoffSeconds) ?? 60
            let multiplier = try c.decodeIfPresent(Double.self, forKey: .multiplier) ?? 2
            guard (1...600_000).contains(initial) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .initialBackoffMilliseconds, in: c, debugDescription: "must be 1–600000 ms")
            }
            guard (1...3600).contains(cap), Double(cap) * 1000 >= Double(initial) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .maxBackoffSeconds, in: c,
                    debugDescription: "must be 1–3600 seconds and not under initial_backoff_ms")
            }
            guard (1...10).contains(multiplier) else {
                throw DecodingError.dataCorruptedError(forKey: .multiplier, in: c, debugDescription: "must be 1–10")
            }
            policy = RetryPolicy(
                initialBackoff: .milliseconds(initial), maxBackoff: .seconds(cap), multiplier: multiplier)
        }
    }
}

import Foundation

/// What a caller may do (授权): loaded from the policy part of the configuration.
public struct AccessPolicy: Sendable, Hashable, Decodable {
    /// The only trust domain accepted.
    public var trustDomain: String
    /// Grants, by system pattern.
    public var grants: [Grant]

    /// A caller's role.
    public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
        /// Submits records.
        case submitter
        /// Moves cases through their lifecycle.
        case handler
        /// Reads cases, masked.
        case reader
        /// Reads evaluator identity unmasked (audited).
        case privacyReader = "privacy-reader"
        /// Administers the gateway.
        case admin
    }

    /// Rights given to the systems matching `systems`.
    public struct Grant: Sendable, Hashable, Decodable {
        /// System-id patterns; `*` matches any run of characters (`hotline-*`).
        public var systems: [String]
        /// Region-code prefixes it may act for, e.g. `51` for all of Sichuan.
        public var regions: [String]
        /// Adapter-id patterns it may submit to, as `systems` are matched: `*` for all, `gd-hcp*` for every
        /// adapter whose id starts so.
        public var adapters: [String]
        /// Its roles.
        public var roles: [Role]

        public init(systems: [String], regions: [String], adapters: [String] = [], roles: [Role]) {
            self.systems = systems
            self.regions = regions
            self.adapters = adapters
            self.roles = roles
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case systems, regions, adapters, roles }

        public init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            systems = try c.decode([String].self, forKey: .systems)
            regions = try c.decode([String].self, forKey: .regions)
            adapters = try c.decodeIfPresent([String].self, forKey: .adapters) ?? []
            roles = try c.decode([Role].self, forKey: .roles)
            for region in regions where region.isEmpty || region.count > 6 || !region.allSatisfy(\.isNumber) {
                throw DecodingError.dataCorruptedError(
                    forKey: .regions, in: c, debugDescription: "\"\(region)\" is not a region-code prefix")
            }
        }

        func matches(_ system: String) -> Bool { systems.contains { Self.glob($0, system) } }

        /// Whether the grant gives `role`: named, or implied by `admin`, which implies every role but
        /// `privacy-reader` (reading evaluators' identities unmasked is granted by name only).
        public func grants(_ role: Role) -> Bool {
            roles.contains(role) || (role != .privacyReader && roles.contains(.admin))
        }

        /// Whether `text` matches `pattern`, `*` matching any run of characters. Checked for every record (twice),
        /// so it compares UTF-8 bytes: `*` is ASCII, and Foundation's `contains`/`range(of:)` on `String` were
        /// the largest cost of authorizing a record (a locale-aware CFString search each).
        static func glob(_ pattern: String, _ text: String) -> Bool {
            let star = UInt8(ascii: "*")
            guard pattern.utf8.contains(star) else { return pattern == text }
            let parts = pattern.utf8.split(separator: star, omittingEmptySubsequences: false)
            let (first, last) = (parts[0], parts[parts.count - 1])
            var rest = text.utf8[...]
            guard rest.starts(with: first), rest.reversed().starts(with: last.reversed()) else { return false }
            rest = rest.dropFirst(first.count)
            for middle in parts.dropFirst().dropLast() where !middle.isEmpty {
                guard let end = Self.end(of: middle, in: rest) else { return false }
                rest = rest[end...]
            }
            return rest.count >= last.count
        }

        /// The index just past the first occurrence of `needle` in `haystack`.
        private static func end(of needle: Substring.UTF8View, in haystack: Substring.UTF8View) -> String.Index? {
            var start = haystack.startIndex
            while haystack.distance(from: start, to: haystack.endIndex) >= needle.count {
                let candidate = haystack[start...]
                if candidate.starts(with: needle) { return haystack.index(start, offsetBy: needle.count) }
                start = haystack.index(after: start)
            }
            return nil
        }
    }

    public init(trustDomain: String, grants: [Grant]) {
        self.trustDomain = trustDomain
        self.grants = grants
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case trustDomain = "trust_domain"
        case grants
    }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        trustDomain = try c.decode(String.self, forKey: .trustDomain)
        grants = try c.decode([Grant].self, forKey: .grants)
    }

    /// The grants of `identity`'s system.
    public func grants(of identity: CallerIdentity) -> [Grant] { grants.filter { $0.matches(identity.systemID) } }

    /// Throws unless a certificate's identity may call at all: known system, its own region within its grants.
    public func admit(_ identity: CallerIdentity) throws(AccessDenial) {
        try Self.admit(identity, grants: grants(of: identity))
    }

    private static func admit(_ identity: CallerIdentity, grants mine: [Grant]) throws(AccessDenial) {
        guard !mine.isEmpty else { throw .permissionDenied("system \(identity.systemID) has no grant") }
        guard mine.contains(where: { $0.regions.contains { identity.regionCode.hasPrefix($0) } }) else {
            throw .permissionDenied("region \(identity.regionCode) of \(identity.systemID) is outside its grant")
        }
    }

    /// Throws unless `identity` has `role`, optionally for `adapter` and `region` (a case's region code).
    public func authorize(
        _ identity: CallerIdentity, role: Role, adapter: String? = nil, region: String? = nil
    ) throws(AccessDenial) {
        let mine = grants(of: identity)
        try Self.admit(identity, grants: mine)
        let withRole = mine.filter { $0.grants(role) }
        guard !withRole.isEmpty else {
            throw .permissionDenied("\(identity.systemID) does not have the \(role.rawValue) role")
        }
        let forAdapter = withRole.filter { g in
            adapter.map { a in g.adapters.contains { Grant.glob($0, a) } } ?? true
        }
        guard !forAdapter.isEmpty else {
            throw .permissionDenied("\(identity.systemID) may not submit to adapter \(adapter!)")
        }
        guard let region else { return }
        guard forAdapter.contains(where: { $0.regions.contains { region.hasPrefix($0) } }) else {
            throw .permissionDenied("\(identity.systemID) may not act for region \(region)")
        }
    }
}

/// Throws a decoding error naming the first key of the current object that is not in `allowed`.
public func rejectUnknownKeys(in decoder: any Decoder, allowed: [String]) throws {
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    let container = try decoder.container(keyedBy: AnyKey.self)
    for key in container.allKeys where !allowed.contains(key.stringValue) {
        throw DecodingError.dataCorrupted(
            .init(
                codingPath: decoder.codingPath + [key],
                debugDescription: "unknown key \"\(key.stringValue)\"; allowed: \(allowed.joined(separator: ", "))"))
    }
}

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What happened to a case that a forwarding route may send on (实时上报): the kinds of outbox rows.
public enum CaseChange: String, Sendable, Hashable, CaseIterable, Codable {
    /// A new case was stored.
    case created = "new-case"
    /// A higher revision of its source record corrected it.
    case revised = "revision"
    /// A lifecycle step was applied: a follow-up record, a handler's transition.
    case step = "lifecycle-step"
}

/// Which cases and changes one route forwards. Every list narrows the selection; an empty list selects all.
///
/// It is pure, so the store can evaluate it inside the transaction that stores the case: the outbox row and the
/// case commit together, or neither does.
public struct RouteSelector: Sendable, Hashable {
    /// The route's name, the outbox rows' `route`.
    public var route: String
    /// Source systems (the senders' certificate identities), as `fnmatch` patterns: `county-*`.
    public var sourceSystems: [String]
    /// Source adapter ids, as `fnmatch` patterns.
    public var adapters: [String]
    /// Case kinds.
    public var kinds: [CaseKind]
    /// Region code prefixes (行政区划代码): `5101` is Chengdu and everything in it.
    public var regionPrefixes: [String]
    /// Which changes; all when empty.
    public var changes: [CaseChange]

    public init(
        route: String, sourceSystems: [String] = [], adapters: [String] = [], kinds: [CaseKind] = [],
        regionPrefixes: [String] = [], changes: [CaseChange] = []
    ) {
        self.route = route
        self.sourceSystems = sourceSystems
        self.adapters = adapters
        self.kinds = kinds
        self.regionPrefixes = regionPrefixes
        self.changes = changes
    }

    /// Whether the route forwards `change` of `c`.
    public func selects(_ c: Case, change: CaseChange) -> Bool {
        (changes.isEmpty || changes.contains(change))
            && (kinds.isEmpty || kinds.contains(c.kind))
            && (regionPrefixes.isEmpty || regionPrefixes.contains { c.regionCode.hasPrefix($0) })
            && Self.matches(sourceSystems, c.source.sourceSystem)
            && Self.matches(adapters, c.source.adapterID)
    }

    static func matches(_ patterns: [String], _ value: String) -> Bool {
        patterns.isEmpty || patterns.contains { fnmatch($0, value, 0) == 0 }
    }
}

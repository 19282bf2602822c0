/// The cases a caller may read, by region-code prefix: a read drops every link to a case outside it, so reading a
/// case tells the caller nothing of cases it could not read itself (threat model, item 5).
public struct ReadScope: Sendable, Hashable {
    /// Region-code prefixes, e.g. `51` for all of Sichuan; a case whose region code starts with one is inside.
    public var regionPrefixes: [String]

    public init(regionPrefixes: [String]) { self.regionPrefixes = regionPrefixes }

    /// No case: a read shows no links. What a read gets when its caller names no scope.
    public static let nothing = ReadScope(regionPrefixes: [])

    /// Every case, for tools that read the whole store (never a caller's request).
    public static let everything = ReadScope(regionPrefixes: [""])

    /// Whether a case of `regionCode` is inside.
    public func contains(regionCode: String) -> Bool { regionPrefixes.contains { regionCode.hasPrefix($0) } }
}

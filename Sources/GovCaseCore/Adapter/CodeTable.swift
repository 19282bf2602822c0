import Foundation

/// Source codes mapped to core values, per named table (e.g. `channel`: `"1"` → `web`).
///
/// Provinces disagree on codes, so tables are data: an adapter ships its defaults as a JSON resource, and a
/// deployment overrides entries per source system. Core values are the raw values of the core enums.
public struct CodeTable: Sendable, Hashable, Codable {
    /// Table name → source code → core value.
    public var tables: [String: [String: String]]

    public init(_ tables: [String: [String: String]] = [:]) { self.tables = tables }

    /// Adds `other`'s codes, table by table; where both map a code, `other`'s value wins.
    public mutating func merge(_ other: CodeTable) {
        for (table, codes) in other.tables { tables[table, default: [:]].merge(codes) { _, given in given } }
    }

    /// Tables whose values are a deployment's own names, not core values: `routing` maps the three routes of a
    /// culture-and-tourism record (enforcement, complaint, designated) to the units a region names. Their keys
    /// are a closed set; their values are whatever a deployment calls its units.
    public static let namedValueTables: Set<String> = ["routing"]

    /// This table with `overrides` applied. An override names the codes a source system uses for a value, so
    /// within a table it replaces every default code for the values it maps (a province whose ID card is `31`
    /// does not also use the default `10`), and it replaces whatever its codes meant by default.
    public func overridden(by overrides: CodeTable) -> CodeTable {
        var merged = tables
        for (name, entries) in overrides.tables {
            let values = Set(entries.values)
            merged[name] = (merged[name] ?? [:]).filter { !values.contains($0.value) }.merging(entries) { $1 }
        }
        return CodeTable(merged)
    }

    /// The core value for `code` in `table`, or a violation of rule `unknown_code` (or `required` when the
    /// code is empty) at `field`. Never a guess.
    public func lookup<Value: CodeTableValue>(
        _ table: String, _ code: String, field: String, as type: Value.Type = Value.self
    ) -> Result<Value, FieldViolation> {
        if code.isEmpty { return .failure(FieldViolation(field: field, rule: .required, message: "is required")) }
        guard let name = tables[table]?[code], let value = Value(codeTableName: name) else {
            let known = (tables[table] ?? [:]).keys.sorted { ($0.count, $0) < ($1.count, $1) }.joined(separator: ", ")
            return .failure(
                FieldViolation(
                    field: field, rule: .unknownCode,
                    message: "\"\(code)\" is not a known \(table) code; known: \(known)"))
        }
        return .success(value)
    }

    /// The source code for a core value: the smallest code mapped to it, so rendering is deterministic.
    public func code<Value: CodeTableValue>(_ table: String, for value: Value) -> String? {
        (tables[table] ?? [:]).filter { $0.value == value.codeTableName }.keys.min {
            ($0.count, $0) < ($1.count, $1)
        }
    }
}

extension CodeTable {
    /// The table that holds a detail-code list (评价指标) of `version` (the record's `detail_version`): detail code
    /// → its label, as the platform publishes the list. Lists are a deployment's data (`code_overrides`); none
    /// ships, since no list has been published where we could read it.
    public static func detailListName(version: String) -> String { "\(detailListPrefix)\(version)" }

    /// The prefix of detail-list tables, whose values are labels rather than core values.
    public static let detailListPrefix = "detailItems."

    /// An adapter's shipped table from its bundle; a missing or broken resource is a build defect, so it traps.
    public static func shipped(_ url: URL?, adapter: String) -> CodeTable {
        guard let url, let table = try? CodeTable(json: Data(contentsOf: url)) else {
            fatalError("\(adapter): its code table is missing from its bundle or is not valid JSON")
        }
        return table
    }

    /// Reads a table from JSON: `{"<table>": {"<source code>": "<core value>"}}`.
    public init(json: Data) throws {
        self.init(try JSONDecoder().decode([String: [String: String]].self, from: json))
    }
}

/// An adapter's code table with overrides per source system, as a deployment configures them.
public struct CodeTables: Sendable, Hashable {
    /// The adapter's shipped defaults.
    public var defaults: CodeTable
    /// Overrides by source system id (the caller's certificate identity).
    public var overrides: [String: CodeTable]

    public init(defaults: CodeTable, overrides: [String: CodeTable] = [:]) {
        self.defaults = defaults
        self.overrides = overrides
    }

    /// The table in force for records from `sourceSystem`.
    public func table(for sourceSystem: String) -> CodeTable {
        overrides[sourceSystem].map(defaults.overridden(by:)) ?? defaults
    }
}

extension CodeTable {
    /// The source code for a core value when rendering; `""` for `nil`. A value the source has no code for is
    /// an `unknown_code` error at the core `field`: rendering never invents a code.
    public func renderCode<Value: CodeTableValue>(
        _ table: String, for value: Value?, field: String
    ) throws(CaseError) -> String {
        guard let value else { return "" }
        guard let code = code(table, for: value) else {
            throw CaseError.invalidArgument([
                FieldViolation(
                    field: field, rule: .unknownCode,
                    message: "the source has no \(table) code for \(value.codeTableName)")
            ])
        }
        return code
    }
}

/// A core value a code table can name: its name in the table is its Swift case name, e.g. `windowQRCode`.
public protocol CodeTableValue: Sendable {
    /// The value named `name`, or `nil`.
    init?(codeTableName name: String)
    /// The value's name in code tables.
    var codeTableName: String { get }
}

extension CodeTableValue where Self: RawRepresentable<String> {
    public init?(codeTableName name: String) { self.init(rawValue: name) }
    public var codeTableName: String { rawValue }
}

extension SatisfactionLevel: CodeTableValue {
    public init?(codeTableName name: String) {
        guard let level = Self.allCases.first(where: { $0.codeTableName == name }) else { return nil }
        self = level
    }

    public var codeTableName: String {
        switch self {
        case .veryDissatisfied: "veryDissatisfied"
        case .dissatisfied: "dissatisfied"
        case .basicallySatisfied: "basicallySatisfied"
        case .satisfied: "satisfied"
        case .verySatisfied: "verySatisfied"
        }
    }
}

extension CaseKind: CodeTableValue {}
extension Channel: CodeTableValue {}
extension PartyKind: CodeTableValue {}
extension IdentityDocumentType: CodeTableValue {}
extension EvaluationOrigin: CodeTableValue {}
extension BadReviewOutcome: CodeTableValue {}
extension NotAdoptedReason: CodeTableValue {}
extension AppealDecision: CodeTableValue {}
extension FeedbackMethod: CodeTableValue {}
extension RequestOutcome: CodeTableValue {}
extension Urgency: CodeTableValue {}
extension LifecycleActionKind: CodeTableValue {}
extension ReviewResult: CodeTableValue {}

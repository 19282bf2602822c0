import Foundation

/// Reads a source record's fields into core values while collecting every violation, so an adapter
/// reports all problems of a record at once and never guesses a missing or unknown value.
public struct RecordReader: Sendable {
    /// The code table in force for this record's source system.
    public let codes: CodeTable
    /// Violations found so far, in reading order.
    public private(set) var violations: [FieldViolation] = []

    public init(codes: CodeTable) { self.codes = codes }

    /// Records a violation.
    public mutating func report(_ violation: FieldViolation) { violations.append(violation) }

    /// The value, or a `required` violation at `field` when it is blank.
    @discardableResult
    public mutating func required(_ value: String, at field: String) -> String {
        if value.allSatisfy(\.isWhitespace) {
            report(FieldViolation(field: field, rule: .required, message: "is required"))
        }
        return value
    }

    /// The value, or a `required` violation at `field` when it is `nil`.
    public mutating func required<T>(_ value: T?, at field: String) -> T? {
        if value == nil { report(FieldViolation(field: field, rule: .required, message: "is required")) }
        return value
    }

    /// A source revision; revisions start at 1, so 0 (proto3's "unset") is a `required` violation.
    public mutating func revision(_ revision: UInt64, at field: String = "revision") {
        if revision == 0 { report(FieldViolation(field: field, rule: .required, message: "starts at 1")) }
    }

    /// The core value of a source code, or a violation (`required` or `unknown_code`) at `field`.
    public mutating func code<Value: CodeTableValue>(
        _ table: String, _ code: String, at field: String, as type: Value.Type = Value.self
    ) -> Value? {
        switch codes.lookup(table, code, field: field, as: type) {
        case .success(let value): return value
        case .failure(let violation):
            report(violation)
            return nil
        }
    }

    /// Like `code(_:_:at:)`, but an empty code means "not given" rather than a violation.
    public mutating func optionalCode<Value: CodeTableValue>(
        _ table: String, _ code: String, at field: String, as type: Value.Type = Value.self
    ) -> Value? {
        code.isEmpty ? nil : self.code(table, code, at: field, as: type)
    }

    /// A level 1–5, or a violation (`required` for 0 when required, `level` outside 1–5) at `field`.
    public mutating func level(_ raw: Int, at field: String, required: Bool = true) -> SatisfactionLevel? {
        if raw == 0 {
            if required { report(FieldViolation(field: field, rule: .required, message: "is required")) }
            return nil
        }
        switch SatisfactionLevel.parse(raw, field: field) {
        case .success(let level): return level
        case .failure(let violation):
            report(violation)
            return nil
        }
    }

    /// Checks detail item codes against the detail-code list of their version (table
    /// `CodeTable.detailListName(version:)`) when the deployment has loaded that list: a code not in it is
    /// `unknown_code` at `field[i]`. Without a version, or without its list, only the core's level rule applies.
    /// A field already reported is not reported again.
    public mutating func checkDetailItems(_ items: [String], version: String, at field: String) {
        guard !version.isEmpty, let list = codes.tables[CodeTable.detailListName(version: version)] else { return }
        let reported = Set(violations.map(\.field))
        for (index, item) in items.enumerated() where list[item] == nil && !reported.contains("\(field)[\(index)]") {
            let known = list.keys.sorted { ($0.count, $0) < ($1.count, $1) }.joined(separator: ", ")
            report(
                FieldViolation(
                    field: "\(field)[\(index)]", rule: .unknownCode,
                    message: "\"\(item)\" is not in detail list \(version) (评价指标版本); its codes: \(known)"))
        }
    }

    /// Adds the core validator's violations for `c`, renamed to the source's field paths by `paths`.
    public mutating func validate(_ c: Case, with validator: CaseValidator, paths: FieldPathMap) {
        report(validator.violations(in: c), renamedBy: paths)
    }

    /// Adds core violations (of a case or an action) renamed to the source's field paths by `paths`,
    /// skipping fields already reported while reading: one problem, one violation.
    public mutating func report(_ coreViolations: [FieldViolation], renamedBy paths: FieldPathMap) {
        var reported = Set(violations.map(\.field))
        for violation in coreViolations {
            var renamed = violation
            renamed.field = paths.sourcePath(for: violation.field)
            if reported.insert(renamed.field).inserted { report(renamed) }
        }
    }
}

/// Renames core field paths (e.g. `requester.phone`) to a source record's paths (e.g. `evaluator.phone`),
/// by the longest matching prefix, so a sender sees the names of the message it sent.
public struct FieldPathMap: Sendable {
    /// Core path prefix → source path prefix.
    public var prefixes: [String: String]

    public init(_ prefixes: [String: String]) { self.prefixes = prefixes }

    /// The source path for a core path; unmapped paths are returned as `case.<core path>`.
    public func sourcePath(for corePath: String) -> String {
        var candidate = Substring(corePath)
        while true {
            if let source = prefixes[String(candidate)] { return source + corePath.dropFirst(candidate.count) }
            guard let dot = candidate.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            candidate = candidate[..<dot]
        }
        return "case." + corePath
    }
}

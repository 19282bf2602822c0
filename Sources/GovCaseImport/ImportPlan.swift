import Foundation

/// A mapping checked against a file's header and the contracts: for each position of the header, the field its
/// cells fill and how; built before the first row, so that a missing or unknown column stops the import there.
public struct ImportPlan: Sendable {
    struct Slot: Sendable {
        var header: String
        var field: String
        var kind: FieldKind
        var codes: [String: String]
        var separator: String
    }

    public let mapping: ColumnMapping
    /// The header as read (trimmed).
    public let header: [String]
    let slots: [Slot?]
    let defaults: [(field: String, kind: FieldKind, value: String)]

    /// Checks `header` against `mapping`: every required column present, every column known, every field path a
    /// field of the record type. The error names the column and the mapping line.
    public init(mapping: ColumnMapping, header rawHeader: [String], schema: FieldSchema) throws {
        self.mapping = mapping
        let origin = mapping.origin
        guard schema.hasMessage(mapping.recordType) else {
            throw ImportError("\(origin): record_type \(mapping.recordType) is not a message of the contracts")
        }
        header = rawHeader.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        var kinds: [String: FieldKind] = [:]
        for column in mapping.columns {
            guard let field = column.field else { continue }
            switch schema.kind(of: field, in: mapping.recordType) {
            case .success(let kind): kinds[column.header] = kind
            case .failure(let error):
                throw ImportError("\(origin), line \(column.line): column \(column.header): \(error.description)")
            }
        }
        var seen: [String: Int] = [:]
        var slots: [Slot?] = []
        for (position, name) in header.enumerated() {
            if let earlier = seen[name] {
                throw ImportError(
                    "the file's header has column \(name.isEmpty ? "(empty)" : name) twice (columns \(earlier + 1) and \(position + 1))")
            }
            seen[name] = position
            guard let column = mapping.columns.first(where: { $0.header == name }) else {
                if name.isEmpty {
                    throw ImportError(
                        "column \(position + 1) of the file's header has no name; add it to \(origin) or remove it")
                }
                throw ImportError(
                    "column \(name) (column \(position + 1) of the file's header) is not in \(origin) (columns: on line \(mapping.columnsLine)): map it to a field or add `\(name): ignore`")
            }
            slots.append(
                column.field.map {
                    Slot(header: name, field: $0, kind: kinds[name]!, codes: column.codes, separator: column.separator)
                })
        }
        for column in mapping.columns where column.required && seen[column.header] == nil {
            throw ImportError(
                "required column \(column.header) (\(origin), line \(column.line)) is not in the file's header: \(header.joined(separator: ","))")
        }
        var defaults: [(String, FieldKind, String)] = []
        for entry in mapping.defaults {
            switch schema.kind(of: entry.field, in: mapping.recordType) {
            case .success(let kind): defaults.append((entry.field, kind, entry.value))
            case .failure(let error): throw ImportError("\(origin), line \(entry.line): defaults: \(error.description)")
            }
        }
        self.slots = slots
        self.defaults = defaults
    }

    /// The column a record field path belongs to (for a gateway's violation): the column of that field, or of a
    /// field under it, or above it; empty when none.
    public func column(forField path: String) -> String {
        let mapped = slots.compactMap { $0 }
        if let exact = mapped.first(where: { $0.field == path }) { return exact.header }
        if let under = mapped.first(where: { $0.field.hasPrefix(path + ".") }) { return under.header }
        if let above = mapped.filter({ path.hasPrefix($0.field + ".") }).max(by: { $0.field.count < $1.field.count }) {
            return above.header
        }
        if let absent = mapping.columns.first(where: { $0.field == path }) {
            return "\(absent.header) (not in the file)"
        }
        return ""
    }

    /// A row's record in protobuf JSON (proto field names), or the first problem with one of its cells.
    public func json(for row: SourceRow, encoding: TextEncoding) -> Result<[String: Any], RowProblem> {
        if let problem = row.problem { return .failure(problem) }
        if row.cells.count != slots.count {
            return .failure(
                RowProblem(
                    rule: "csv.field_count",
                    message: "the row has \(row.cells.count) field(s), the header \(slots.count) (a line break outside quotes, or a stray comma?)"
                ))
        }
        var object: [String: Any] = [:]
        var given = Set<String>()
        for (position, (slot, cell)) in zip(slots, row.cells).enumerated() {
            guard let slot else { continue }
            let text: String
            switch encoding.decode(cell) {
            case .success(let decoded):
                // A CSV row (a sheet's rows have no byte offset): the apostrophe `govcase export` puts before a
                // formula character is not part of the value.
                let cell = row.byteOffset == nil ? decoded : CSVFormulaGuard.unguarded(decoded)
                text = cell.trimmingCharacters(in: .whitespacesAndNewlines)
            case .failure(let failure):
                var message = failure.summary
                if let absolute = row.byteOffset(cell: position, at: failure.offset) {
                    message += " at byte offset \(absolute)"
                }
                return .failure(RowProblem(column: slot.header, field: slot.field, rule: "encoding", message: message))
            }
            if text.isEmpty { continue }
            switch Self.value(text, kind: slot.kind, codes: slot.codes, separator: slot.separator) {
            case .success(let value):
                Self.set(value, at: slot.field, in: &object)
                given.insert(slot.field)
            case .failure(let problem):
                return .failure(RowProblem(column: slot.header, field: slot.field, rule: problem.rule, message: problem.message))
            }
        }
        for entry in defaults where !given.contains(entry.field) {
            if case .success(let value) = Self.value(entry.value, kind: entry.kind, codes: [:], separator: "/") {
                Self.set(value, at: entry.field, in: &object)
            }
        }
        return .success(object)
    }

    static func set(_ value: Any, at path: String, in object: inout [String: Any]) {
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 1 {
            object[parts[0]] = value
            return
        }
        var inner = object[parts[0]] as? [String: Any] ?? [:]
        set(value, at: parts[1], in: &inner)
        object[parts[0]] = inner
    }

    /// A cell's text as the JSON value of a field of `kind`.
    static func value(
        _ text: String, kind: FieldKind, codes: [String: String], separator: String
    ) -> Result<Any, RowProblem> {
        switch kind {
        case .text, .enumeration: return .success(codes[text] ?? text)
        case .textList:
            return .success(
                text.components(separatedBy: separator).map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty }.map { codes[$0] ?? $0 })
        case .bool:
            switch (codes[text] ?? text).lowercased() {
            case "是", "true", "1", "y", "yes", "有", "实名": return .success(true)
            case "否", "false", "0", "n", "no", "无", "匿名": return .success(false)
            default: return .failure(RowProblem(rule: "format.bool", message: "\(text) is not 是 or 否"))
            }
        case .integer:
            let code = codes[text] ?? text
            guard !code.isEmpty, code.allSatisfy({ $0.isASCII && $0.isNumber }) || (code.first == "-" && code.dropFirst().allSatisfy { $0.isASCII && $0.isNumber }) else {
                return .failure(RowProblem(rule: "format.integer", message: "\(text) is not a whole number"))
            }
            return .success(code)
        case .number:
            guard let number = Double(codes[text] ?? text), number.isFinite else {
                return .failure(RowProblem(rule: "format.number", message: "\(text) is not a number"))
            }
            return .success(number)
        case .timestamp:
            guard let date = ChinaTime.parse(text) else {
                return .failure(
                    RowProblem(
                        rule: "format.time",
                        message: "\(text) is not a time (2024-05-06 09:12:00 or 2024/5/6 9:12, China time, or RFC 3339)"))
            }
            return .success(ChinaTime.rfc3339UTC(date))
        }
    }
}

import Foundation

/// The columns of an exported file: a column mapping read the other way, so that a file one gateway exports with a
/// mapping is a file another imports with the same mapping.
///
/// Each column with a field gets that field of the rendered source record; an ignored column is left out. A code
/// is written as its label (`2` → 投诉); where several labels give one code, the shortest is written, and between
/// labels of one length the first in Unicode order (`5` → 建议, not 意见建议). Times are written in China time
/// (`2024-05-06 09:12:00`, with the record's fraction of a second if it has one), booleans as 是 or 否, lists joined
/// by the column's separator.
public struct ExportColumns: Sendable {
    struct Column: Sendable {
        var field: String
        var kind: FieldKind
        /// Code → the label written.
        var labels: [String: String]
        var separator: String
    }

    /// The header row, in the mapping's order.
    public let headers: [String]
    private let columns: [Column]

    public init(mapping: ColumnMapping, schema: FieldSchema) throws {
        var headers: [String] = []
        var columns: [Column] = []
        for column in mapping.columns {
            guard let field = column.field else { continue }
            let kind: FieldKind
            switch schema.kind(of: field, in: mapping.recordType) {
            case .success(let found): kind = found
            case .failure(let error): throw ImportError("\(mapping.origin), line \(column.line): \(error.description)")
            }
            var labels: [String: String] = [:]
            for (label, code) in column.codes {
                if let chosen = labels[code], (chosen.count, chosen) <= (label.count, label) { continue }
                labels[code] = label
            }
            headers.append(column.header)
            columns.append(Column(field: field, kind: kind, labels: labels, separator: column.separator))
        }
        self.headers = headers
        self.columns = columns
    }

    /// One row's cells from a source record as protobuf JSON with proto field names (`caller.phone`).
    public func cells(of record: [String: Any]) -> [String] {
        columns.map { column in
            guard let value = Self.value(at: column.field, in: record) else { return "" }
            return Self.text(value, column)
        }
    }

    static func value(at path: String, in object: [String: Any]) -> Any? {
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        guard let value = object[parts[0]] else { return nil }
        guard parts.count == 2 else { return value }
        return (value as? [String: Any]).flatMap { Self.value(at: parts[1], in: $0) }
    }

    static func text(_ value: Any, _ column: Column) -> String {
        func scalar(_ value: Any) -> String {
            switch value {
            case let text as String: return column.labels[text] ?? text
            case let flag as Bool: return flag ? "是" : "否"
            case let number as NSNumber:
                let double = number.doubleValue
                let text =
                    double == double.rounded() && abs(double) < 1e15 ? String(Int64(double)) : String(double)
                return column.labels[text] ?? text
            default: return "\(value)"
            }
        }
        switch column.kind {
        case .timestamp:
            guard let text = value as? String, let date = ChinaTime.parse(text) else { return scalar(value) }
            // Fractions of a second as the record has them (protobuf JSON writes 3, 6 or 9 digits): the file must
            // give back the same record.
            let fraction = text.firstMatch(of: /\.[0-9]+/).map { String($0.output) } ?? ""
            return ChinaTime.format(Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))) + fraction
        case .bool:
            if let flag = value as? Bool { return flag ? "是" : "否" }
            return scalar(value)
        case .textList:
            return (value as? [Any] ?? [value]).map(scalar).joined(separator: column.separator)
        case .text, .integer, .number, .enumeration:
            return scalar(value)
        }
    }
}

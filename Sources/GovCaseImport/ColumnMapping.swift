import Foundation
import Yams

/// How a file's columns become a source record: the adapter, the record type, each header's field path and
/// code table, the columns a file must have, and the values every record gets.
///
/// ```yaml
/// adapter: hotline-12345
/// record_type: govcase.sources.hotline12345.v1.WorkOrder
/// columns:
///   工单编号: { field: order_id, required: true }
///   诉求类型: { field: request_kind, codes: { 投诉: "2", 咨询: "3" } }
///   联系电话: caller.phone
///   序号: ignore
/// defaults:            # fields every record gets unless a column gives them
///   revision: 1
/// ```
public struct ColumnMapping: Sendable {
    /// One column of the mapping.
    public struct Column: Sendable, Equatable {
        /// The header as the file has it (compared after trimming spaces).
        public var header: String
        /// The field path in the record; nil for an ignored column.
        public var field: String?
        /// Cell text → the platform's code (the cell may also hold the code itself).
        public var codes: [String: String]
        /// Whether the file must have the column.
        public var required: Bool
        /// For a list field, what separates the items in a cell.
        public var separator: String
        /// The line of the mapping that defines it.
        public var line: Int
    }

    /// The adapter records are sent to.
    public var adapter: String
    /// The source message type, fully qualified.
    public var recordType: String
    /// The columns, in the mapping's order.
    public var columns: [Column]
    /// Field path → value, for every record, unless a column gives the field a value.
    public var defaults: [(field: String, value: String, line: Int)]
    /// Where the mapping comes from: a file's path, or "built-in mapping for <adapter>".
    public var origin: String
    /// The line of `columns:`.
    public var columnsLine: Int

    /// Parses a mapping; an error names the line and the key.
    public static func parse(yaml: String, origin: String) throws -> ColumnMapping {
        func fail(_ line: Int?, _ message: String) -> ImportError {
            ImportError("\(origin)\(line.map { ", line \($0)" } ?? ""): \(message)")
        }
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch { throw fail(nil, "not YAML: \(error)") }
        guard let top = root?.mapping else { throw fail(1, "a mapping is a YAML map (adapter, record_type, columns)") }
        var adapter: String?
        var recordType: String?
        var columns: [Column] = []
        var defaults: [(String, String, Int)] = []
        var columnsLine = 1
        for (key, value) in top {
            let line = (key.mark?.line ?? 0)
            switch key.string ?? "" {
            case "adapter": adapter = value.string
            case "record_type": recordType = value.string
            case "defaults":
                guard let map = value.mapping else { throw fail(line, "defaults: a map of field path → value") }
                for (k, v) in map {
                    guard let field = k.string, let text = v.string else {
                        throw fail(k.mark?.line, "defaults: each value is a scalar")
                    }
                    defaults.append((field, text, k.mark?.line ?? line))
                }
            case "columns":
                columnsLine = line
                guard let map = value.mapping else { throw fail(line, "columns: a map of header → field") }
                for (k, v) in map {
                    let l = k.mark?.line ?? line
                    guard let header = k.string?.trimmingCharacters(in: .whitespaces), !header.isEmpty else {
                        throw fail(l, "columns: a header is a non-empty string")
                    }
                    if columns.contains(where: { $0.header == header }) {
                        throw fail(l, "column \(header) is mapped twice")
                    }
                    var column = Column(header: header, field: nil, codes: [:], required: false, separator: "/", line: l)
                    if let text = v.string {
                        column.field = text == "ignore" ? nil : text
                    } else if let spec = v.mapping {
                        for (sk, sv) in spec {
                            switch sk.string ?? "" {
                            case "field": column.field = sv.string
                            case "required": column.required = sv.string == "true"
                            case "separator": column.separator = sv.string ?? "/"
                            case "ignore": if sv.string == "true" { column.field = nil }
                            case "codes":
                                guard let codes = sv.mapping else {
                                    throw fail(sk.mark?.line, "column \(header): codes is a map of cell text → code")
                                }
                                for (ck, cv) in codes {
                                    guard let text = ck.string, let code = cv.string else {
                                        throw fail(ck.mark?.line, "column \(header): codes: scalars only")
                                    }
                                    column.codes[text] = code
                                }
                            case let other:
                                throw fail(
                                    sk.mark?.line,
                                    "column \(header): unknown key \(other) (field, required, codes, separator, ignore)")
                            }
                        }
                        if column.field == nil, spec.keys.contains(where: { $0.string == "field" }) {
                            throw fail(l, "column \(header): field is a string")
                        }
                    } else {
                        throw fail(l, "column \(header): a field path, `ignore`, or { field: …, codes: … }")
                    }
                    columns.append(column)
                }
            case let other:
                throw fail(line, "unknown key \(other) (adapter, record_type, columns, defaults)")
            }
        }
        guard let adapter, !adapter.isEmpty else { throw fail(nil, "adapter is required") }
        guard let recordType, !recordType.isEmpty else { throw fail(nil, "record_type is required") }
        guard !columns.isEmpty else { throw fail(nil, "columns is required") }
        return ColumnMapping(
            adapter: adapter, recordType: recordType, columns: columns, defaults: defaults, origin: origin,
            columnsLine: columnsLine)
    }

    /// The mapping shipped for `adapter`, if there is one (Resources/mappings/<adapter>.yaml).
    public static func builtIn(adapter: String) throws -> ColumnMapping? {
        guard let url = builtInURL(adapter: adapter) else { return nil }
        return try parse(yaml: try String(contentsOf: url, encoding: .utf8), origin: "built-in mapping for \(adapter)")
    }

    /// The shipped mappings' adapters.
    public static var builtInAdapters: [String] {
        guard let folder = Bundle.module.url(forResource: "mappings", withExtension: nil),
            let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        else { return [] }
        return names.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// The file of the shipped mapping for `adapter`.
    public static func builtInURL(adapter: String) -> URL? {
        Bundle.module.url(forResource: "mappings", withExtension: nil)?.appendingPathComponent("\(adapter).yaml")
            .resolvingSymlinksInPath()
            .absoluteURL
            .standardizedFileURL
            .existing
    }
}

extension URL {
    fileprivate var existing: URL? { FileManager.default.fileExists(atPath: path) ? self : nil }
}

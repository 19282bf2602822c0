import Foundation

/// The reject file beside the input (`<name>.rejects.csv`), in the input's encoding: one line per problem of a bad
/// row, with the row's line, byte offset, column, field path, rule, message and the raw row exactly as it was
/// (its bytes copied, a bad byte included, so nothing is lost).
public final class RejectWriter {
    /// The columns of the reject file.
    public static let header = ["line", "byte_offset", "column", "field", "rule", "message", "raw_row"]

    /// Where it is written.
    public let path: String
    private let encoding: TextEncoding
    private var handle: FileHandle?
    private var buffer: [UInt8] = []
    private let bom: Bool
    /// Lines written (problems), and rows they are about.
    public private(set) var lines = 0

    /// `<dir>/<name>.rejects.csv` for `<dir>/<name>.<ext>`.
    public static func path(beside input: String) -> String {
        let url = URL(fileURLWithPath: input)
        return url.deletingPathExtension().path + ".rejects.csv"
    }

    /// A writer for `path`, created at the first reject (a run with none leaves no file, and removes an old one).
    public init(path: String, encoding: TextEncoding, bom: Bool) {
        self.path = path
        self.encoding = encoding
        self.bom = bom
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes the problems of one row (one line each).
    public func write(row: SourceRow, problems: [RowProblem]) throws {
        if handle == nil { try open() }
        for problem in problems {
            let fields: [[UInt8]] = [
                encoding.encode(String(row.line)), encoding.encode(row.byteOffset.map(String.init) ?? ""),
                encoding.encode(problem.column), encoding.encode(problem.field), encoding.encode(problem.rule),
                encoding.encode(problem.message), row.raw,
            ]
            // The raw row and the messages carry what the file's author wrote: guarded as an export's cells are.
            buffer += CSVLine.bytes(fields.map(CSVFormulaGuard.guarded(bytes:)))
            lines += 1
        }
        if buffer.count > 1 << 16 { try flush() }
    }

    private func open() throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw ImportError("cannot write the reject file \(path)")
        }
        handle = FileHandle(forWritingAtPath: path)
        if bom { buffer += [0xEF, 0xBB, 0xBF] }
        buffer += CSVLine.bytes(Self.header.map { encoding.encode($0) })
    }

    /// Writes what is buffered.
    public func flush() throws {
        guard let handle, !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes; true when the file exists (there were rejects).
    @discardableResult
    public func close() throws -> Bool {
        try flush()
        try handle?.synchronize()
        try handle?.close()
        defer { handle = nil }
        return handle != nil
    }
}

/// A CSV line from encoded fields: a field with a comma, quote, CR or LF is quoted, quotes doubled; CRLF ends it
/// (as Excel writes). Working on bytes keeps any encoding's text as it is.
public enum CSVLine {
    public static func bytes(_ fields: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for (n, field) in fields.enumerated() {
            if n > 0 { out.append(0x2C) }
            if field.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }) {
                out.append(0x22)
                for b in field {
                    if b == 0x22 { out.append(0x22) }
                    out.append(b)
                }
                out.append(0x22)
            } else {
                out += field
            }
        }
        return out + [0x0D, 0x0A]
    }
}

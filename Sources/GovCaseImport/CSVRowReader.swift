import Foundation

/// RFC 4180 CSV read as a stream of bytes: quoted fields with commas, doubled quotes and line breaks, CRLF or LF.
///
/// Fields are split on bytes before any decoding. That is safe for UTF-8 and for GB18030, whose multi-byte
/// sequences never contain `,` `"` CR or LF (their trail bytes are 0x30–0x39, 0x40–0x7E or 0x80–0xFE), and it is
/// what lets one bad byte reject its row only. Memory is one chunk and one row, whatever the file's size; a row
/// over `maxRowBytes` is reported (`csv.size`) and skipped.
public final class CSVRowReader: RowReader {
    public let cellEncoding: TextEncoding
    private let handle: FileHandle
    private let total: Int
    private let chunkSize: Int
    private let maxRowBytes: Int
    private var buffer: [UInt8] = []
    private var position = 0
    private var fileOffset = 0  // offset in the file of buffer[0]
    private var line = 1
    private var atEnd = false
    private var skipLF = false

    /// Opens `path`; a UTF-8 BOM at its start is skipped.
    public init(path: String, encoding: TextEncoding, chunkSize: Int = 1 << 16, maxRowBytes: Int = 1 << 20) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ImportError("cannot open \(path)")
        }
        self.handle = handle
        self.cellEncoding = encoding
        self.chunkSize = chunkSize
        self.maxRowBytes = maxRowBytes
        total = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        if fill(), buffer.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    deinit { try? handle.close() }

    public var progress: (read: Int, total: Int) { (fileOffset + position, total) }
    public var progressUnit: String { "bytes" }

    /// Reads more bytes into the buffer, dropping those already consumed; false at the end of the file.
    private func fill() -> Bool {
        if atEnd { return false }
        if position > 0 {
            buffer.removeFirst(position)
            fileOffset += position
            position = 0
        }
        guard let data = try? handle.read(upToCount: chunkSize), !data.isEmpty else {
            atEnd = true
            return false
        }
        buffer.append(contentsOf: data)
        return true
    }

    private func nextByte() -> UInt8? {
        if position == buffer.count, !fill() { return nil }
        defer { position += 1 }
        return buffer[position]
    }

    public func next() throws -> SourceRow? {
        enum State { case fieldStart, unquoted, quoted, quoteInQuoted }
        while true {
            if skipLF {
                skipLF = false
                if position == buffer.count { _ = fill() }
                if position < buffer.count, buffer[position] == 0x0A { position += 1 }
            }
            if position == buffer.count, !fill() { return nil }
            let start = fileOffset + position
            let startLine = line
            var raw: [UInt8] = []
            var fields: [[UInt8]] = []
            var field: [UInt8] = []
            var offsets: [Int] = []
            var fieldStart = 0
            var state = State.fieldStart
            var tooLarge = false
            var quoteOpenedOn = 0
            var ended = false
            while let b = nextByte() {
                if b == 0x0D || b == 0x0A, state != .quoted {
                    if b == 0x0D { skipLF = true }
                    line += 1
                    ended = true
                    break
                }
                if !tooLarge {
                    raw.append(b)
                    if raw.count > maxRowBytes { tooLarge = true }
                }
                switch state {
                case .fieldStart:
                    if b == 0x22 {
                        state = .quoted
                        quoteOpenedOn = line
                        fieldStart = raw.count
                    } else if b == 0x2C {
                        fields.append([])
                        offsets.append(fieldStart)
                        fieldStart = raw.count
                    } else {
                        if !tooLarge { field.append(b) }
                        state = .unquoted
                    }
                case .unquoted:
                    if b == 0x2C {
                        fields.append(field)
                        offsets.append(fieldStart)
                        fieldStart = raw.count
                        field = []
                        state = .fieldStart
                    } else if !tooLarge {
                        field.append(b)
                    }
                case .quoted:
                    if b == 0x22 {
                        state = .quoteInQuoted
                    } else {
                        if b == 0x0A { line += 1 }
                        if !tooLarge { field.append(b) }
                    }
                case .quoteInQuoted:
                    if b == 0x22 {
                        if !tooLarge { field.append(b) }
                        state = .quoted
                    } else if b == 0x2C {
                        fields.append(field)
                        offsets.append(fieldStart)
                        fieldStart = raw.count
                        field = []
                        state = .fieldStart
                    } else {  // `"abc"def`: kept as written
                        if !tooLarge { field.append(b) }
                        state = .unquoted
                    }
                }
            }
            fields.append(field)
            offsets.append(fieldStart)
            if raw.isEmpty, fields.count == 1, !tooLarge {  // a blank line
                if ended { continue }
                return nil
            }
            var row = SourceRow(line: startLine, byteOffset: start, cells: fields.map { $0[...] }, raw: raw)
            row.cellOffsets = offsets
            if tooLarge {
                row.cells = []
                row.problem = RowProblem(
                    rule: "csv.size", message: "the row is larger than \(maxRowBytes) bytes (a quote left open?)")
            } else if state == .quoted {
                row.problem = RowProblem(
                    rule: "csv.quote", message: "a quoted field opened on line \(quoteOpenedOn) is never closed")
            }
            return row
        }
    }
}

/// A problem that stops the import before its first row (or ends it): a message naming what is wrong.
public struct ImportError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

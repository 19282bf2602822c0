/// One row of a data file as read, before its cells are decoded: where it is, its cells, and its raw text.
public struct SourceRow: Sendable {
    /// The line it starts on, from 1 (the header is line 1); for a sheet, its row number.
    public var line: Int
    /// Offset of its first byte in the file, from 0; nil for a sheet.
    public var byteOffset: Int?
    /// Its cells: raw bytes of a CSV field, or a sheet cell's text as UTF-8.
    public var cells: [ArraySlice<UInt8>]
    /// The row as it is in the file, without its line break (for a sheet: its cells as a CSV line in UTF-8).
    public var raw: [UInt8]
    /// Where each cell's text starts in `raw` (after an opening quote); empty for a sheet.
    public var cellOffsets: [Int] = []
    /// Why the row could not be read whole (an unterminated quote, a row too large), if it could not.
    public var problem: RowProblem?

    /// The offset in the file of a cell's `index`-th byte of text (a doubled quote counts once), if known.
    public func byteOffset(cell: Int, at index: Int) -> Int? {
        guard let byteOffset, cell < cellOffsets.count else { return nil }
        var position = cellOffsets[cell]
        var counted = 0
        while counted < index, position < raw.count {
            position += raw[position] == 0x22 && position + 1 < raw.count && raw[position + 1] == 0x22 ? 2 : 1
            counted += 1
        }
        return byteOffset + position
    }

    public init(
        line: Int, byteOffset: Int?, cells: [ArraySlice<UInt8>], raw: [UInt8], problem: RowProblem? = nil
    ) {
        self.line = line
        self.byteOffset = byteOffset
        self.cells = cells
        self.raw = raw
        self.problem = problem
    }
}

/// Why a row is rejected: the column and field it is about (when one), the rule it broke and a message.
public struct RowProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The column's header, as in the file; empty when the row as a whole is at fault.
    public var column: String
    /// The field path in the source record (`caller.phone`); empty when no field is concerned.
    public var field: String
    /// The rule: `encoding`, `csv.quote`, `csv.size`, `csv.field_count`, `format.time`, … or the gateway's.
    public var rule: String
    /// What a person reads.
    public var message: String

        public init(column: String = "", field: String = "", rule: String, message: String) {
        self.column = column
        self.field = field
        self.rule = rule
        self.message = message
    }

    public var description: String {
        [column, field, rule, message].filter { !$0.isEmpty }.joined(separator: ": ")
    }
}

/// Rows of a data file, one at a time: a CSV file or a sheet of an `.xlsx` workbook.
public protocol RowReader: AnyObject {
    /// The next row; nil at the end.
    func next() throws -> SourceRow?
    /// How far the reading is, in `progressUnit`s, and how far it goes (0 when unknown).
    var progress: (read: Int, total: Int) { get }
    /// `bytes` for a CSV file, `rows` for a sheet.
    var progressUnit: String { get }
    /// The cells' encoding (`.utf8` for a sheet).
    var cellEncoding: TextEncoding { get }
}

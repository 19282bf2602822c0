/// Cells a spreadsheet would run as a formula (CSV injection): Excel and LibreOffice evaluate a CSV field that
/// begins with `=`, `+`, `-` or `@` (and a tab or carriage return before one), so a citizen's 诉求内容 written as
/// `=HYPERLINK(…)` would become a live link, or worse, on the desk of whoever opens the weekly file. `govcase
/// export` writes such a cell with a leading apostrophe, so the spreadsheet shows it as text; `govcase import`
/// removes it again, so a file goes out and comes back unchanged. A cell that itself begins with an
/// apostrophe before one of those characters gets a second apostrophe, so the round trip stays exact.
///
/// The apostrophe stays visible where a spreadsheet opens the CSV file (it is part of the cell's text there, not
/// Excel's typed-in text marker), so a reader sees `'=HYPERLINK(…)` as the text it is.
///
/// Workbooks need none of this: their cells are typed, and `govcase export` writes text cells as text.
public enum CSVFormulaGuard {
    static let triggers: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// The cell as written to a CSV file.
    public static func guarded(_ cell: String) -> String {
        needsGuard(cell) ? "'" + cell : cell
    }

    /// A field's bytes (UTF-8 or GB18030, where these characters are the same single bytes) as written to a CSV file.
    public static func guarded(bytes field: [UInt8]) -> [UInt8] {
        let start = field.firstIndex { $0 != UInt8(ascii: "'") } ?? field.endIndex
        guard start < field.endIndex, triggerBytes.contains(field[start]) else { return field }
        return [UInt8(ascii: "'")] + field
    }

    static let triggerBytes: Set<UInt8> = Set(triggers.map { UInt8($0.value) })

    /// The cell as read from a CSV file: one leading apostrophe before a formula character removed.
    public static func unguarded(_ cell: String) -> String {
        var scalars = cell.unicodeScalars[...]
        guard scalars.first == "'" else { return cell }
        scalars = scalars.dropFirst()
        return needsGuard(String(scalars)) ? String(scalars) : cell
    }

    /// Whether a spreadsheet would take `cell` as a formula, or `cell` looks like one already guarded.
    static func needsGuard(_ cell: String) -> Bool {
        var scalars = cell.unicodeScalars[...]
        while scalars.first == "'" { scalars = scalars.dropFirst() }
        return scalars.first.map(triggers.contains) ?? false
    }
}

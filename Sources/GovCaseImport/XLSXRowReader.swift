import Foundation
import ZIPFoundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The rows of one sheet of an `.xlsx` workbook, read as a stream: the sheet's XML is unpacked to a temporary file
/// and parsed by an event-driven parser on a thread of its own, handing rows over through a short queue, so memory
/// holds a few rows and the shared strings, never the sheet. Shared strings are resolved, numbers written as Excel
/// shows them (13800138000, not 1.38E+10), and cells with a date format turned from serial numbers into
/// `2024-05-06 09:12:00`, which the import reads as China time.
public final class XLSXRowReader: RowReader {
    public let cellEncoding = TextEncoding.utf8
    public var progressUnit: String { "rows" }
    /// The sheet read, by name.
    public let sheetName: String
    private let queue = RowQueue(capacity: 512)
    private let temporary: URL
    private var lastRow = 0
    private let thread: Thread

    /// Opens `path` and starts reading the sheet named `sheet`, or the first sheet.
    public init(path: String, sheet: String?) throws {
        let archive: Archive
        do { archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
            throw ImportError("\(path) is not an .xlsx workbook (not a ZIP archive: \(error))")
        }
        func data(_ entryPath: String) throws -> Data? {
            guard let entry = archive[entryPath] else { return nil }
            var data = Data()
            _ = try archive.extract(entry, skipCRC32: false) { data.append($0) }
            return data
        }
        guard let workbookXML = try data("xl/workbook.xml") else {
            throw ImportError("\(path) is not an .xlsx workbook (no xl/workbook.xml)")
        }
        let workbook = WorkbookParts(workbook: workbookXML, relations: try data("xl/_rels/workbook.xml.rels"))
        guard !workbook.sheets.isEmpty else { throw ImportError("\(path) has no sheets") }
        let chosen: (name: String, target: String)
        if let sheet {
            guard let found = workbook.sheets.first(where: { $0.name == sheet }) else {
                throw ImportError(
                    "\(path) has no sheet \(sheet); its sheets: \(workbook.sheets.map(\.name).joined(separator: ", "))")
            }
            chosen = found
        } else {
            chosen = workbook.sheets[0]
        }
        sheetName = chosen.name
        let styles = try data("xl/styles.xml").map(DateStyles.init) ?? DateStyles(Data())
        temporary = FileManager.default.temporaryDirectory.appendingPathComponent("govcase-import-\(UUID()).xml")
        var strings: [String] = []
        if let entry = archive["xl/sharedStrings.xml"] {
            _ = try archive.extract(entry, to: temporary)
            strings = SharedStrings.read(url: temporary)
            try? FileManager.default.removeItem(at: temporary)
        }
        let target = chosen.target.hasPrefix("/") ? String(chosen.target.dropFirst()) : "xl/" + chosen.target
        guard let sheetEntry = archive[target] else { throw ImportError("\(path): the sheet's part \(target) is missing") }
        _ = try archive.extract(sheetEntry, to: temporary)
        let parser = SheetParser(
            strings: strings, dateStyles: styles.dateStyleIndexes, date1904: workbook.date1904, queue: queue)
        let url = temporary
        let queue = queue
        thread = Thread {
            if let stream = InputStream(url: url) {
                let xml = XMLParser(stream: stream)
                xml.delegate = parser
                if !xml.parse(), !queue.isCancelled, let error = xml.parserError {
                    queue.finish(error: ImportError("the sheet's XML is broken: \(error)"))
                }
            }
            queue.finish(error: nil)
        }
        thread.start()
    }

    deinit {
        queue.cancel()
        try? FileManager.default.removeItem(at: temporary)
    }

    public var progress: (read: Int, total: Int) { (lastRow, queue.lastRowHint) }

    public func next() throws -> SourceRow? {
        let row = try queue.take()
        if let row { lastRow = row.line }
        return row
    }
}

/// A bounded hand-over of rows from the parser's thread to the reader.
final class RowQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var rows: [SourceRow] = []
    private var head = 0
    private var ended = false
    private var error: (any Error)?
    private var cancelled = false
    private let capacity: Int
    /// The last row the sheet's dimension names, when it does.
    var lastRowHint = 0

    init(capacity: Int) { self.capacity = capacity }

    var isCancelled: Bool { condition.withLock { cancelled } }

    /// Waits for room; false once the reader is gone.
    func put(_ row: SourceRow) -> Bool {
        condition.withLock {
            while rows.count - head >= capacity, !cancelled { condition.wait() }
            guard !cancelled else { return false }
            rows.append(row)
            condition.broadcast()
            return true
        }
    }

    func finish(error: (any Error)?) {
        condition.withLock {
            if !ended {
                ended = true
                self.error = error
            }
            condition.broadcast()
        }
    }

    func cancel() {
        condition.withLock {
            cancelled = true
            condition.broadcast()
        }
    }

    func take() throws -> SourceRow? {
        try condition.withLock {
            while head == rows.count, !ended { condition.wait() }
            if head < rows.count {
                let row = rows[head]
                head += 1
                if head > 1024 {
                    rows.removeFirst(head)
                    head = 0
                }
                condition.broadcast()
                return row
            }
            if let error { throw error }
            return nil
        }
    }
}

/// Sheets by name, in the workbook's order, with their parts; and whether dates count from 1904.
struct WorkbookParts {
    var sheets: [(name: String, target: String)] = []
    var date1904 = false

    init(workbook: Data, relations: Data?) {
        final class Delegate: NSObject, XMLParserDelegate {
            var sheets: [(String, String)] = []
            var targets: [String: String] = [:]
            var date1904 = false
            func parser(
                _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]
            ) {
                switch local(name) {
                case "sheet":
                    let id = attributes.first(where: { local($0.key) == "id" })?.value ?? ""
                    sheets.append((attributes["name"] ?? "", id))
                case "workbookPr": date1904 = ["1", "true"].contains(attributes["date1904"] ?? "")
                case "Relationship": targets[attributes["Id"] ?? ""] = attributes["Target"] ?? ""
                default: break
                }
            }
        }
        let delegate = Delegate()
        for data in [workbook, relations ?? Data()] where !data.isEmpty {
            let parser = XMLParser(data: data)
            parser.delegate = delegate
            _ = parser.parse()
        }
        date1904 = delegate.date1904
        sheets = delegate.sheets.enumerated().map { n, sheet in
            (sheet.0, delegate.targets[sheet.1] ?? "worksheets/sheet\(n + 1).xml")
        }
    }
}

private func local(_ name: String) -> Substring {
    name.split(separator: ":").last ?? Substring(name)
}

/// The style indexes (cellXfs) whose number format shows a date or time.
struct DateStyles {
    var dateStyleIndexes: Set<Int> = []

    init(_ data: Data) {
        final class Delegate: NSObject, XMLParserDelegate {
            var formats: [Int: String] = [:]
            var inCellXfs = false
            var xfFormats: [Int] = []
            func parser(
                _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]
            ) {
                switch local(name) {
                case "numFmt":
                    if let id = Int(attributes["numFmtId"] ?? "") { formats[id] = attributes["formatCode"] ?? "" }
                case "cellXfs": inCellXfs = true
                case "xf" where inCellXfs: xfFormats.append(Int(attributes["numFmtId"] ?? "0") ?? 0)
                default: break
                }
            }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                if local(name) == "cellXfs" { inCellXfs = false }
            }
        }
        let delegate = Delegate()
        if !data.isEmpty {
            let parser = XMLParser(data: data)
            parser.delegate = delegate
            _ = parser.parse()
        }
        for (index, format) in delegate.xfFormats.enumerated() where Self.isDate(format, code: delegate.formats[format]) {
            dateStyleIndexes.insert(index)
        }
    }

    /// Built-in date formats (14–22, 45–47, and the CJK 27–36, 50–58), or a format code with date or time parts
    /// outside quotes and brackets.
    static func isDate(_ id: Int, code: String?) -> Bool {
        if let code {
            var text = ""
            var inQuote = false
            var inBracket = false
            for ch in code {
                if ch == "\"" { inQuote.toggle(); continue }
                if inQuote { continue }
                if ch == "[" { inBracket = true; continue }
                if ch == "]" { inBracket = false; continue }
                if !inBracket { text.append(ch) }
            }
            let lower = text.lowercased()
            if lower == "general" { return false }
            return lower.contains(where: { "ydhms".contains($0) })
        }
        return (14...22).contains(id) || (27...36).contains(id) || (45...47).contains(id) || (50...58).contains(id)
    }
}

/// The shared strings table: each `<si>`'s text (its runs joined; phonetic runs left out).
enum SharedStrings {
    static func read(url: URL) -> [String] {
        final class Delegate: NSObject, XMLParserDelegate {
            var strings: [String] = []
            var current = ""
            var inText = false
            var phonetic = 0
            func parser(
                _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]
            ) {
                switch local(name) {
                case "si": current = ""
                case "rPh": phonetic += 1
                case "t": inText = phonetic == 0
                default: break
                }
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { if inText { current += string } }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                switch local(name) {
                case "si": strings.append(SpreadsheetText.decode(current))
                case "rPh": phonetic -= 1
                case "t": inText = false
                default: break
                }
            }
        }
        guard let stream = InputStream(url: url) else { return [] }
        let parser = XMLParser(stream: stream)
        let delegate = Delegate()
        parser.delegate = delegate
        _ = parser.parse()
        return delegate.strings
    }
}

/// Turns a sheet's XML events into rows.
final class SheetParser: NSObject, XMLParserDelegate, @unchecked Sendable {
    private let strings: [String]
    private let dateStyles: Set<Int>
    private let date1904: Bool
    private let queue: RowQueue
    private var width = 0
    private var cells: [Int: String] = [:]
    private var rowNumber = 0
    private var column = 0
    private var type = ""
    private var style = 0
    private var value = ""
    private var collecting = false
    private var phonetic = 0

    init(strings: [String], dateStyles: Set<Int>, date1904: Bool, queue: RowQueue) {
        self.strings = strings
        self.dateStyles = dateStyles
        self.date1904 = date1904
        self.queue = queue
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch local(name) {
        case "dimension":
            if let ref = attributes["ref"], let last = ref.split(separator: ":").last {
                queue.lastRowHint = Int(last.drop(while: { $0.isLetter })) ?? 0
            }
        case "row":
            rowNumber = Int(attributes["r"] ?? "") ?? rowNumber + 1
            cells = [:]
            column = -1
        case "c":
            column = attributes["r"].map { Self.columnIndex($0) } ?? column + 1
            type = attributes["t"] ?? "n"
            style = Int(attributes["s"] ?? "0") ?? 0
            value = ""
        case "v": collecting = true
        case "rPh": phonetic += 1
        case "t": collecting = phonetic == 0
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if collecting { value += string } }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch local(name) {
        case "v", "t": collecting = false
        case "rPh": phonetic -= 1
        case "c":
            let text = cellText()
            if !text.isEmpty { cells[column] = text }
        case "row":
            guard !cells.isEmpty else { return }
            let count = Swift.max(width, (cells.keys.max() ?? 0) + 1)
            if width == 0 { width = count }
            let texts = (0..<count).map { cells[$0] ?? "" }
            let raw = Array(CSVLine.bytes(texts.map { Array($0.utf8) }).dropLast(2))
            let row = SourceRow(line: rowNumber, byteOffset: nil, cells: texts.map { Array($0.utf8)[...] }, raw: raw)
            if !queue.put(row) { parser.abortParsing() }
        default: break
        }
    }

    private func cellText() -> String {
        switch type {
        case "s": return Int(value).flatMap { strings.indices.contains($0) ? strings[$0] : nil } ?? ""
        case "inlineStr", "str": return SpreadsheetText.decode(value)
        case "e": return value
        case "b": return value == "1" ? "TRUE" : "FALSE"
        default:
            guard let number = Double(value) else { return value }
            if dateStyles.contains(style) { return Self.date(serial: number, date1904: date1904) }
            if number.rounded() == number, abs(number) < 1e15 { return String(Int64(number)) }
            return value
        }
    }

    /// A serial date as `yyyy-MM-dd HH:mm:ss`, the wall-clock time it shows (read as China time).
    static func date(serial: Double, date1904: Bool) -> String {
        let days = serial + (date1904 ? 1462 : 0) - 25569  // 1899-12-30 (or 1904-01-01) to 1970-01-01
        let seconds = (days * 86400).rounded()
        // The serial is the wall-clock time shown; as China time, it is this instant.
        return ChinaTime.format(Date(timeIntervalSince1970: seconds - Double(ChinaTime.zone.secondsFromGMT())))
    }

    /// `AB12` → 27 (columns from 0).
    static func columnIndex(_ reference: String) -> Int {
        var index = 0
        for scalar in reference.unicodeScalars {
            guard (65...90).contains(scalar.value) else { break }
            index = index * 26 + Int(scalar.value - 64)
        }
        return index - 1
    }
}

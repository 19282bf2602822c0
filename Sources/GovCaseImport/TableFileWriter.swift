import Crypto
import Foundation
import ZIPFoundation

/// Writes a table to a data file row by row, never holding the file: CSV or `.xlsx`.
public protocol TableFileWriter: AnyObject {
    /// Appends one row (the header first).
    func write(_ cells: [String]) throws
    /// Completes the file; returns its SHA-256, hex.
    func finish() throws -> String
}

/// SHA-256 of a finished file, read in pieces.
func fileDigest(_ url: URL) throws -> String {
    let handle = try FileHandle(forReadingFrom: url)
    defer { try? handle.close() }
    var hasher = SHA256()
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
    return hasher.finalize().map { String(format: "%02x", $0) }.joined()
}

/// A CSV file as Excel on Chinese Windows reads it: RFC 4180 quoting (a field with a comma, a quote or a line break
/// is quoted, quotes doubled), CRLF between rows, UTF-8 with a BOM (Excel takes a file without one for the system's
/// code page) or GB18030 (€ as A2E3). A cell a spreadsheet would run as a formula gets a leading apostrophe
/// (`CSVFormulaGuard`).
public final class CSVFileWriter: TableFileWriter {
    private let url: URL
    private let handle: FileHandle
    private let encoding: TextEncoding
    private var buffer: [UInt8] = []

    public init(path: String, encoding: TextEncoding) throws {
        url = URL(fileURLWithPath: path)
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw ImportError("cannot create \(path)")
        }
        handle = try FileHandle(forWritingTo: url)
        self.encoding = encoding
        if encoding == .utf8 { buffer = [0xEF, 0xBB, 0xBF] }
    }

    public func write(_ cells: [String]) throws {
        let line = cells.map(CSVFormulaGuard.guarded).map { cell -> String in
            // By scalar: "\r\n" is one Character, equal to neither "\r" nor "\n".
            guard cell.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            else { return cell }
            return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",")
        buffer += encoding.encode(line) + [0x0D, 0x0A]
        if buffer.count >= 1 << 16 { try flush() }
    }

    public func finish() throws -> String {
        try flush()
        try handle.synchronize()
        try handle.close()
        return try fileDigest(url)
    }

    private func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// An `.xlsx` workbook of one sheet, every cell an inline string (no shared-strings table to hold in memory): the
/// sheet's XML is written to a temporary file row by row and zipped at the end.
public final class XLSXFileWriter: TableFileWriter {
    private let url: URL
    private let sheetName: String
    private let sheetURL: URL
    private let sheet: FileHandle
    private var buffer = ""
    private var rows = 0

    public init(path: String, sheetName: String) throws {
        url = URL(fileURLWithPath: path)
        self.sheetName = sheetName
        // Beside the workbook, readable by its owner only: the sheet holds what the workbook will.
        sheetURL = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID()).xml")
        guard FileManager.default.createFile(atPath: sheetURL.path, contents: nil, attributes: [.posixPermissions: 0o600])
        else {
            throw ImportError("cannot create \(sheetURL.path)")
        }
        sheet = try FileHandle(forWritingTo: sheetURL)
        buffer =
            #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#
            + #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
    }

    public func write(_ cells: [String]) throws {
        rows += 1
        buffer += "<row r=\"\(rows)\">"
        for (index, cell) in cells.enumerated() where !cell.isEmpty {
            buffer += "<c r=\"\(Self.column(index))\(rows)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">"
                + Self.escaped(cell) + "</t></is></c>"
        }
        buffer += "</row>"
        if buffer.utf8.count >= 1 << 16 { try flush() }
    }

    deinit { try? FileManager.default.removeItem(at: sheetURL) }

    public func finish() throws -> String {
        buffer += "</sheetData></worksheet>"
        try flush()
        try sheet.close()
        defer { try? FileManager.default.removeItem(at: sheetURL) }
        try? FileManager.default.removeItem(at: url)
        let archive = try Archive(url: url, accessMode: .create)
        let parts: [(String, String)] = [
            (
                "[Content_Types].xml",
                #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#
            ),
            (
                "_rels/.rels",
                #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
            (
                "xl/workbook.xml",
                #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name=""#
                    + Self.escaped(sheetName) + #"" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            ),
            (
                "xl/_rels/workbook.xml.rels",
                #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
            ),
        ]
        for (path, text) in parts {
            let data = Data(text.utf8)
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate
            ) { position, size in data.subdata(in: Int(position)..<Int(position) + size) }
        }
        try archive.addEntry(with: "xl/worksheets/sheet1.xml", fileURL: sheetURL, compressionMethod: .deflate)
        return try fileDigest(url)
    }

    private func flush() throws {
        try sheet.write(contentsOf: Data(buffer.utf8))
        buffer = ""
    }

    /// A, B, … Z, AA, …
    static func column(_ index: Int) -> String {
        var n = index + 1
        var name = ""
        while n > 0 {
            let remainder = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            n = (n - 1) / 26
        }
        return name
    }

    static func escaped(_ text: String) -> String { SpreadsheetText.encode(text) }
}

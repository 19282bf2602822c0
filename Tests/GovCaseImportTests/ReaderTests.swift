import Foundation
import GovCaseImport
import Testing

/// CSV read as bytes (lines, offsets, quoted line breaks, a short row, a quote left open) and .xlsx as a stream.
@Suite struct ReaderTests {
    func rows(_ reader: any RowReader) throws -> [SourceRow] {
        var rows: [SourceRow] = []
        while let row = try reader.next() { rows.append(row) }
        return rows
    }

    func write(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID()).csv").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func gb18030FixtureRowsKeepTheirLinesAndBytes() throws {
        let path = Fixture.path("hotline-gb18030.csv")
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let all = try rows(CSVRowReader(path: path, encoding: .gb18030, chunkSize: 13))  // tiny chunks: rows span them
        #expect(all.count == 11)
        #expect(all.map(\.line) == [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12])
        for row in all {
            let offset = try #require(row.byteOffset)
            #expect(Array(file[offset..<offset + row.raw.count]) == row.raw, "line \(row.line)")
        }
        let first = all[1]
        #expect(TextEncoding.gb18030.decode(first.cells[6]) == .success("景区门票价格与公示不符，\r\n要求退还差价€20"))
        #expect(TextEncoding.gb18030.decode(first.cells[7]) == .success("\u{20087}先生"))
        #expect(TextEncoding.gb18030.decode(all[2].cells[7]) == .success("㐂女士"))
        #expect(TextEncoding.gb18030.decode(all[3].cells[6]) == .success("某网吧\"未成年人\"入内,夜间营业"))
        #expect(all[9].cells.count == 6, "the short row stays short")
        let bad = all[8]
        guard case .failure(let failure) = TextEncoding.gb18030.decode(bad.cells[6]) else {
            Issue.record("the bad byte decoded")
            return
        }
        let at = try #require(bad.byteOffset(cell: 6, at: failure.offset))
        #expect(file[at] == 0xFF)
    }

    @Test func quoteLeftOpenIsOneRowsProblem() throws {
        let path = try write(Array("a,b\r\n1,\"open\r\n2,3\r\n".utf8))
        let all = try rows(CSVRowReader(path: path, encoding: .utf8))
        #expect(all.count == 2)
        #expect(all[1].problem?.rule == "csv.quote")
        #expect(all[1].problem?.message.contains("line 2") == true)
    }

    @Test func blankLinesAndLoneLF() throws {
        let path = try write(Array("a,b\n\n1,2\n3,4".utf8))
        let all = try rows(CSVRowReader(path: path, encoding: .utf8))
        #expect(all.map(\.line) == [1, 3, 4])
        #expect(all.last?.cells.map { String(decoding: $0, as: UTF8.self) } == ["3", "4"])
    }

    @Test func oversizeRowIsRejectedNotHeld() throws {
        let path = try write(Array("a\n\"".utf8) + [UInt8](repeating: 0x41, count: 5000) + Array("\n".utf8))
        let all = try rows(CSVRowReader(path: path, encoding: .utf8, maxRowBytes: 1000))
        #expect(all.last?.problem?.rule == "csv.size")
        #expect((all.last?.raw.count ?? 0) <= 1001)
    }

    @Test func xlsxSharedStringsDatesAndNumbers() throws {
        let reader = try XLSXRowReader(path: Fixture.path("hotline.xlsx"), sheet: nil)
        #expect(reader.sheetName == "工单")
        let all = try rows(reader)
        let text = all.map { $0.cells.map { String(decoding: $0, as: UTF8.self) } }
        #expect(all.map(\.line) == [1, 2, 3, 4, 5, 6, 7])
        #expect(text[0][1] == "工单编号")
        #expect(text[1][2] == "2025-03-03 09:15:00", "a date cell: the wall-clock time it shows")
        #expect(text[1][6] == "价格不符\n要求退款")
        #expect(text[1][7] == "\u{20087}先生")
        #expect(text[1][8] == "13800138001", "a phone stored as a number, as Excel shows it")
        #expect(text[2][2] == "2025-03-04 10:20:30")
        #expect(text[6][2] == "2025-03-08 00:00:00")
        #expect(text[5][1] == "", "an empty cell")
        #expect(text.allSatisfy { $0.count == 13 })
    }

    @Test func xlsxOtherSheetAndUnknownSheet() throws {
        let all = try rows(XLSXRowReader(path: Fixture.path("hotline.xlsx"), sheet: "说明"))
        #expect(all.count == 1)
        #expect(throws: ImportError.self) { try XLSXRowReader(path: Fixture.path("hotline.xlsx"), sheet: "无此表") }
        #expect(throws: ImportError.self) { try XLSXRowReader(path: Fixture.path("hotline-gb18030.csv"), sheet: nil) }
    }
}

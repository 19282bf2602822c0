import Foundation
import GovCaseImport
import Testing

/// The export's pure parts: periods in China time, and a mapping read the other way.
@Suite struct ExportTests {
    func china(_ text: String) -> Date { ChinaTime.parse(text)! }

    @Test func aWeekIsTheLastWholeMondayToSundayAndAMonthTheLastWholeMonthInChinaTime() throws {
        // Monday 2026-12-07 00:30 China time is still Sunday 6 December in UTC: the week is China's.
        let mondayJustAfterMidnight = china("2026-12-07 00:30:00")
        let week = try ExportPeriod("week", now: mondayJustAfterMidnight)
        #expect(week.from == china("2026-11-30 00:00:00") && week.until == china("2026-12-07 00:00:00"))
        let sunday = try ExportPeriod("week", now: china("2026-12-06 23:59:59"))
        #expect(sunday.from == china("2026-11-23 00:00:00") && sunday.until == china("2026-11-30 00:00:00"))
        let month = try ExportPeriod("month", now: china("2026-03-01 00:00:01"))
        #expect(month.from == china("2026-02-01 00:00:00") && month.until == china("2026-03-01 00:00:00"))
        let range = try ExportPeriod("2026-11-01..2026-11-30", now: Date())
        #expect(range.from == china("2026-11-01 00:00:00") && range.until == china("2026-12-01 00:00:00"))
        for bad in ["fortnight", "2026-11-30..2026-11-01", "2026-11-01", "2026-02-30..2026-03-01"] {
            #expect(throws: ImportError.self, "\(bad)") { try ExportPeriod(bad, now: Date()) }
        }
    }

    @Test func codesAreWrittenAsTheirShortestLabelAndTimesInChinaTime() throws {
        let columns = try ExportColumns(
            mapping: ColumnMapping.builtIn(adapter: "hotline-12345")!, schema: FieldSchema.contracts())
        let record: [String: Any] = [
            "order_id": "A-1", "received_at": "2025-03-03T01:15:00Z", "request_kind": "5", "urgency": "1",
            "caller": ["real_name": true, "party_type": "1", "phone": "13800138001"], "handle_by": "2025-03-10T01:15:00.250Z",
            "category_levels": ["文化", "演出"],
        ]
        let cells = Dictionary(uniqueKeysWithValues: zip(columns.headers, columns.cells(of: record)))
        #expect(cells["工单编号"] == "A-1")
        #expect(cells["来电时间"] == "2025-03-03 09:15:00")
        #expect(cells["诉求类型"] == "建议", "5 has 意见建议 and 建议: the shortest")
        #expect(cells["紧急程度"] == "一般", "1 has 一般 and 普通: of one length, the first in Unicode order")
        #expect(cells["是否实名"] == "是" && cells["主体类型"] == "个人" && cells["联系电话"] == "13800138001")
        #expect(cells["分类路径"] == "文化/演出")
        #expect(cells["办理时限"] == "2025-03-10 09:15:00.250", "the record's fraction of a second is kept")
        #expect(cells["标题"] == "" && !columns.headers.contains("序号"), "absent fields empty; ignored columns left out")
    }

    /// What XML cannot carry (a vertical tab from Word, a carriage return, U+FFFF) goes through a workbook as
    /// `_xHHHH_`, and a literal `_x0041_` in the text stays itself: written by the export, read back by the import.
    @Test func everyCharacterGoesThroughAWorkbookAndBack() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID()).xlsx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let cells = ["第一行\u{0B}第二行", "x\r\ny", "_x0041_ 不是 A", "€𠂇㐂 <&> \"\u{FFFF}", "tab\there"]
        let writer = try XLSXFileWriter(path: path, sheetName: "导出")
        try writer.write(["甲", "乙", "丙", "丁", "戊"])
        try writer.write(cells)
        _ = try writer.finish()
        let reader = try XLSXRowReader(path: path, sheet: nil)
        _ = try reader.next()
        let row = try #require(try reader.next())
        #expect(row.cells.map { String(decoding: $0, as: UTF8.self) } == cells)
        #expect(try reader.next() == nil)
    }

    @Test func aCSVCellWithALineBreakIsQuotedAndGB18030WritesTheEuroAsA2E3() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID()).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try CSVFileWriter(path: path, encoding: .gb18030)
        try writer.write(["a\r\nb", "x\"y", "€"])
        _ = try writer.finish()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes == Array("\"a\r\nb\",\"x\"\"y\",".utf8) + [0xA2, 0xE3, 0x0D, 0x0A])
    }

    /// A citizen's text that a spreadsheet would run (`=HYPERLINK(…)`, `+86…`, `@SUM`) is written with a leading
    /// apostrophe, and `govcase import` takes it off again: out and back unchanged, whatever the text.
    @Test func aCellASpreadsheetWouldRunAsAFormulaIsWrittenAsTextAndReadBackUnchanged() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID()).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let cells = [
            "=HYPERLINK(\"http://evil.example\",\"查看\")", "+8613800000000", "-2", "@SUM(A1)", "\t=1", "'=kept",
            "''=kept too", "'plain", "普通诉求", "",
        ]
        let writer = try CSVFileWriter(path: path, encoding: .utf8)
        try writer.write(cells)
        _ = try writer.finish()
        let written = try #require(try CSVRowReader(path: path, encoding: .utf8).next())
        let raw = written.cells.map { String(decoding: $0, as: UTF8.self) }
        #expect(raw[0].hasPrefix("'=") && raw[1] == "'+8613800000000" && raw[2] == "'-2" && raw[3] == "'@SUM(A1)")
        #expect(raw[4] == "'\t=1" && raw[5] == "''=kept" && raw[6] == "'''=kept too" && raw[7] == "'plain")
        #expect(raw[8] == "普通诉求" && raw[9] == "")
        #expect(raw.map(CSVFormulaGuard.unguarded) == cells)

        // Through an import plan: the record gets the text as the citizen gave it.
        let mapping = try #require(try ColumnMapping.builtIn(adapter: "hotline-12345"))
        let header = ["工单编号", "来电时间", "诉求类型", "诉求内容", "所属区划"]
        let plan = try ImportPlan(mapping: mapping, header: header, schema: try FieldSchema.contracts())
        let row = SourceRow(
            line: 2, byteOffset: 0,
            cells: ["GD-1", "2026-12-01 09:00:00", "投诉", "'=HYPERLINK(1)", "510104"].map { Array($0.utf8)[...] },
            raw: [])
        let object = try plan.json(for: row, encoding: .utf8).get()
        #expect("\(object)".contains("=HYPERLINK(1)") && !"\(object)".contains("'=HYPERLINK"), "\(object)")
    }
}

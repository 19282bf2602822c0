import Foundation
import GovCaseImport
import Testing

/// Mappings checked before the first row (naming the column and the mapping's line), and cells made values.
@Suite struct MappingTests {
    let schema = try! FieldSchema.contracts()
    let mapping = try! ColumnMapping.builtIn(adapter: "hotline-12345")!
    let header = ["序号", "工单编号", "来电时间", "诉求类型", "诉求内容", "所属区划", "联系电话", "是否实名"]

    func error(_ body: () throws -> Void) -> String {
        do {
            try body()
            return ""
        } catch { return "\(error)" }
    }

    @Test func builtInMappingsParseAndResolve() throws {
        #expect(ColumnMapping.builtInAdapters == ["culture-tourism", "hotline-12345"])
        for adapter in ColumnMapping.builtInAdapters {
            let m = try #require(try ColumnMapping.builtIn(adapter: adapter))
            _ = try ImportPlan(mapping: m, header: m.columns.map(\.header), schema: schema)
        }
    }

    @Test func unknownColumnStopsNamingIt() {
        let message = error { _ = try ImportPlan(mapping: mapping, header: header + ["满意度"], schema: schema) }
        #expect(message.contains("column 满意度 (column 9 of the file's header)"))
        #expect(message.contains("columns: on line"))
    }

    @Test func missingRequiredColumnStopsNamingItsLine() throws {
        let message = error {
            _ = try ImportPlan(mapping: mapping, header: header.filter { $0 != "来电时间" }, schema: schema)
        }
        let line = try #require(mapping.columns.first { $0.header == "来电时间" }?.line)
        #expect(message.contains("required column 来电时间 (built-in mapping for hotline-12345, line \(line))"))
    }

    @Test func badMappingsNameTheirLine() {
        let yaml = """
            adapter: hotline-12345
            record_type: govcase.sources.hotline12345.v1.WorkOrder
            columns:
              工单编号: order_id
              电话: caller.telephone
            """
        let parsed = try! ColumnMapping.parse(yaml: yaml, origin: "m.yaml")
        let message = error { _ = try ImportPlan(mapping: parsed, header: ["工单编号"], schema: schema) }
        #expect(message.hasPrefix("m.yaml, line 5: column 电话:"))
        #expect(message.contains("no field caller.telephone"))
        let unknownKey = error { _ = try ColumnMapping.parse(yaml: yaml + "\nsheet: x", origin: "m.yaml") }
        #expect(unknownKey.hasPrefix("m.yaml, line 6: unknown key sheet"))
        let badSpec = error {
            _ = try ColumnMapping.parse(yaml: yaml + "\n  来电人: { field: caller.name, type: x }", origin: "m.yaml")
        }
        #expect(badSpec.contains("line 6: column 来电人: unknown key type"))
    }

    @Test func duplicateHeaderStops() {
        #expect(error { _ = try ImportPlan(mapping: mapping, header: header + ["工单编号"], schema: schema) }
            .contains("column 工单编号 twice"))
    }

    func row(_ cells: [String]) -> SourceRow {
        SourceRow(line: 2, byteOffset: 10, cells: cells.map { Array($0.utf8)[...] }, raw: [])
    }

    @Test func cellsBecomeFields() throws {
        let plan = try ImportPlan(mapping: mapping, header: header, schema: schema)
        let json = try plan.json(
            for: row(["1", "A-1", "2025/3/4 9:05", "投诉", " 内容 ", "500151", "13800138000", "是"]), encoding: .utf8
        ).get()
        #expect(json["order_id"] as? String == "A-1")
        #expect(json["received_at"] as? String == "2025-03-04T01:05:00Z", "China time")
        #expect(json["request_kind"] as? String == "2", "the label's code")
        #expect(json["content"] as? String == "内容")
        #expect(json["revision"] as? String == "1", "a default")
        let caller = try #require(json["caller"] as? [String: Any])
        #expect(caller["phone"] as? String == "13800138000")
        #expect(caller["real_name"] as? Bool == true)
        #expect(caller["party_type"] as? String == "1")
        let code = try plan.json(for: row(["", "A-2", "2025-03-04", "2", "x", "500151", "", ""]), encoding: .utf8).get()
        #expect(code["request_kind"] as? String == "2", "a code passes as it is")
    }

    @Test(arguments: [
        (2, "2025-02-30 10:00", "来电时间", "received_at", "format.time"),
        (7, "也许", "是否实名", "caller.real_name", "format.bool"),
    ])
    func badCellsAreNamed(position: Int, value: String, column: String, field: String, rule: String) throws {
        let plan = try ImportPlan(mapping: mapping, header: header, schema: schema)
        var cells = ["1", "A-1", "2025-03-04 09:05", "投诉", "内容", "500151", "", ""]
        cells[position] = value
        guard case .failure(let problem) = plan.json(for: row(cells), encoding: .utf8) else {
            Issue.record("accepted \(value)")
            return
        }
        #expect(problem.column == column)
        #expect(problem.field == field)
        #expect(problem.rule == rule)
        #expect(problem.message.contains(value))
    }

    @Test func badByteIsNamedWithItsOffset() throws {
        let plan = try ImportPlan(mapping: mapping, header: header, schema: schema)
        var r = row(["1", "A-1", "2025-03-04 09:05", "投诉", "内容", "500151", "", ""])
        r.cells[4] = [0xE5, 0x86, 0x85, 0xFF][...]
        r.raw = Array("1,A-1,2025-03-04 09:05,投诉,".utf8) + [0xE5, 0x86, 0x85, 0xFF] + Array(",500151,,".utf8)
        r.cellOffsets = [0, 2, 6, 23, 33, 38, 45, 46]
        guard case .failure(let problem) = plan.json(for: r, encoding: .utf8) else {
            Issue.record("a bad byte decoded")
            return
        }
        #expect(problem.rule == "encoding")
        #expect(problem.column == "诉求内容")
        #expect(problem.message == "bytes FF are not UTF-8 text at byte offset \(10 + 33 + 3)")
    }

    @Test func violationsFindTheirColumns() throws {
        let plan = try ImportPlan(mapping: mapping, header: header, schema: schema)
        #expect(plan.column(forField: "caller.phone") == "联系电话")
        #expect(plan.column(forField: "caller") == "联系电话")
        #expect(plan.column(forField: "respondent") == "被反映对象 (not in the file)")
        #expect(plan.column(forField: "nothing") == "")
    }

    @Test(arguments: [
        ("2024-05-06 09:12:00", "2024-05-06T01:12:00Z"), ("2024/5/6 9:12", "2024-05-06T01:12:00Z"),
        ("2024年5月6日 9:12", "2024-05-06T01:12:00Z"), ("2024-05-06", "2024-05-05T16:00:00Z"),
        ("2024-05-06T09:12:00+08:00", "2024-05-06T01:12:00Z"), ("2024-05-06T01:12:00Z", "2024-05-06T01:12:00Z"),
    ])
    func chinaTime(text: String, utc: String) throws {
        #expect(ChinaTime.rfc3339UTC(try #require(ChinaTime.parse(text))) == utc)
    }

    @Test(arguments: ["2025-02-29 10:00", "2024-13-01", "2024-05-06 24:00", "06/05/2024", "明天"])
    func notTimes(text: String) { #expect(ChinaTime.parse(text) == nil) }
}

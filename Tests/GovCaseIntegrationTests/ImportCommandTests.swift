import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GovCaseClient
import GovCaseProto
import SwiftProtobuf
import GovCaseTestSupport
import Testing

/// `govcase import` against a real `govcase serve`: files made the way offices make them (Tests/GovCaseImportTests/
/// Fixtures, with make_fixtures.py's expectations written by hand), good rows stored, every bad one in the reject
/// file with its line, a rerun all DUPLICATE, and the exit codes.
@Suite(.serialized, .heavy) struct ImportCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("GovCaseImportTests/Fixtures")

    struct Expected: Decodable {
        struct Reject: Decodable {
            var line: Int
            var column: String
            var field: String
            var rule: String
        }
        var accepted: [String]
        var rejects: [Reject]
    }

    /// Runs `govcase import` as hotline-tongnan on a copy of `fixture` in the deployment's folder.
    func importFile(
        _ fixture: String, deployment: Deployment, port: Int, extra: [String] = []
    ) async throws -> (status: Int32, output: String, file: URL) {
        let file = deployment.folder.appendingPathComponent(fixture)
        if !FileManager.default.fileExists(atPath: file.path) {
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(fixture), to: file)
        }
        let run = try await GatewayProcess.run(
            [
                "import", "--adapter", "hotline-12345", "--gateway", "127.0.0.1:\(port)", "--deployment",
                deployment.folder.path, "--as", "hotline-tongnan", file.path,
            ] + extra)
        return (run.status, run.output, file)
    }

    /// The reject file's lines, parsed by Python's csv module as an integrator would read it.
    func rejects(_ path: String, encoding: String) async throws -> [[String]] {
        let script = """
            import csv, json, sys
            with open(sys.argv[1], encoding=sys.argv[2], errors="replace", newline="") as f:
                print(json.dumps(list(csv.reader(f))))
            """
        let run = try await ExternalProgram.run(
            URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script, path, encoding])
        try #require(run.status == 0, "\(run.output)")
        return try JSONDecoder().decode([[String]].self, from: Data(run.output.utf8))
    }

    func stored(port: Int, deployment: Deployment) async throws -> [String: Govcase_Core_V1_Case] {
        try await withGatewayClient(
            host: "127.0.0.1", port: port, as: .development("hotline-tongnan", in: deployment.folder)
        ) { grpc in
            let page = try await Govcase_Gateway_V1_CaseService.Client(wrapping: grpc).queryCases(
                .with {
                    $0.filter.adapterIds = ["hotline-12345"]
                    $0.pageSize = 1000
                })
            return Dictionary(page.cases.map { ($0.source.externalID, $0) }, uniquingKeysWith: { a, _ in a })
        }
    }

    @Test func officeFilesImportWithRejectsByLineAndRerunAsDuplicates() async throws {
        let deployment = try await Deployment.make()
        let gateway = try deployment.serve()
        let port = try await gateway.servingPort()
        defer { gateway.send(SIGTERM) }

        for (fixture, encoding) in [
            ("hotline-gb18030.csv", "gb18030"), ("hotline-utf8-bom.csv", "utf-8-sig"), ("hotline.xlsx", "utf-8-sig"),
        ] {
            let name = fixture.split(separator: ".").dropLast().joined(separator: ".")
            let expected = try JSONDecoder().decode(
                Expected.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("\(name).expected.json")))
            let first = try await importFile(fixture, deployment: deployment, port: port)
            #expect(first.status == 1, "\(first.output)")
            let total = expected.accepted.count + expected.rejects.count
            #expect(
                first.output.contains(
                    "rows read \(total), accepted \(expected.accepted.count), duplicate 0, rejected \(expected.rejects.count)"),
                "\(first.output)")
            if fixture.hasSuffix(".csv") {
                #expect(first.output.contains(encoding == "gb18030" ? "gb18030 (detected)" : "utf-8 (detected: BOM)"))
            }
            let rejectsPath = first.file.deletingPathExtension().path + ".rejects.csv"
            let lines = try await rejects(rejectsPath, encoding: encoding)
            #expect(lines.first == ["line", "byte_offset", "column", "field", "rule", "message", "raw_row"])
            let found = lines.dropFirst()
            for reject in expected.rejects {
                let match = found.first {
                    $0[0] == String(reject.line) && $0[2] == reject.column && $0[3] == reject.field
                        && (reject.rule == "*" || $0[4] == reject.rule)
                }
                #expect(match != nil, "\(fixture): no reject line for \(reject); lines: \(found)")
                if let match { #expect(!match[5].isEmpty && !match[6].isEmpty) }
            }
            #expect(
                Set(found.map { $0[0] }) == Set(expected.rejects.map { String($0.line) }),
                "\(fixture): rejected lines")
            #expect(found.map { Int($0[0])! } == found.map { Int($0[0])! }.sorted(), "in the file's order")

            let again = try await importFile(fixture, deployment: deployment, port: port)
            #expect(again.status == 1)
            #expect(
                again.output.contains(
                    "accepted 0, duplicate \(expected.accepted.count), rejected \(expected.rejects.count)"),
                "a rerun stores nothing twice: \(again.output)")
        }

        let cases = try await stored(port: port, deployment: deployment)
        let gb = try #require(cases["TG-0001"])
        #expect(gb.request.content == "景区门票价格与公示不符，\r\n要求退还差价€20", "0x80 read as €, quoted CRLF kept")
        #expect(gb.receivedAt.seconds == 1_740_964_500, "2025-03-03 09:15:00 China time")
        #expect(cases["TG-0003"]?.request.content == "某网吧\"未成年人\"入内,夜间营业")
        #expect(cases["TU-0010"]?.request.content == "建议：\n1. 增加停车位\n2. 延长开放时间")
        #expect(cases["TX-0001"]?.receivedAt.seconds == 1_740_964_500, "an Excel date cell in China time")
        #expect(cases["TX-0006"] != nil)
        for id in ["TG-0005", "TG-0008", "TU-0006", "TX-0003", "TX-0004"] { #expect(cases[id] == nil, "\(id) stored") }
    }

    /// Round trip: a period exported from one gateway (GB18030 CSV and .xlsx) imports into another as the same cases,
    /// field by field, and back into the first as DUPLICATE (byte for byte the records it stored); `--since-last`
    /// exports nothing twice. The files are also read by Python's csv and openpyxl, as an integrator would.
    @Test func anExportedPeriodImportsIntoAnotherGatewayAsTheSameCases() async throws {
        let first = try await Deployment.make()
        let firstGateway = try first.serve()
        let firstPort = try await firstGateway.servingPort()
        defer { firstGateway.send(SIGTERM) }
        let imported = try await importFile("hotline-utf8-bom.csv", deployment: first, port: firstPort)
        #expect(imported.status == 1, "\(imported.output)")
        let originals = try await stored(port: firstPort, deployment: first)
        try #require(originals.count >= 4)

        func export(_ arguments: [String], to name: String) async throws -> (status: Int32, output: String, file: URL) {
            let file = first.folder.appendingPathComponent(name)
            let run = try await GatewayProcess.run(
                ["export", "--config", first.configuration.path, "--adapter", "hotline-12345", "--out", file.path]
                    + arguments)
            return (run.status, run.output, file)
        }
        let csv = try await export(["--period", "2025-01-01..2025-12-31", "--encoding", "gb18030"], to: "week.csv")
        #expect(csv.status == 0, "\(csv.output)")
        #expect(csv.output.contains("\(originals.count) rows of hotline-12345"), "\(csv.output)")
        let xlsx = try await export(["--period", "2025-01-01..2025-12-31"], to: "week.xlsx")
        #expect(xlsx.status == 0, "\(xlsx.output)")
        // An earlier period holds none of them. Rows are in receipt order.
        let empty = try await export(["--period", "2024-01-01..2024-12-31"], to: "empty.csv")
        #expect(empty.output.contains("0 rows of hotline-12345"), "\(empty.output)")

        // Read as an integrator would: Python's csv in GB18030, the workbook's first sheet by zipfile.
        let lines = try await rejects(csv.file.path, encoding: "gb18030")
        #expect(lines.first?.first == "工单编号" && lines.count == originals.count + 1, "\(lines.prefix(2))")
        let sheet = try await ExternalProgram.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3", "-c",
                "import sys, openpyxl; rows = list(openpyxl.load_workbook(sys.argv[1], read_only=True).worksheets[0]"
                    + ".iter_rows(values_only=True)); print(len(rows), rows[0][0], rows[1][0], rows[1][1])",
                xlsx.file.path,
            ])
        #expect(
            sheet.output.trimmingCharacters(in: .whitespacesAndNewlines)
                == "\(originals.count + 1) 工单编号 TU-0001 2025-03-03 09:15:00", "\(sheet.output)")

        // Into a second gateway: the same cases, field by field but for what each gateway makes itself.
        let second = try await Deployment.make()
        let secondGateway = try second.serve()
        let secondPort = try await secondGateway.servingPort()
        defer { secondGateway.send(SIGTERM) }
        for file in [csv.file, xlsx.file] {
            let copy = second.folder.appendingPathComponent(file.lastPathComponent)
            try FileManager.default.copyItem(at: file, to: copy)
            let run = try await importFile(copy.lastPathComponent, deployment: second, port: secondPort)
            #expect(run.status == 0, "\(run.output)")
        }
        let copies = try await stored(port: secondPort, deployment: second)
        #expect(Set(copies.keys) == Set(originals.keys))
        for (id, original) in originals {
            guard var copy = copies[id] else { continue }
            var expected = original
            expected.caseID = ""; copy.caseID = ""
            expected.clearCreatedAt(); copy.clearCreatedAt()
            expected.clearUpdatedAt(); copy.clearUpdatedAt()
            expected.events = []; copy.events = []
            #expect(copy == expected, "\(id): the case made from the exported row differs")
        }
        // Back into the first gateway: every row is the record it stored, byte for byte.
        let back = try await importFile("week.xlsx", deployment: first, port: firstPort)
        #expect(back.status == 0 && back.output.contains("accepted 0, duplicate \(originals.count), rejected 0"), "\(back.output)")

        // --since-last: the first run takes every case stored so far, the next none.
        let all = try await export(["--since-last"], to: "since-1.csv")
        #expect(all.status == 0 && all.output.contains("\(originals.count) rows"), "\(all.output)")
        let none = try await export(["--since-last"], to: "since-2.csv")
        #expect(none.status == 0 && none.output.contains(" 0 rows"), "\(none.output)")
        // A case received long ago but stored now (a late file) is the next --since-last's, and only it.
        try Data("工单编号,来电时间,诉求类型,来源渠道,诉求内容,所属区划\r\nLATE-1,2025-01-02 08:00,咨询,电话,迟到的工单,500151\r\n".utf8)
            .write(to: first.folder.appendingPathComponent("late.csv"))
        let late = try await importFile("late.csv", deployment: first, port: firstPort)
        #expect(late.status == 0, "\(late.output) \((try? String(contentsOf: first.folder.appendingPathComponent("late.rejects.csv"), encoding: .utf8)) ?? "")")
        let next = try await export(["--since-last"], to: "since-3.csv")
        let nextLines = try await rejects(next.file.path, encoding: "utf-8-sig")
        #expect(next.status == 0 && nextLines.count == 2 && nextLines.last?.first == "LATE-1", "\(next.output) \(nextLines)")
        let both = try await export(["--since-last", "--period", "week"], to: "bad.csv")
        #expect(both.status == 2, "\(both.output)")
    }

    @Test func nothingStartsExitsTwo() async throws {
        let deployment = try await Deployment.make()
        let gateway = try deployment.serve()
        let port = try await gateway.servingPort()
        defer { gateway.send(SIGTERM) }
        let folder = deployment.folder
        let unknownColumn = folder.appendingPathComponent("extra.csv")
        try Data("\u{FEFF}工单编号,来电时间,诉求类型,诉求内容,所属区划,满意度\r\nA,2025-03-03,投诉,x,500151,好\r\n".utf8)
            .write(to: unknownColumn)
        var run = try await importFile("extra.csv", deployment: deployment, port: port)
        #expect(run.status == 2)
        #expect(run.output.contains("column 满意度 (column 6 of the file's header) is not in built-in mapping for hotline-12345"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("extra.rejects.csv").path))

        let missing = folder.appendingPathComponent("missing.csv")
        try Data("工单编号,诉求类型,诉求内容,所属区划\r\nA,投诉,x,500151\r\n".utf8).write(to: missing)
        run = try await importFile("missing.csv", deployment: deployment, port: port)
        #expect(run.status == 2)
        #expect(run.output.contains("required column 来电时间 (built-in mapping for hotline-12345, line"))

        run = try await importFile("hotline-gb18030.csv", deployment: deployment, port: 1)
        #expect(run.status == 2, "\(run.output)")
        #expect(run.output.contains("cannot reach the gateway"), "\(run.output)")

        run = try await importFile("hotline-gb18030.csv", deployment: deployment, port: port, extra: ["--bogus"])
        #expect(run.status == 2)
        #expect(run.output.contains("unknown option --bogus"))

        // An identity with no grant for the adapter: every record of the first batch refused, the import stops.
        let denied = try await GatewayProcess.run([
            "import", "--adapter", "hotline-12345", "--gateway", "127.0.0.1:\(port)", "--deployment", folder.path,
            "--as", "national-sc", folder.appendingPathComponent("hotline-gb18030.csv").path,
        ])
        #expect(denied.status == 2, "\(denied.output)")
        #expect(denied.output.contains("refused every record of the first batch"), "\(denied.output)")

        // All good: exit 0, and no reject file.
        let good = folder.appendingPathComponent("good.csv")
        try Data(
            "工单编号,来电时间,诉求类型,来源渠道,诉求内容,所属区划\r\nG-1,2025-03-03 10:00,咨询,电话,问开放时间,500151\r\n".utf8
        ).write(to: good)
        run = try await importFile("good.csv", deployment: deployment, port: port)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("rows read 1, accepted 1, duplicate 0, rejected 0"))
        #expect(run.output.contains("utf-8 (detected)"))
    }
}

import ArgumentParser
import Foundation
import GovCaseAdapters
import GovCaseCore
import GovCaseImport
import GovCaseServer
import GovCaseStore
import Logging
import SwiftProtobuf

/// `govcase export`: the cases of an adapter and a region as a data file, in the columns and codes of the adapter's
/// column mapping (the file `govcase import` reads back), for a platform that takes files instead of a link.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Exports an adapter's cases of a period as a CSV or .xlsx file (docs/import-export.md).",
        discussion: """
            Reads the configuration's store (beside a running gateway, or not), renders each case of the mapping's \
            record type through the adapter's render path and writes the mapping's columns with Chinese headers, in \
            receipt order (--since-last: the order the cases were stored). Evaluator data is written unmasked: each \
            page of cases read is recorded in the privacy audit as read by govcase-export. The file is written \
            beside --out and renamed onto it when complete (mode 0600). The export is recorded in the store \
            (period, rows, SHA-256, the last case); --since-last continues from it. Exits 0 when every case was \
            written, 1 when a case could not be read or rendered (the file is written without it, the export is \
            not recorded, the cases are named on standard error), 2 when it could not start or failed part way \
            (nothing is written to --out).
            """)

    @Option(help: "The gateway's YAML configuration (its store is read).") var config: String
    @Option(help: "The adapter whose cases are exported, e.g. hotline-12345 or culture-tourism.") var adapter: String
    @Option(help: "A region-code prefix, e.g. 500151; default: every region.") var region = ""
    @Option(help: "week (last Monday–Sunday), month (last calendar month) or FROM..TO (days, China time).")
    var period: String?
    @Flag(help: "Instead of a period: every case stored since the last --since-last export of this adapter and region.")
    var sinceLast = false
    @Option(help: "csv or xlsx; default: from the file's extension.") var format: String?
    @Option(help: "For CSV: utf-8 (with a BOM, the default) or gb18030.") var encoding = "utf-8"
    @Option(help: "A column mapping (YAML); default: the adapter's built-in mapping.") var mapping: String?
    @Option(help: "The file to write.") var out: String

    /// What the export needs, checked before anything is read or written.
    private struct Plan {
        var columns: ExportColumns
        var mapping: ColumnMapping
        var source: AnySourceAdapter
        var window: ExportPeriod?
        var kind: String
        var textEncoding: TextEncoding
    }

    func run() throws {
        let now = Date()
        let plan: Plan
        let store: CaseStore
        do {
            plan = try prepare(now: now)
            let configuration = try GatewayConfiguration.load(path: config)
            store = try configuration.store.open(
                vault: configuration.store.vault(), logger: Logger(label: "govcase.export"))
        } catch {
            FileHandle.standardError.write(Data("govcase export: \(error)\n".utf8))
            throw ExitCode(2)
        }
        defer { try? store.close() }
        let destination = URL(fileURLWithPath: out)
        let partial = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).partial")
        let outcome: (rows: Int, digest: String, through: String?, unwritten: [(String, String)])
        do {
            outcome = try write(plan, from: store, to: partial, now: now)
            // The whole file or none: a reader of --out never sees half an export.
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: partial.path)
            if rename(partial.path, destination.path) != 0 {
                throw ImportError("cannot rename \(partial.path) to \(out) (errno \(errno))")
            }
        } catch {
            try? FileManager.default.removeItem(at: partial)
            FileHandle.standardError.write(Data("govcase export: stopped, nothing written to \(out): \(error)\n".utf8))
            throw ExitCode(2)
        }
        let kind = plan.kind == "xlsx" ? "xlsx" : "csv, \(plan.textEncoding.rawValue)"
        guard outcome.unwritten.isEmpty else {
            for (caseID, reason) in outcome.unwritten {
                FileHandle.standardError.write(Data("govcase export: case \(caseID) is not in the file: \(reason)\n".utf8))
            }
            print(
                "govcase export: \(outcome.rows) rows to \(out) (\(kind)); \(outcome.unwritten.count) cases could not "
                    + "be written (named above); the export is not recorded")
            throw ExitCode(1)
        }
        // Only a --since-last export moves where the next one starts; a period's export is recorded apart, as what
        // was sent (its cases were chosen by receipt time, not by when they were stored).
        let record = sinceLast ? selection : selection + ".period"
        let previous = try store.lastExport(of: record)
        try store.recordExport(
            ExportRecord(
                period: plan.window?.text ?? "since-last", file: out, rows: outcome.rows, sha256: outcome.digest,
                throughCaseID: outcome.through ?? previous?.throughCaseID ?? "", at: Date()),
            of: record)
        let span =
            plan.window.map { "received \(ChinaTime.format($0.from))..\(ChinaTime.format($0.until)) (exclusive)" }
            ?? "stored since the last export"
        print(
            "govcase export: \(outcome.rows) rows of \(adapter) \(region.isEmpty ? "(every region)" : region), \(span), "
                + "to \(out) (\(kind)); sha256 \(outcome.digest)")
    }

    private var selection: String { "\(adapter).\(region.isEmpty ? "all" : region)" }

    /// Writes the file at `path`: the header, then each case's rows, page by page.
    private func write(_ plan: Plan, from store: CaseStore, to path: URL, now: Date) throws -> (
        rows: Int, digest: String, through: String?, unwritten: [(String, String)]
    ) {
        let writer: any TableFileWriter =
            plan.kind == "xlsx"
            ? try XLSXFileWriter(path: path.path, sheetName: "导出")
            : try CSVFileWriter(path: path.path, encoding: plan.textEncoding)
        var after: (receivedAt: Double, caseID: String)?
        if sinceLast, let last = try store.lastExport(of: selection), !last.throughCaseID.isEmpty {
            after = (0, last.throughCaseID)
        }
        let reader = PrivacyReader(
            identity: "govcase-export", purpose: "export \(selection) \(plan.window?.text ?? "since-last") to \(out)")
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        var rows = 0
        var unwritten: [(String, String)] = []
        try writer.write(plan.columns.headers)
        while true {
            let page = try store.exportPage(
                adapter: adapter, recordType: plan.mapping.recordType, regionPrefix: region,
                order: plan.window.map { .receipt(from: $0.from, until: $0.until) } ?? .store, after: after, limit: 500)
            guard let last = page.last else { break }
            let read = try store.readForExport(caseIDs: page.map(\.caseID), reader: reader, now: now)
            for (entry, result) in zip(page, read) {
                do {
                    let c = try result.get()
                    let messages = try plan.source.render(c).filter {
                        type(of: $0).protoMessageName == plan.mapping.recordType
                    }
                    guard !messages.isEmpty else {
                        unwritten.append((entry.caseID, "it renders to no \(plan.mapping.recordType)"))
                        continue
                    }
                    for message in messages {
                        let json = try message.jsonUTF8Data(options: options)
                        let object = try JSONSerialization.jsonObject(with: json) as? [String: Any] ?? [:]
                        try writer.write(plan.columns.cells(of: object))
                        rows += 1
                    }
                } catch {
                    unwritten.append((entry.caseID, "\(error)"))
                }
            }
            after = (last.receivedAt ?? 0, last.caseID)
        }
        return (rows, try writer.finish(), after?.caseID, unwritten)
    }

    private func prepare(now: Date) throws -> Plan {
        guard sinceLast != (period != nil) else {
            throw ValidationError("give --period (week, month or FROM..TO) or --since-last, one of them")
        }
        let window = try period.map { try ExportPeriod($0, now: now) }
        let columnMapping: ColumnMapping
        if let mapping {
            columnMapping = try ColumnMapping.parse(
                yaml: try String(contentsOfFile: mapping, encoding: .utf8), origin: mapping)
        } else {
            guard let builtIn = try ColumnMapping.builtIn(adapter: adapter) else {
                throw ImportError("adapter \(adapter) has no built-in mapping; give one with --mapping")
            }
            columnMapping = builtIn
        }
        guard columnMapping.adapter == adapter else {
            throw ImportError("the mapping \(columnMapping.origin) is for adapter \(columnMapping.adapter), not \(adapter)")
        }
        let columns = try ExportColumns(mapping: columnMapping, schema: try FieldSchema.contracts())
        guard let source = BuiltInAdapters.all().first(where: { $0.info.id == adapter }) else {
            throw ImportError("\(adapter) is not a built-in adapter; a plugin adapter's cases cannot be rendered here")
        }
        let kind = format ?? (out.lowercased().hasSuffix(".xlsx") ? "xlsx" : "csv")
        guard kind == "csv" || kind == "xlsx" else { throw ValidationError("--format is csv or xlsx, not \(kind)") }
        guard let textEncoding = TextEncoding(name: encoding) else {
            throw ValidationError("--encoding is utf-8 or gb18030, not \(encoding)")
        }
        return Plan(
            columns: columns, mapping: columnMapping, source: source, window: window, kind: kind,
            textEncoding: textEncoding)
    }
}

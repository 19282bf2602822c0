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
            Reads the configuration's store (beside a running gateway, or not), renders each case through the \
            adapter's render path and writes the mapping's columns with Chinese headers, in receipt order (--since-last: store order). Evaluator \
            data is written unmasked: each case read is recorded in the privacy audit as read by govcase-export. The \
            export is recorded in the store (period, rows, SHA-256, the last case); --since-last continues from it. \
            Exits 0 when every case was written, 1 when a case could not be rendered (the file is written without \
            it, the export is not recorded, and the cases are named), 2 when it could not start.
            """)

    @Option(help: "The gateway's YAML configuration (its store is read).") var config: String
    @Option(help: "The adapter whose cases are exported, e.g. hotline-12345 or culture-tourism.") var adapter: String
    @Option(help: "A region-code prefix, e.g. 500151; default: every region.") var region = ""
    @Option(help: "week (last Monday–Sunday), month (last calendar month) or FROM..TO (days, China time).")
    var period: String?
    @Flag(help: "Instead of a period: every case stored since the last recorded export of this adapter and region.")
    var sinceLast = false
    @Option(help: "csv or xlsx; default: from the file's extension.") var format: String?
    @Option(help: "For CSV: utf-8 (with a BOM, the default) or gb18030.") var encoding = "utf-8"
    @Option(help: "A column mapping (YAML); default: the adapter's built-in mapping.") var mapping: String?
    @Option(help: "The file to write.") var out: String

    func run() throws {
        let now = Date()
        let prepared: (ExportColumns, ColumnMapping, AnySourceAdapter, any TableFileWriter, CaseStore, ExportPeriod?)
        do {
            prepared = try prepare(now: now)
        } catch {
            FileHandle.standardError.write(Data("govcase export: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let (columns, mapping, source, writer, store, window) = prepared
        defer { try? store.close() }
        let selection = "\(adapter).\(region.isEmpty ? "all" : region)"
        let periodText = window?.text ?? "since-last"
        var after = (position: -Double.infinity, caseID: "")
        if sinceLast, let last = try store.lastExport(of: selection) {
            after = (last.throughCreatedAt, last.throughCaseID)
        }
        let reader = PrivacyReader(identity: "govcase-export", purpose: "export \(selection) \(periodText) to \(out)")
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        var rows = 0
        var unrendered: [(String, String)] = []
        try writer.write(columns.headers)
        while true {
            let page = try store.exportPage(
                adapter: adapter, regionPrefix: region,
                order: window.map { .receipt(from: $0.from, until: $0.until) } ?? .store, after: after, limit: 500)
            guard let last = page.last else { break }
            for entry in page {
                let c = try store.get(caseID: entry.caseID, reader: reader, now: now)
                do {
                    let messages = try source.render(c).filter {
                        type(of: $0).protoMessageName == mapping.recordType
                    }
                    guard !messages.isEmpty else {
                        unrendered.append((c.caseID, "renders to no \(mapping.recordType)"))
                        continue
                    }
                    for message in messages {
                        let json = try message.jsonUTF8Data(options: options)
                        let object = try JSONSerialization.jsonObject(with: json) as? [String: Any] ?? [:]
                        try writer.write(columns.cells(of: object))
                        rows += 1
                    }
                } catch {
                    unrendered.append((c.caseID, "\(error)"))
                }
            }
            after = (last.position, last.caseID)
        }
        let digest = try writer.finish()
        let kind = out.lowercased().hasSuffix(".xlsx") || format == "xlsx" ? "xlsx" : "csv, \(encoding)"
        guard unrendered.isEmpty else {
            for (caseID, reason) in unrendered {
                FileHandle.standardError.write(Data("govcase export: case \(caseID) is not in the file: \(reason)\n".utf8))
            }
            print("govcase export: \(rows) rows to \(out) (\(kind)); \(unrendered.count) cases could not be rendered; not recorded")
            throw ExitCode(1)
        }
        // Only a --since-last export moves where the next one starts; a period's export is recorded apart, as what
        // was sent (its cases were chosen by receipt time, not store order).
        let record = sinceLast ? selection : selection + ".period"
        let previous = try store.lastExport(of: record)
        let through = after.position.isFinite ? after : (previous?.throughCreatedAt ?? 0, previous?.throughCaseID ?? "")
        try store.recordExport(
            ExportRecord(
                period: periodText, file: out, rows: rows, sha256: digest, throughCreatedAt: through.0,
                throughCaseID: through.1, at: Date()),
            of: record)
        let span = window.map { "received \(ChinaTime.format($0.from))..\(ChinaTime.format($0.until)) (exclusive)" }
            ?? "stored since the last export"
        print("govcase export: \(rows) rows of \(adapter) \(region.isEmpty ? "(every region)" : region), \(span), to \(out) (\(kind)); sha256 \(digest)")
    }

    private func prepare(now: Date) throws -> (
        ExportColumns, ColumnMapping, AnySourceAdapter, any TableFileWriter, CaseStore, ExportPeriod?
    ) {
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
        let writer: any TableFileWriter
        switch kind {
        case "csv":
            guard let textEncoding = TextEncoding(name: encoding) else {
                throw ValidationError("--encoding is utf-8 or gb18030, not \(encoding)")
            }
            writer = try CSVFileWriter(path: out, encoding: textEncoding)
        case "xlsx": writer = try XLSXFileWriter(path: out, sheetName: "导出")
        default: throw ValidationError("--format is csv or xlsx, not \(kind)")
        }
        let configuration = try GatewayConfiguration.load(path: config)
        let store = try configuration.store.open(
            vault: configuration.store.vault(), logger: Logger(label: "govcase.export"))
        return (columns, columnMapping, source, writer, store, window)
    }
}

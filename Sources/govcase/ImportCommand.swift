import ArgumentParser
import Foundation
import GRPCCore
import GovCaseAdapters
import GovCaseImport
import GovCaseProto
import SwiftProtobuf

/// `govcase import`: a data file's rows to a running gateway, through the same gRPC ingest as every source system.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Imports a 12345-style CSV or .xlsx file into a running gateway (docs/import-export.md).",
        discussion: """
            Rows go over mutual TLS as a source identity, through the adapter, policy, validation and store that \
            gRPC ingest uses. Bad rows are written to <name>.rejects.csv beside the file with their line, byte \
            offset, column, field, rule and message. Exits 0 when every row was stored (accepted or duplicate), \
            1 when some were rejected, 2 when the import could not start or could not finish (usage, mapping, \
            header, connection; run it again to resume: stored rows come back DUPLICATE).
            """)

    @Option(help: "The adapter the rows are for, e.g. hotline-12345 or culture-tourism.") var adapter: String?
    @Option(help: "A column mapping (YAML); default: the adapter's built-in mapping.") var mapping: String?
    @Option(help: "utf-8 or gb18030; default: detected (a UTF-8 BOM, else UTF-8 if valid, else GB18030).")
    var encoding: String?
    @Option(help: "For .xlsx: the sheet, by name; default: the first.") var sheet: String?
    @Option(help: "Records per batch message.") var batch = 500
    @Flag(help: "Print the adapter's built-in mapping and exit.") var printMapping = false
    @OptionGroup var gateway: AdaptersCommand.GatewayOptions
    @Argument(parsing: .allUnrecognized, help: "The file: .csv or .xlsx.") var arguments: [String] = []

    func run() async throws {
        let started = ContinuousClock.now
        let plan: Prepared
        do {
            plan = try prepare()
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("govcase import: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if printMapping { return }
        print(
            "govcase import: \(plan.file): \(plan.encodingNote); \(plan.plan.mapping.origin); adapter \(plan.adapter), "
                + "records \(plan.plan.mapping.recordType)")
        let run = ImportRun(plan: plan, batchSize: max(1, min(batch, 1000)))
        do {
            try await gateway.connect { grpc in
                let client = Govcase_Gateway_V1_GenericIngestService.Client(wrapping: grpc)
                try await client.submitStream(
                    requestProducer: { writer in try await run.produce(writer) },
                    onResponse: { response in
                        for try await acks in response.messages { try run.receive(acks) }
                    })
            }
            try run.finish()
        } catch {
            run.endProgress()
            let summary = run.summaryLine
            _ = try? run.closeRejects()
            let stored = run.counts.accepted + run.counts.duplicate
            let advice =
                stored > 0 ? "; \(stored) row(s) were stored: run the same command again to resume" : ""
            FileHandle.standardError.write(
                Data("govcase import: stopped: \(run.refusal ?? describe(error))\(advice)\n\(summary)\n".utf8))
            throw ExitCode(2)
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(run.summaryLine + String(format: " in %.1f s", seconds))
        if run.counts.rejected > 0 {
            print("rejected rows are in \(run.rejectsPath) (one line per problem: line, byte_offset, column, field, rule, message, raw_row)")
            throw ExitCode(1)
        }
    }

    /// Everything checked before the first row is sent: file, encoding, mapping, header, record type.
    struct Prepared: @unchecked Sendable {
        var file: String
        var adapter: String
        var reader: any RowReader
        var plan: ImportPlan
        var encoding: TextEncoding
        var bom: Bool
        var encodingNote: String
        var messageType: any SwiftProtobuf.Message.Type
    }

    func prepare() throws -> Prepared {
        let unknown = arguments.filter { $0.hasPrefix("-") }
        guard unknown.isEmpty else {
            throw ImportError("unknown option \(unknown.joined(separator: " ")) (govcase import --help)")
        }
        guard let adapter else { throw ImportError("--adapter is required, e.g. --adapter hotline-12345") }
        let mapping: ColumnMapping
        if let path = self.mapping {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ImportError("cannot read the mapping \(path)")
            }
            mapping = try ColumnMapping.parse(yaml: text, origin: "mapping \(path)")
            guard mapping.adapter == adapter else {
                throw ImportError("mapping \(path) is for adapter \(mapping.adapter), not \(adapter)")
            }
        } else {
            guard let builtIn = try ColumnMapping.builtIn(adapter: adapter) else {
                throw ImportError(
                    "adapter \(adapter) has no built-in mapping (built-in: \(ColumnMapping.builtInAdapters.joined(separator: ", "))): give --mapping")
            }
            mapping = builtIn
        }
        if printMapping {
            if let url = self.mapping.map({ URL(fileURLWithPath: $0) }) ?? ColumnMapping.builtInURL(adapter: adapter) {
                print(try String(contentsOf: url, encoding: .utf8), terminator: "")
            }
            throw ExitCode(0)
        }
        let types = BuiltInAdapters.all().reduce(into: [String: any SwiftProtobuf.Message.Type]()) {
            $0.merge($1.messageTypes) { a, _ in a }
        }
        guard let messageType = types[mapping.recordType] else {
            throw ImportError(
                "\(mapping.origin): record_type \(mapping.recordType) is not a source record of the contracts (\(types.keys.sorted().joined(separator: ", ")))")
        }
        let files = arguments.filter { !$0.hasPrefix("-") }
        guard files.count == 1, let file = files.first else {
            throw ImportError(files.isEmpty ? "give the file to import (.csv or .xlsx)" : "give one file, not \(files.count)")
        }
        guard FileManager.default.isReadableFile(atPath: file) else { throw ImportError("cannot read \(file)") }
        let reader: any RowReader
        var textEncoding = TextEncoding.utf8
        var bom = true
        var note: String
        if file.lowercased().hasSuffix(".xlsx") {
            let sheetReader = try XLSXRowReader(path: file, sheet: sheet)
            reader = sheetReader
            note = "sheet \(sheetReader.sheetName)"
        } else {
            let detected = try EncodingDetector.detect(path: file)
            if let name = encoding {
                guard let chosen = TextEncoding(name: name) else {
                    throw ImportError("--encoding \(name): utf-8 or gb18030")
                }
                textEncoding = chosen
                note = "\(chosen.rawValue) (--encoding)"
            } else {
                textEncoding = detected.encoding
                note = "\(detected.encoding.rawValue) (detected\(detected.bom ? ": BOM" : ""))"
            }
            bom = detected.bom
            reader = try CSVRowReader(path: file, encoding: textEncoding)
        }
        guard let headerRow = try reader.next() else { throw ImportError("\(file) is empty: no header row") }
        if let problem = headerRow.problem { throw ImportError("\(file): the header row: \(problem.message)") }
        let header = try headerRow.cells.enumerated().map { n, cell in
            switch reader.cellEncoding.decode(cell) {
            case .success(let text): return CSVFormulaGuard.unguarded(text)  // as an export writes a header
            case .failure(let failure):
                throw ImportError(
                    "\(file): column \(n + 1) of the header: \(failure.summary); is the file \(textEncoding == .utf8 ? "GB18030 (--encoding gb18030)" : "UTF-8 (--encoding utf-8)")?")
            }
        }
        let plan = try ImportPlan(mapping: mapping, header: header, schema: try FieldSchema.contracts())
        return Prepared(
            file: file, adapter: adapter, reader: reader, plan: plan, encoding: reader.cellEncoding, bom: bom,
            encodingNote: note, messageType: messageType)
    }
}

private func describe(_ error: any Error) -> String {
    if let rpc = error as? RPCError {
        return rpc.code == .unavailable
            ? "cannot reach the gateway: \(rpc.message)" : "the gateway answered \(rpc.code): \(rpc.message)"
    }
    return "\(error)"
}

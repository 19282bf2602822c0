import ArgumentParser
import Foundation
import GovCaseAdapters
import GovCaseCore
import GovCaseServer
import GovCaseWire
import SwiftProtobuf

/// `govcase translate`: one source record in, a core case (or a follow-up) out, or its violations.
struct TranslateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Translates one source record (protobuf JSON) into a core case.",
        discussion: """
            Prints the core case (or, for a follow-up record, the follow-up) as protobuf JSON and exits 0.
            On invalid input prints one violation per line on stderr as `field.path: rule: message` and exits 1.
            An unknown adapter or message type exits 2 and lists the known ones.
            Given a golden vector file (Tests/Vectors), translates its record with its received_at, source_system
            and code_overrides unless options say otherwise.
            It answers as the gateway does: a new case gets the deadlines its region's policy starts (a default \
            rating that policy refuses is refused), and it is printed as an unmasked read shows it (no identity \
            key beside the full name). With --config, the deployment's deadlines, code overrides and clock skew \
            apply (--codes adds to its code overrides for the source system), and only the adapters it runs \
            (builtin_adapters) are known; without it, the embedded defaults of `govcase serve`.
            """)

    @Option(help: "A gateway's YAML configuration: its deadlines, code_overrides and validation.clock_skew_seconds apply.")
    var config: String?

    @Option(help: "Adapter id, e.g. national-platform (see `govcase adapters list`).")
    var adapter: String

    @Option(help: "Fully qualified message type; defaults to the record's @type field.")
    var type: String?

    @Option(help: "Source system the record comes from; picks code-table overrides. Default: cli.")
    var sourceSystem: String?

    @Option(help: "When the record was received, RFC 3339; defaults to now.")
    var receivedAt: String?

    @Option(help: "JSON code-table overrides for the source system: {\"<table>\": {\"<code>\": \"<core value>\"}}.")
    var codes: String?

    @Argument(
        help:
            "File with the record, or a golden vector (its record, time, source and overrides are used), or - for standard input."
    )
    var file = "-"

    func run() throws {
        let input = try readInput()
        let vector = GoldenVectorEnvelope(text: input)
        let sourceSystem = self.sourceSystem ?? vector?.sourceSystem ?? "cli"
        let deployment = config.map { path in
            do { return try GatewayConfiguration.loadRules(path: path) } catch { Self.fail(code: 2, "\(error)") }
        }
        var overrides = deployment?.codeOverrides.mapValues { $0.mapValues { CodeTable($0) } } ?? [:]
        var given = try codes.map { try CodeTable(json: Data(contentsOf: URL(fileURLWithPath: $0))) }
        if given == nil, let vectorCodes = vector?.codeOverrides { given = try CodeTable(json: vectorCodes) }
        // Given codes go on top of the deployment's for the same source system, table by table and code by code,
        // as an operator trying one more code expects: the deployment's other codes still apply.
        if let given { overrides[adapter, default: [:]][sourceSystem, default: CodeTable()].merge(given) }
        // The adapters the deployment runs (`builtin_adapters`), or all of them without --config.
        let adapters = BuiltInAdapters.all(overrides: overrides).filter {
            deployment?.builtInAdapters.contains($0.info.id) ?? true
        }
        guard let chosen = adapters.first(where: { $0.info.id == adapter }) else {
            let notRun = deployment != nil && BuiltInAdapters.all().contains { $0.info.id == adapter }
            Self.fail(
                code: 2,
                (notRun
                    ? "\(adapter) is not run by this deployment (its builtin_adapters leave it out)"
                    : "unknown adapter \"\(adapter)\"") + "; known: " + adapters.map(\.info.id).joined(separator: ", "))
        }
        let record: SourceRecordJSON
        do { record = try SourceRecordJSON(vector?.record ?? input) } catch {
            Self.fail(code: 1, "record: malformed: \(error)")
        }
        let known = chosen.info.messageTypes.joined(separator: ", ")
        guard let typeName = type ?? record.typeName else {
            Self.fail(code: 2, "the record has no @type and no --type was given; \(adapter) accepts: \(known)")
        }
        let message: (any SwiftProtobuf.Message)?
        do { message = try chosen.decode(json: record.json, typeName: typeName) } catch {
            // Named by its field, as every other violation is: the decoder alone says what, not where.
            let path = record.failingPath { json in _ = try chosen.decode(json: json, typeName: typeName) } ?? "record"
            Self.fail(code: 1, "\(path): malformed: \(error)")
        }
        guard let message else { Self.fail(code: 2, "\(adapter) does not accept \(typeName); it accepts: \(known)") }
        // The gateway's bounds on a record's structure, checked before any adapter looks at it.
        if let excess = RecordBounds().violation(in: message) {
            FileHandle.standardError.write(Data("\(excess)\n".utf8))
            throw ExitCode(1)
        }

        let received = try receivedAt.map(Self.date) ?? vector?.receivedAt ?? Date()
        let validation = deployment?.validation ?? GatewayConfiguration.Validation()
        let context = TranslationContext(
            sourceSystem: sourceSystem, receivedAt: received, clockSkew: TimeInterval(validation.clockSkewSeconds))
        switch chosen.translate(message, context: context) {
        case .newCase(var c)?:
            // What the gateway does next, by the same code (`Case.admit`), and how an unmasked read shows the case.
            let refusals = chosen.inSourceTerms(
                c.admit(under: (deployment?.deadlines ?? DeadlineConfiguration()).policies),
                recordType: Swift.type(of: message).protoMessageName)
            guard refusals.isEmpty else {
                for v in refusals { FileHandle.standardError.write(Data("\(v)\n".utf8)) }
                throw ExitCode(1)
            }
            print(try c.unmasked.proto.prettyJSON())
        case .followUp(let f)?: print(try f.proto.prettyJSON())
        case .rejected(let violations)?:
            for v in violations { FileHandle.standardError.write(Data("\(v)\n".utf8)) }
            throw ExitCode(1)
        case nil: Self.fail(code: 2, "\(adapter) does not accept \(typeName)")
        }
    }

    /// The whole input, from the file (a pipe or `/dev/fd` too) or standard input.
    func readInput() throws -> String {
        let handle = file == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: file)
        guard let handle else { throw ValidationError("cannot read \(file)") }
        return String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    }

    static func date(_ text: String) throws -> Date {
        guard let date = ISO8601DateFormatter().date(from: text) else {
            throw ValidationError("--received-at must be RFC 3339, e.g. 2025-03-10T02:00:00Z")
        }
        return date
    }

    static func fail(code: Int32, _ message: String) -> Never {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
        Foundation.exit(code)
    }
}

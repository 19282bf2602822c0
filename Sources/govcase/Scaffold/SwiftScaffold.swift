import ArgumentParser
import Foundation

/// The files of a new Swift plugin adapter: a package that depends on this checkout's `GovCasePluginKit` and
/// serves its adapter with `PluginMain.serve`. Its record contract is the same small evaluation message as the
/// Python scaffold's; the author replaces it with the source's real format.
struct SwiftScaffold {
    let id: String
    /// The govcase checkout the package depends on (by path: the plugin kit is not published elsewhere).
    let checkout: String
    /// The record contract, shared with the Python scaffold.
    let record: PythonScaffold

    init(id: String, checkout: String) {
        self.id = id
        self.checkout = checkout
        record = PythonScaffold(id: id, sdk: "")
    }

    /// `city-hotline` → `CityHotline`.
    var module: String {
        id.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined() + "Adapter"
    }
    var executable: String { "\(id)-plugin" }
    /// The generated Swift type of the record: protoc-gen-swift's name for `\(record.typeName)`.
    var swiftType: String {
        record.typeName.split(separator: ".").map { part in
            part.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        }.joined(separator: "_")
    }

    var files: [(String, String)] {
        [
            ("Package.swift", package), ("record.proto", record.proto), ("manifest.yaml", manifest),
            ("Sources/\(module)/\(module).swift", adapter), ("Sources/\(executable)/main.swift", main),
            ("Tests/\(module)Tests/VectorTests.swift", test), ("README.md", readme),
            (PythonScaffold.validVectorPath, record.validVector),
            (PythonScaffold.invalidVectorPath, record.invalidVector),
        ]
    }

    /// protoc-gen-swift: `PROTOC_GEN_SWIFT`, else the one `scripts/generate-protos.sh` builds in the checkout.
    var generator: String {
        ProcessInfo.processInfo.environment["PROTOC_GEN_SWIFT"] ?? "\(checkout)/.build-protoc/debug/protoc-gen-swift"
    }

    /// Generates `Sources/<module>/record.pb.swift` from `record.proto` with protoc and protoc-gen-swift.
    func generate(in folder: URL) throws {
        guard FileManager.default.isExecutableFile(atPath: generator) else {
            throw ValidationError(
                "no protoc-gen-swift at \(generator): build it once with `swift build --package-path \(checkout)/scripts/"
                    + "protoc-plugins --scratch-path \(checkout)/.build-protoc --product protoc-gen-swift` (or set "
                    + "PROTOC_GEN_SWIFT), then run again")
        }
        guard try PythonScaffold.succeeds(Self.protoc(generator: generator, module: module), in: folder) else {
            throw ValidationError(
                "protoc could not generate Sources/\(module)/record.pb.swift and record.binpb from record.proto")
        }
    }

    /// The record's Swift code and its descriptor set (which the plugin's Describe gives the gateway), in one run.
    static func protoc(generator: String, module: String) -> [String] {
        [
            "protoc", "--plugin=protoc-gen-swift=\(generator)", "--swift_opt=Visibility=Public",
            "--swift_out=Sources/\(module)", "--include_imports",
            "--descriptor_set_out=Sources/\(module)/record.binpb", "record.proto",
        ]
    }

    var package: String {
        """
        // swift-tools-version:6.1
        // The \(id) adapter plugin. GovCasePluginKit comes from the gateway's checkout, by path.
        import PackageDescription

        let package = Package(
            name: "\(id)",
            platforms: [.macOS(.v15)],
            dependencies: [
                .package(name: "GovCaseGateway", path: "\(checkout)"),
                .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
            ],
            targets: [
                // The adapter: record.proto's messages into core cases. Pure: no I/O, no clock.
                .target(
                    name: "\(module)",
                    dependencies: [
                        .product(name: "GovCasePluginKit", package: "GovCaseGateway"),
                        .product(name: "GovCaseAdapters", package: "GovCaseGateway"),
                        .product(name: "GovCaseCore", package: "GovCaseGateway"),
                        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                    ],
                    // record.proto's descriptors, generated beside record.pb.swift: Describe gives them.
                    resources: [.copy("record.binpb")]),
                // The plugin executable the manifest names.
                .executableTarget(
                    name: "\(executable)",
                    dependencies: [
                        "\(module)", .product(name: "GovCasePluginKit", package: "GovCaseGateway"),
                        .product(name: "GovCaseAdapters", package: "GovCaseGateway"),
                    ]),
                .testTarget(
                    name: "\(module)Tests",
                    dependencies: [
                        "\(module)", .product(name: "GovCaseCore", package: "GovCaseGateway"),
                        .product(name: "GovCaseWire", package: "GovCaseGateway"),
                        .product(name: "GovCaseProto", package: "GovCaseGateway"),
                    ]),
            ],
            swiftLanguageModes: [.v6]
        )

        """
    }

    var manifest: String {
        """
        # The plugin's manifest: the gateway's docs/plugins.md lists every key. Build first: swift build
        id: \(id)
        version: 0.1.0
        executable: .build/debug/\(executable)
        message_types:
          - \(record.typeName)
        protocol_versions: ["1"]
        call_deadline_ms: 5000
        concurrency: 4
        batch_size: 100

        """
    }

    var adapter: String {
        """
        import Foundation
        import GovCaseAdapters
        import GovCaseCore
        import SwiftProtobuf

        /// The \(id) adapter: its Evaluation records (record.proto) into core cases.
        public struct \(module): SourceMessageAdapter {
            public typealias SourceRecord = \(swiftType)

            public init() {}

            public let info = AdapterInfo(
                id: "\(id)", version: "0.1.0", messageTypes: [\(swiftType).protoMessageName],
                summary: "\(id) evaluations")
            /// Code tables: this record carries no codes; add a table per coded field (unknown codes are refused).
            public let codes = CodeTables(defaults: CodeTable())
            public static let messageTypes: [any SwiftProtobuf.Message.Type] = [\(swiftType).self]

            /// The descriptors of record.proto (`protoc --include_imports --descriptor_set_out`), for Describe.
            public static var descriptorSet: Data? {
                Bundle.module.url(forResource: "record", withExtension: "binpb").flatMap { try? Data(contentsOf: $0) }
            }

            public static func wrap(_ message: any SwiftProtobuf.Message) -> SourceRecord? { message as? SourceRecord }
            public static func unwrap(_ record: SourceRecord) -> (any SwiftProtobuf.Message)? { record }

            public func translate(_ record: SourceRecord, context: TranslationContext) -> Translation {
                var problems: [FieldViolation] = []
                if record.regionCode.isEmpty {
                    problems.append(FieldViolation(field: "region_code", rule: .required, message: "is required"))
                }
                let level = SatisfactionLevel(rawValue: Int(record.level))
                if level == nil {
                    problems.append(FieldViolation(field: "level", rule: .level, message: "\\(record.level) is not 1–5"))
                }
                let evaluatedAt = try? Date(record.evaluatedAt, strategy: .iso8601)
                if evaluatedAt == nil {
                    problems.append(
                        FieldViolation(
                            field: "evaluated_at", rule: ValidationRule(rawValue: "malformed"),
                            message: "not an ISO 8601 time with offset"))
                }
                guard problems.isEmpty, let level, let evaluatedAt else { return .rejected(problems) }
                return .newCase(
                    Case(
                        source: SourceIdentity(externalID: record.recordID, revision: max(record.revision, 1)),
                        kind: .evaluation, regionCode: record.regionCode,
                        service: ServiceReference(
                            itemCode: record.itemCode, organisation: Organisation(name: record.organisation),
                            channel: .web),
                        evaluation: Evaluation(level: level, text: record.comment, evaluatedAt: evaluatedAt),
                        receivedAt: evaluatedAt))
            }

            /// Forwarding upstream in this source's format: not supported by this plugin.
            public func render(_ case: Case) throws(CaseError) -> [SourceRecord] { [] }
            public func render(_ event: LifecycleEvent, of case: Case) throws(CaseError) -> [SourceRecord] { [] }
        }

        """
    }

    var main: String {
        """
        import GovCaseAdapters
        import GovCasePluginKit
        import \(module)

        // Started by the gateway from manifest.yaml: handshake, health, Describe and translation are the kit's.
        try await PluginMain.serve(AnySourceAdapter(\(module)()), descriptorSet: \(module).descriptorSet)

        """
    }

    var test: String {
        """
        import Foundation
        import GovCaseCore
        import GovCaseProto
        import GovCaseWire
        import SwiftProtobuf
        import Testing
        import \(module)

        /// Every vector in vectors/ through the adapter: a valid one must give its expected case, an invalid one
        /// exactly its violations. `swift test`; then `govcase adapters check manifest.yaml` runs the same vectors
        /// through the plugin started for real.
        @Suite struct VectorTests {
            @Test func everyVectorGivesWhatItExpects() throws {
                let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                    .deletingLastPathComponent().appendingPathComponent("vectors")
                var checked = 0
                for kind in ["valid", "invalid"] {
                    let dir = folder.appendingPathComponent(kind)
                    for file in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
                    where file.hasSuffix(".json") {
                        let name = "\\(kind)/\\(file)"
                        let object = try #require(
                            try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(file)))
                                as? [String: Any])
                        var fields = try #require(object["record"] as? [String: Any])
                        fields["@type"] = nil
                        let record = try \(swiftType)(jsonUTF8Data: try JSONSerialization.data(withJSONObject: fields))
                        let expect = try #require(object["expect"] as? [String: Any])
                        let answer = \(module)().translate(
                            record, context: TranslationContext(sourceSystem: "vector-source", receivedAt: Date()))
                        switch answer {
                        case .newCase(var c):
                            let expected = try #require(expect["case"], "\\(name): a case, expected a rejection")
                            // The gateway fills in who sent the record and through which adapter.
                            c.source.sourceSystem = "vector-source"
                            c.source.adapterID = "\(id)"
                            let want = try Govcase_Core_V1_Case(
                                jsonUTF8Data: try JSONSerialization.data(withJSONObject: expected))
                            #expect(c.proto == want, "\\(name): \\(c.proto.textFormatString())")
                        case .rejected(let violations):
                            let expected = try #require(
                                expect["violations"] as? [[String: String]], "\\(name): rejected \\(violations)")
                            #expect(
                                violations.map { [$0.field, $0.rule.rawValue] }
                                    == expected.map { [$0["field"] ?? "", $0["rule"] ?? ""] }, "\\(name)")
                        case .followUp:
                            Issue.record("\\(name): a follow-up")
                        }
                        checked += 1
                    }
                }
                #expect(checked > 0)
            }
        }

        """
    }

    var readme: String {
        """
        # \(id): a GovCase Gateway adapter plugin in Swift

        Made by `govcase adapters new \(id) --language swift`. The protocol, the manifest and every error with its
        fix are in the gateway's docs/plugins.md. `GovCasePluginKit` does the protocol: the cookie, the handshake
        line, health, Describe (with the record's descriptors), batching, logging to stderr, SIGTERM.

        | file | what it is |
        |---|---|
        | `record.proto` | the record as the source sends it (`\(record.typeName)`) |
        | `Sources/\(module)/record.pb.swift`, `record.binpb` | its Swift code (protoc-gen-swift) and descriptor set (for Describe), generated from it |
        | `Sources/\(module)/\(module).swift` | the adapter: `translate` turns a record into a core case or a rejection |
        | `Sources/\(executable)/main.swift` | the plugin executable |
        | `manifest.yaml` | what the gateway starts and how it treats it |
        | `vectors/` | golden vectors: `valid/` records with the case each must give, `invalid/` with their violations (the conformance kit's format, docs/plugins.md) |
        | `Tests/\(module)Tests/` | runs the vectors through the adapter |

        ```sh
        swift build && swift test                                # the plugin and its vectors
        govcase adapters check manifest.yaml                     # start it alone: handshake, health, Describe, vectors
        govcase conformance run --role adapter --manifest manifest.yaml --report conformance/
        govcase adapters register manifest.yaml --gateway <host:port> --cert <pem> --key <pem> --ca <pem>
        ```

        After changing `record.proto`, regenerate its code and descriptors (Describe gives them to the gateway):
        `\(Self.protoc(generator: "<path>", module: module).joined(separator: " "))`. Senders submit through
        `govcase.gateway.v1.GenericIngestService` with `adapter_id: \(id)` and the record packed in
        `google.protobuf.Any`.

        """
    }
}

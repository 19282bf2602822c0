import Foundation
import GovCaseAdapters
import GovCaseCore
import GovCasePlugins
import GovCaseProto
import Logging
import SwiftProtobuf
import GovCaseTestSupport
import Testing

/// Each built-in adapter also runs as a plugin (`govcase-adapter-plugin <id>`, the same code behind the plugin
/// protocol). Every golden vector goes through both forms, the plugin's through the supervisor and the
/// gateway's reading of plugin answers, and the translations must be identical.
@Suite(.heavy) struct PluginFormTests {
    static let executable = Bundle.main.executableURL!.deletingLastPathComponent()
        .appendingPathComponent("govcase-adapter-plugin").path

    @Test(arguments: BuiltInAdapters.all().map(\.info.id))
    func theVectorsTranslateTheSameInProcessAndAsAPlugin(adapterID: String) async throws {
        let adapter = try #require(BuiltInAdapters.all().first { $0.info.id == adapterID })
        // Code-table overrides are the deployment's, given to built-ins only; vectors that need them stay in-process.
        let vectors = Vector.all().filter { $0.adapterID == adapterID && $0.overrides == nil }
        try #require(!vectors.isEmpty)
        let manifest = try PluginManifest.parse(
            yaml: """
                id: \(adapterID)
                version: \(adapter.info.version)
                executable: \(Self.executable)
                arguments: [\(adapterID)]
                message_types: [\(adapter.info.messageTypes.joined(separator: ", "))]
                call_deadline_ms: 30000
                """)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pf-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let supervisor = PluginSupervisor(
            manifest: manifest, socketDirectory: folder.path, logger: Logger(label: "plugin-form-test"))
        try await withThrowingTaskGroup { group in
            group.addTask { await supervisor.run() }
            defer { supervisor.stop() }
            // Room for a loaded machine: the whole suite runs at once on two cores, and a debug Swift plugin then
            // took over 30 s to start (seen in a full run; 2 s alone).
            let notReady = await supervisor.waitUntilReady(timeout: .seconds(120))
            try #require(notReady == nil, "\(notReady ?? "")")
            for vector in vectors {
                let message = try vector.decode(vector.record)
                let inProcess = try #require(adapter.translate(message, context: vector.context))
                let answers = try await supervisor.translate([
                    .with {
                        $0.record = try Google_Protobuf_Any(message: message)
                        $0.context = .with {
                            $0.sourceSystem = vector.sourceSystem
                            $0.receivedAt = Google_Protobuf_Timestamp(date: vector.receivedAt)
                        }
                    }
                ])
                let asPlugin = PluginAnswer.translation(
                    of: try #require(answers.first).get(), recordExternalID: "", pluginID: adapterID,
                    context: vector.context)
                #expect(try asPlugin.get() == inProcess, "\(vector.testDescription)")
            }
        }
    }

    /// A development tool still says what it takes: bad arguments exit 2 with the usage line, before any plugin
    /// protocol (no cookie is needed to be told).
    @Test(arguments: [
        [], ["nowhere"], ["national-platform", "--streams"], ["national-platform", "--streams", "-1"],
        ["national-platform", "--streams", "many"], ["national-platform", "--calls", "2"],
    ])
    func badArgumentsExitTwoWithTheUsage(arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = arguments
        let standardError = Pipe()
        process.standardError = standardError
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let said = String(decoding: standardError.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 2, "\(said)")
        #expect(said.contains("usage: govcase-adapter-plugin <adapter id> [--streams N]"), "\(said)")
        #expect(said.contains("national-platform"), "the usage names the adapters: \(said)")
    }
}

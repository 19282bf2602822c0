import Foundation
import Testing

/// Plugin adapters on a running `govcase serve`, driven from outside: the example Python plugin registered
/// and used by a grpcio client (`Tests/Interop/plugin_client.py`), misbehaving plugins
/// (`Tests/Interop/bad_plugins_client.py`), and the command line (`govcase adapters ...`).
@Suite struct PluginTests {
    static let repository = PythonInteropTests.repository

    /// Runs one of the Python sessions against a new deployment's gateway; returns its output.
    func runPython(_ script: String) async throws -> (status: Int32, output: String) {
        let deployment = try await Deployment.make()
        let gateway = try deployment.serve()
        let port = try await gateway.servingPort()
        defer { gateway.send(SIGTERM) }
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = [
            "python3", Self.repository.appendingPathComponent("Tests/Interop/\(script)").path,
            "--target", "127.0.0.1:\(port)", "--pki", deployment.folder.path, "--repo", Self.repository.path,
        ]
        let output = Pipe()
        python.standardOutput = output
        python.standardError = output
        try python.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        python.waitUntilExit()
        return (python.terminationStatus, text + "\n--- gateway log ---\n" + gateway.text)
    }

    @Test func aPythonPluginIsRegisteredOnARunningGatewayAndSurvivesSIGKILLMidStream() async throws {
        let (status, output) = try await runPython("plugin_client.py")
        #expect(status == 0, "\(output)")
        #expect(output.contains("plugin session passed"), "\(output)")
        #expect(output.contains("ok  all "), "\(output)")
    }

    @Test func misbehavingPluginsCostRetryableErrorsNeverAStuckGateway() async throws {
        let (status, output) = try await runPython("bad_plugins_client.py")
        #expect(status == 0, "\(output)")
        #expect(output.contains("bad plugins passed"), "\(output)")
    }

    @Test func aRegistrationIsKeptAcrossARestartAndTheCommandLineDrivesIt() async throws {
        let deployment = try await Deployment.make()
        let manifest = Self.repository.appendingPathComponent("Plugins/examples/province-json/manifest.yaml").path
        let check = try await GatewayProcess.run(["adapters", "check", manifest])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("ok: province-json 1.0.0 handshaken, healthy and described"), "\(check.output)")

        var gateway = try deployment.serve()
        var port = try await gateway.servingPort()
        func adapters(_ arguments: [String]) async throws -> (status: Int32, output: String) {
            try await GatewayProcess.run(
                ["adapters"] + arguments + ["--gateway", "127.0.0.1:\(port)", "--deployment", deployment.folder.path])
        }
        let registered = try await adapters(["register", manifest])
        #expect(registered.status == 0, "\(registered.output)")
        #expect(registered.output.contains("province-json\t1.0.0\tplugin ready"), "\(registered.output)")
        // A source system is not an operator.
        let refused = try await adapters(["remove", "province-json", "--as", "national-sc"])
        #expect(refused.status != 0 && refused.output.contains("admin"), "\(refused.output)")

        gateway.send(SIGTERM)
        #expect(try await gateway.exitStatus() == 0, "\(gateway.text)")
        gateway = try deployment.serve()
        port = try await gateway.servingPort()
        defer { gateway.send(SIGTERM) }
        var listed = ""
        for _ in 0..<100 {
            listed = try await adapters(["list"]).output
            if listed.contains("province-json\t1.0.0\tplugin ready") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(listed.contains("province-json\t1.0.0\tplugin ready"), "\(listed)\n\(gateway.text)")
        #expect(listed.contains("national-platform\t1.0.0\tbuilt-in"), "\(listed)")

        let removed = try await adapters(["remove", "province-json"])
        #expect(removed.status == 0, "\(removed.output)")
        let described = try await adapters(["describe", "province-json"])
        #expect(described.status != 0 && described.output.contains("unknown adapter"), "\(described.output)")
    }

    @Test func aPluginRunByHandSaysWhatItIsAndExits() async throws {
        let plugin = Process()
        plugin.executableURL = Self.repository.appendingPathComponent("Plugins/examples/province-json/plugin.py")
        let output = Pipe()
        plugin.standardOutput = output
        plugin.standardError = output
        try plugin.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        plugin.waitUntilExit()
        #expect(plugin.terminationStatus == 1)
        #expect(text.contains("is a GovCase Gateway adapter plugin; the gateway starts it"), "\(text)")
    }
}

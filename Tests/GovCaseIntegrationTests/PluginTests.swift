import Foundation
import GovCaseTestSupport
import Testing

/// Plugin adapters on a running `govcase serve`, driven from outside: the example Python plugin registered
/// and used by a grpcio client (`Tests/Interop/plugin_client.py`), a plugin written from the documents alone
/// (`Tests/Interop/independent_plugin_client.py`), misbehaving plugins
/// (`Tests/Interop/bad_plugins_client.py`), and the command line (`govcase adapters ...`).
@Suite(.heavy) struct PluginTests {
    static let repository = PythonInteropTests.repository

    /// Runs one of the Python sessions against a new deployment's gateway; returns its output.
    func runPython(_ script: String, configure: (String) -> String = { $0 }) async throws -> (
        status: Int32, output: String
    ) {
        let deployment = try await Deployment.make()
        try deployment.editConfiguration(configure)
        let gateway = try deployment.serve()
        let port = try await gateway.servingPort()
        defer { gateway.send(SIGTERM) }
        let (status, text) = try await ExternalProgram.python(
            Self.repository.appendingPathComponent("Tests/Interop/\(script)"),
            ["--target", "127.0.0.1:\(port)", "--pki", deployment.folder.path, "--repo", Self.repository.path])
        return (status, text + "\n--- gateway log ---\n" + gateway.text)
    }

    @Test func aPythonPluginIsRegisteredOnARunningGatewayAndSurvivesSIGKILLMidStream() async throws {
        let (status, output) = try await runPython("plugin_client.py")
        #expect(status == 0, "\(output)")
        #expect(output.contains("plugin session passed"), "\(output)")
        #expect(output.contains("ok  all "), "\(output)")
    }

    /// The issue that made plugins is judged by a plugin written outside the project from the documents alone;
    /// `Tests/Interop/independent_plugin/plugin.py` is one (no SDK, its code generated from Proto/ at run time).
    @Test func aPluginWrittenFromTheDocumentsAloneIsRegisteredUsedAndSurvivesSIGKILL() async throws {
        // The operator grants the new adapter to the source system that will send through it.
        let (status, output) = try await runPython("independent_plugin_client.py") {
            $0.replacingOccurrences(
                of: "adapters: [national-platform, province-json]",
                with: "adapters: [national-platform, province-json, sichuan-line]")
        }
        #expect(status == 0, "\(output)")
        #expect(output.contains("independent plugin session passed"), "\(output)")
        #expect(output.contains("ok  all "), "\(output)")
    }

    @Test func misbehavingPluginsCostRetryableErrorsNeverAStuckGateway() async throws {
        let (status, output) = try await runPython("bad_plugins_client.py")
        #expect(status == 0, "\(output)")
        #expect(output.contains("bad plugins passed"), "\(output)")
    }

    @Test func pluginsFailAloneAndTakeNothingOfTheGateway() async throws {
        // A variable of the gateway's environment that no plugin may see (isolation_client.py looks for it).
        setenv("GOVCASE_TEST_CANARY", "the gateway's own", 1)
        let (status, output) = try await runPython("isolation_client.py")
        #expect(status == 0, "\(output)")
        #expect(output.contains("isolation passed"), "\(output)")
    }

    /// A record that makes the plugin's memory grow until the kernel's out-of-memory killer ends it, for real: the
    /// gateway runs in a memory cgroup limited to 768 MiB (as systemd's MemoryMax would hold it), the plugin
    /// (`bad_plugin.py poison`) allocates on BALLOON until the kernel kills it. The record is held as poison with
    /// that cause, the other records of its batch are accepted, and the gateway lives on. The kernel's own count
    /// proves the kills were its.
    @Test(
        .enabled(
            if: MemoryCgroup.canBeMade,
            "needs a memory cgroup of its own: root, and cgroup v1 or v2 with the memory controller delegated"))
    func aRecordThePluginIsKilledForOutOfMemoryIsHeldAsPoisonAndTheGatewayLivesOn() async throws {
        let cgroup = try #require(MemoryCgroup.make(limitBytes: 768 << 20))
        defer { cgroup.remove() }
        let deployment = try await Deployment.make()
        let gateway = try deployment.serve()
        do {
            try cgroup.add(gateway.identifier)
        } catch {
            gateway.send(SIGKILL)
            throw error
        }
        let port = try await gateway.servingPort()
        let before = cgroup.outOfMemoryKills ?? 0
        let script = Self.repository.appendingPathComponent("Tests/Interop/isolation_client.py")
        let (status, text) = try await ExternalProgram.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["ISOLATION_OUT_OF_MEMORY=1", "python3", script.path, "--target", "127.0.0.1:\(port)", "--pki",
             deployment.folder.path, "--repo", Self.repository.path])
        let kills = (cgroup.outOfMemoryKills ?? 0) - before
        let alive = kill(gateway.identifier, 0) == 0
        gateway.send(SIGTERM)
        _ = try await gateway.exitStatus()
        #expect(status == 0 && text.contains("out of memory passed"), "\(text)\n--- gateway log ---\n\(gateway.text)")
        // At least the second time, with the record alone (the first may end at the call deadline on a loaded
        // machine, the kernel reclaiming pages as the plugin grows).
        #expect(kills >= 1, "the kernel's out-of-memory killer ended the plugin in the cgroup (\(kills))")
        #expect(alive, "the gateway itself was not killed")
    }

    /// A gateway killed with SIGKILL cannot stop its plugins: the end of their stdin pipe tells them to exit.
    @Test func aPluginExitsWhenItsGatewayIsKilled() async throws {
        let deployment = try await Deployment.make()
        let gateway = try deployment.serve()
        let port = try await gateway.servingPort()
        let script = Self.repository.appendingPathComponent("Tests/Interop/isolation_client.py")
        let (status, text) = try await ExternalProgram.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["ISOLATION_REGISTER_ONLY=1", "python3", script.path, "--target", "127.0.0.1:\(port)", "--pki",
             deployment.folder.path, "--repo", Self.repository.path])
        #expect(status == 0, "\(text)")
        let pid = try #require(
            text.split(separator: "\n").first { $0.hasPrefix("plugin pid=") }.flatMap { Int32($0.dropFirst(11)) },
            "\(text)")
        #expect(kill(pid, 0) == 0, "the plugin runs")
        gateway.send(SIGKILL)
        // The plugin is the gateway's child no more: it must see its stdin end and exit by itself.
        var gone = false
        for _ in 0..<200 where !gone {
            try await Task.sleep(for: .milliseconds(50))
            gone = kill(pid, 0) != 0 || Self.isZombie(pid)
        }
        if !gone { kill(pid, SIGKILL) }
        #expect(gone, "the plugin \(pid) exits within 10 s of its gateway's SIGKILL")
    }

    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
    }

    @Test func aRegistrationIsKeptAcrossARestartAndTheCommandLineDrivesIt() async throws {
        let deployment = try await Deployment.make()
        let manifest = Self.repository.appendingPathComponent("Plugins/examples/province-json/manifest.yaml").path
        let check = try await GatewayProcess.run(["adapters", "check", manifest])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("ok: province-json 1.0.0 handshaken, healthy and described"), "\(check.output)")
        // The Python SDK offers max_workers - 2 = 6 streams; the manifest's concurrency (4) bounds them.
        #expect(
            check.output.contains("batches over up to 4 TranslateStream stream(s) (offers 6, concurrency 4)"),
            "\(check.output)")
        #expect(check.output.contains("ok   valid/001-app-evaluation-satisfied.json"), "\(check.output)")
        #expect(check.output.contains("2 vector(s), 0 failed"), "\(check.output)")

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

    /// `plugins.manifests` in gateway.yaml: the plugins declared there start with the gateway, show where they
    /// were declared, keep their ids (over a registration kept from before), and come back at every start; a
    /// faulty manifest stops the start.
    @Test func aPluginsFolderInTheConfigurationStartsItsPluginsWithTheGateway() async throws {
        let deployment = try await Deployment.make()
        let example = Self.repository.appendingPathComponent("Plugins/examples/province-json")
        // First registered through the admin API, and so kept.
        var gateway = try deployment.serve()
        var port = try await gateway.servingPort()
        func adapters(_ arguments: [String]) async throws -> (status: Int32, output: String) {
            try await GatewayProcess.run(
                ["adapters"] + arguments + ["--gateway", "127.0.0.1:\(port)", "--deployment", deployment.folder.path])
        }
        let registered = try await adapters(["register", example.appendingPathComponent("manifest.yaml").path])
        #expect(registered.status == 0, "\(registered.output)")
        gateway.send(SIGTERM)
        #expect(try await gateway.exitStatus() == 0, "\(gateway.text)")

        let declared = deployment.folder.appendingPathComponent("plugins.d")
        try FileManager.default.createDirectory(at: declared, withIntermediateDirectories: true)
        let file = declared.appendingPathComponent("province-json.yaml")
        try String(contentsOf: example.appendingPathComponent("manifest.yaml"), encoding: .utf8)
            .replacingOccurrences(
                of: "executable: plugin.py", with: "executable: \(example.appendingPathComponent("plugin.py").path)"
            )
            .write(to: file, atomically: true, encoding: .utf8)
        try deployment.editConfiguration { $0 + "\nplugins: { manifests: plugins.d }\n" }

        gateway = try deployment.serve()
        port = try await gateway.servingPort()
        func waitUntilListedReady() async throws -> String {
            var listed = ""
            for _ in 0..<150 {
                listed = try await adapters(["list"]).output
                if listed.contains("province-json\t1.0.0\tplugin ready") { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            return listed
        }
        var listed = try await waitUntilListedReady()
        #expect(listed.contains("province-json\t1.0.0\tplugin ready"), "\(listed)\n\(gateway.text)")
        let described = try await adapters(["describe", "province-json"])
        #expect(described.output.contains("declared by \(file.path)"), "\(described.output)")
        #expect(
            gateway.text.contains("a kept plugin registration is left aside: its id is declared by a manifest file"),
            "\(gateway.text)")
        // Its id is taken: the admin API cannot register another plugin under it.
        let again = try await adapters(["register", example.appendingPathComponent("manifest.yaml").path])
        #expect(again.status != 0 && again.output.contains("registered already"), "\(again.output)")
        // Removed, it stops until the next start, which reads the folder again.
        let removed = try await adapters(["remove", "province-json"])
        #expect(removed.status == 0, "\(removed.output)")
        gateway.send(SIGTERM)
        #expect(try await gateway.exitStatus() == 0, "\(gateway.text)")
        #expect(gateway.text.contains("plugin removed until the gateway restarts"), "\(gateway.text)")
        gateway = try deployment.serve()
        port = try await gateway.servingPort()
        listed = try await waitUntilListedReady()
        #expect(listed.contains("province-json\t1.0.0\tplugin ready"), "\(listed)\n\(gateway.text)")
        gateway.send(SIGTERM)
        #expect(try await gateway.exitStatus() == 0, "\(gateway.text)")

        // The file out of the folder: the registration kept from before, left aside all along, starts again.
        try FileManager.default.removeItem(at: file)
        gateway = try deployment.serve()
        port = try await gateway.servingPort()
        listed = try await waitUntilListedReady()
        #expect(listed.contains("province-json\t1.0.0\tplugin ready"), "\(listed)\n\(gateway.text)")
        let kept = try await adapters(["describe", "province-json"])
        #expect(!kept.output.contains("declared by"), "\(kept.output)")
        gateway.send(SIGTERM)
        #expect(try await gateway.exitStatus() == 0, "\(gateway.text)")

        // A faulty manifest in the folder: the gateway does not start, and says which file and key.
        try "id: city-x\nversion: 1.0.0\nexecutable: /bin/true\nmessage_types: [a.v1.R]\ncolour: blue\n"
            .write(to: declared.appendingPathComponent("zz-city-x.yaml"), atomically: true, encoding: .utf8)
        let refused = try await GatewayProcess.run(["serve", "--config", deployment.configuration.path])
        #expect(refused.status != 0, "\(refused.output)")
        #expect(refused.output.contains("plugins.manifests"), "\(refused.output)")
        #expect(refused.output.contains("zz-city-x.yaml: colour"), "\(refused.output)")
    }

    @Test func aScaffoldedPythonPluginPassesItsVectorsAndStarts() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scaffold-\(UUID())")
        let made = try await GatewayProcess.run(["adapters", "new", "city-hotline", "--out", folder.path])
        #expect(made.status == 0, "\(made.output)")
        let tested = try await ExternalProgram.python(folder.appendingPathComponent("test_plugin.py"), [])
        #expect(tested.status == 0, "\(tested.output)")
        #expect(tested.output.contains("OK"), "\(tested.output)")
        let checked = try await GatewayProcess.run(
            ["adapters", "check", folder.appendingPathComponent("manifest.yaml").path])
        #expect(checked.status == 0, "\(checked.output)")
        #expect(checked.output.contains("ok: city-hotline 0.1.0"), "\(checked.output)")
        #expect(checked.output.contains("2 vector(s), 0 failed"), "\(checked.output)")
        // A vector whose expected case differs from the translation fails the check, naming the vector and field.
        let valid = folder.appendingPathComponent("vectors/valid/001-very-satisfied.json")
        try String(contentsOf: valid, encoding: .utf8).replacingOccurrences(
            of: "\"text\": \"办事很快\"", with: "\"text\": \"办事很慢\""
        )
        .write(to: valid, atomically: true, encoding: .utf8)
        let failing = try await GatewayProcess.run(
            ["adapters", "check", folder.appendingPathComponent("manifest.yaml").path])
        #expect(failing.status == 1, "\(failing.output)")
        #expect(
            failing.output.contains("FAIL valid/001-very-satisfied.json: expected \"text: \"办事很慢\"\""),
            "\(failing.output)")
        let again = try await GatewayProcess.run(["adapters", "new", "city-hotline", "--out", folder.path])
        #expect(again.status != 0 && again.output.contains("exists"), "\(again.output)")
    }

    @Test func aPluginRunByHandSaysWhatItIsAndExits() async throws {
        let (status, text) = try await ExternalProgram.run(
            Self.repository.appendingPathComponent("Plugins/examples/province-json/plugin.py"), [])
        #expect(status == 1)
        #expect(text.contains("is a GovCase Gateway adapter plugin; the gateway starts it"), "\(text)")
    }
}

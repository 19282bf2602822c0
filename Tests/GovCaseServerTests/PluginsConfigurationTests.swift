import Foundation
import GovCasePlugins
import GovCasePolicy
import GovCaseServer
import Testing

/// `plugins.manifests`: a folder of plugin manifests started with the gateway. Every fault in a declared manifest
/// stops the configuration, naming the file and the manifest's key, before anything starts.
@Suite struct PluginsConfigurationTests {
    /// A folder with an executable and the given manifest files.
    static func folder(_ files: [String: String]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("plugins-d-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let executable = folder.appendingPathComponent("plugin.sh")
        try "#!/bin/sh\nexit 1\n".write(to: executable, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: executable.path)
        for (name, text) in files {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return folder
    }

    static func manifest(_ id: String, type: String = "example.v1.Record", extra: String = "") -> String {
        "id: \(id)\nversion: 1.0.0\nexecutable: plugin.sh\nmessage_types: [\(type)]\n\(extra)"
    }

    static let builtIns = ["national-platform", "culture-tourism", "hotline-12345"]

    @Test func theKeyParsesAndAnUnknownOneIsNamed() throws {
        let base = """
            listen: { host: 127.0.0.1, port: 0 }
            tls: { certificate: s.pem, key: k.pem, client_ca: ca.pem }
            store: { path: cases.sqlite, evaluator_key: e.key }
            policy: { trust_domain: gov.test, grants: [] }

            """
        #expect(try GatewayConfiguration.parse(yaml: base).plugins.manifests == nil)
        #expect(
            try GatewayConfiguration.parse(yaml: base + "plugins: { manifests: plugins.d }").plugins.manifests
                == "plugins.d")
        #expect {
            try GatewayConfiguration.parse(yaml: base + "plugins: { folder: x }")
        } throws: { ($0 as? ConfigurationError)?.message.contains("folder") == true }
    }

    @Test func manifestsAreReadInNameOrderWithTheirFilesAndPathsFromTheirFolder() throws {
        let folder = try Self.folder([
            "b.yaml": Self.manifest("city-b", type: "b.v1.Record"),
            "a.yml": Self.manifest("city-a", type: "a.v1.Record"),
            "README.md": "not a manifest",
            ".c.yaml": "an editor's file: not a manifest",
        ])
        let declared = try PluginsConfiguration(manifests: folder.path).declared(builtInAdapters: Self.builtIns)
        #expect(declared.map(\.manifest.id) == ["city-a", "city-b"])
        #expect(
            declared.map(\.origin.file) == [
                folder.appendingPathComponent("a.yml").path,
                folder.appendingPathComponent("b.yaml").path,
            ])
        #expect(declared[0].manifest.executable == folder.appendingPathComponent("plugin.sh").path)
        #expect(declared[0].origin.yaml == Self.manifest("city-a", type: "a.v1.Record"))
        #expect(try PluginsConfiguration().declared(builtInAdapters: Self.builtIns).isEmpty)
    }

    @Test(arguments: [
        (["x.yaml": manifest("city-x", extra: "colour: blue\n")], "x.yaml: colour"),
        (["x.yaml": manifest("city-x", extra: "concurrency: 0\n")], "x.yaml: concurrency"),
        (
            ["x.yaml": "id: city-x\nversion: 1.0.0\nexecutable: nowhere\nmessage_types: [a.v1.R]\n"],
            "x.yaml: executable"
        ),
        (
            ["x.yaml": manifest("city-x"), "y.yaml": manifest("city-x", type: "y.v1.R")],
            "y.yaml: id city-x is declared by"
        ),
        (
            ["x.yaml": manifest("city-x"), "y.yaml": manifest("city-y")],
            "y.yaml: message type example.v1.Record belongs to adapter city-x"
        ),
        (["x.yaml": manifest("national-platform")], "x.yaml: national-platform is a built-in adapter's id"),
        (
            ["x.yaml": manifest("city-x", type: "govcase.sources.hotline12345.v1.WorkOrder")],
            "belongs to adapter hotline-12345"
        ),
    ])
    func aFaultyManifestStopsTheConfigurationNamingItsFileAndKey(files: [String: String], expected: String) throws {
        let folder = try Self.folder(files)
        do {
            _ = try PluginsConfiguration(manifests: folder.path).declared(builtInAdapters: Self.builtIns)
            Issue.record("accepted; expected \(expected)")
        } catch {
            #expect(error.key == "plugins.manifests")
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test func aBuiltInLeftOutLetsAPluginTakeItsIdAndTypes() throws {
        let folder = try Self.folder([
            "national.yaml": Self.manifest("national-platform", type: "govcase.sources.national.v1.EvaluationRecord")
        ])
        let declared = try PluginsConfiguration(manifests: folder.path)
            .declared(builtInAdapters: ["culture-tourism", "hotline-12345"])
        #expect(declared.map(\.manifest.id) == ["national-platform"])
    }

    @Test func aMissingFolderIsAnError() {
        do {
            _ = try PluginsConfiguration(manifests: "/nonexistent/plugins.d").declared(builtInAdapters: Self.builtIns)
            Issue.record("a missing folder was accepted")
        } catch {
            #expect(error.key == "plugins.manifests")
            #expect(error.message.contains("/nonexistent/plugins.d is not a folder"))
        }
    }
}

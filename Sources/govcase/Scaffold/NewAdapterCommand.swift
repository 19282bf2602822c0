import ArgumentParser
import Foundation

/// `govcase adapters new <id> --language python`: a working plugin adapter to start from.
struct NewAdapterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Scaffolds a working plugin adapter: manifest, record contract, code, two vectors, a test, a README.")

    @Argument(help: "Adapter id: 2–40 lowercase letters, digits and dashes, e.g. city-hotline.")
    var id: String

    @Option(help: "The plugin's language (python).")
    var language = "python"

    @Option(help: "Folder to create (default: ./<id>).")
    var out: String?

    @Option(help: "The Python SDK folder (Plugins/sdk/python of a govcase checkout).")
    var sdk: String?

    func validate() throws {
        guard id.wholeMatch(of: /[a-z][a-z0-9-]{1,39}/) != nil else {
            throw ValidationError("\"\(id)\": use 2–40 lowercase letters, digits and dashes, starting with a letter")
        }
        guard language == "python" else {
            throw ValidationError(
                "--language \(language): only python is scaffolded so far (Swift: see docs/plugins.md)")
        }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: out ?? id).standardizedFileURL
        guard !FileManager.default.fileExists(atPath: folder.path) else {
            throw ValidationError("\(folder.path) exists; choose another --out")
        }
        let sdkFolder = URL(fileURLWithPath: sdk ?? PythonScaffold.checkoutSDK.path).standardizedFileURL
        guard FileManager.default.fileExists(atPath: sdkFolder.appendingPathComponent("govcase_plugin").path) else {
            throw ValidationError("no Python SDK at \(sdkFolder.path); pass --sdk <checkout>/Plugins/sdk/python")
        }
        let scaffold = PythonScaffold(id: id, sdk: sdkFolder.path)
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("vectors"), withIntermediateDirectories: true)
        for (name, text) in scaffold.files {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o755], ofItemAtPath: folder.appendingPathComponent("plugin.py").path)
        try scaffold.generate(in: folder)
        print("created \(folder.path)")
        print("next: cd \(folder.path) && python3 test_plugin.py && govcase adapters check manifest.yaml")
    }
}

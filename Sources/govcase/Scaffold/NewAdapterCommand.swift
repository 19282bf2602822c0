import ArgumentParser
import Foundation

/// `govcase adapters new <id> --language python|swift`: a working plugin adapter to start from.
struct NewAdapterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Scaffolds a working plugin adapter: manifest, record contract, code, two vectors, a test, a README.")

    @Argument(help: "Adapter id: 2–40 lowercase letters, digits and dashes, e.g. city-hotline.")
    var id: String

    @Option(help: "The plugin's language: python or swift.")
    var language = "python"

    @Option(help: "Folder to create (default: ./<id>).")
    var out: String?

    @Option(help: "python: the Python SDK folder (Plugins/sdk/python of a govcase checkout).")
    var sdk: String?

    @Option(help: "swift: the govcase checkout whose GovCasePluginKit the package depends on.")
    var checkout: String?

    func validate() throws {
        guard id.wholeMatch(of: /[a-z][a-z0-9-]{1,39}/) != nil else {
            throw ValidationError("\"\(id)\": use 2–40 lowercase letters, digits and dashes, starting with a letter")
        }
        guard ["python", "swift"].contains(language) else {
            throw ValidationError("--language \(language): python or swift")
        }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: out ?? id).standardizedFileURL
        guard !FileManager.default.fileExists(atPath: folder.path) else {
            throw ValidationError("\(folder.path) exists; choose another --out")
        }
        if language == "swift" {
            try scaffoldSwift(in: folder)
        } else {
            try scaffoldPython(in: folder)
        }
    }

    func scaffoldPython(in folder: URL) throws {
        let sdkFolder = URL(fileURLWithPath: sdk ?? PythonScaffold.checkoutSDK.path).standardizedFileURL
        guard FileManager.default.fileExists(atPath: sdkFolder.appendingPathComponent("govcase_plugin").path) else {
            throw ValidationError("no Python SDK at \(sdkFolder.path); pass --sdk <checkout>/Plugins/sdk/python")
        }
        let scaffold = PythonScaffold(id: id, sdk: sdkFolder.path)
        try write(scaffold.files, in: folder)
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o755], ofItemAtPath: folder.appendingPathComponent("plugin.py").path)
        try scaffold.generate(in: folder)
        print("created \(folder.path)")
        print("next: cd \(folder.path) && python3 test_plugin.py && govcase adapters check manifest.yaml")
    }

    func scaffoldSwift(in folder: URL) throws {
        let root = URL(fileURLWithPath: checkout ?? PythonScaffold.checkoutSDK.path + "/../../..").standardizedFileURL
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("Sources/GovCasePluginKit").path)
        else {
            throw ValidationError("no govcase checkout at \(root.path); pass --checkout <path of a govcase checkout>")
        }
        let scaffold = SwiftScaffold(id: id, checkout: root.path)
        try write(scaffold.files, in: folder)
        try scaffold.generate(in: folder)
        print("created \(folder.path)")
        print("next: cd \(folder.path) && swift build && swift test && govcase adapters check manifest.yaml")
    }

    /// Writes each (relative path, text), creating folders as needed.
    func write(_ files: [(String, String)], in folder: URL) throws {
        for (name, text) in files {
            let url = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
    }
}

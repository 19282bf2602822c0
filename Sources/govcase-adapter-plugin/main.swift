import Foundation
import GovCaseAdapters
import GovCaseCore
import GovCasePluginKit

// A built-in adapter served as a plugin: the same code, out of process.
// `govcase-adapter-plugin <adapter id> [--streams N]` (N TranslateStream streams offered; 0: calls only).
// Used to compare the two forms (the integration suite runs the golden vectors through both) and in the
// benchmark; its manifests are in Plugins/builtin-as-plugins/.
let arguments = Array(CommandLine.arguments.dropFirst())
let streams: Int? =
    switch arguments.count {
    case 1: 256
    case 3 where arguments[1] == "--streams": Int(arguments[2]).flatMap { $0 >= 0 ? $0 : nil }
    default: nil
    }
guard let id = arguments.first, let adapter = BuiltInAdapters.all().first(where: { $0.info.id == id }),
    let streams
else {
    let known = BuiltInAdapters.all().map(\.info.id).joined(separator: ", ")
    FileHandle.standardError.write(
        Data("usage: govcase-adapter-plugin <adapter id> [--streams N]; adapter id one of: \(known)\n".utf8))
    exit(2)
}
try await PluginMain.serve(adapter, translateStreams: streams)

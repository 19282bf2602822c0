import ArgumentParser
import GovCaseAdapters
import GovCaseCore

/// `govcase adapters list`.
struct AdaptersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapters", abstract: "The built-in source adapters.", subcommands: [List.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lists each adapter's id, version and the message types it accepts.")

        func run() {
            for adapter in BuiltInAdapters.all() {
                print("\(adapter.info.id)\t\(adapter.info.version)\t\(adapter.info.summary)")
                for type in adapter.info.messageTypes { print("    \(type)") }
            }
        }
    }
}

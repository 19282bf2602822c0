import ArgumentParser

/// The `govcase` command: a thin command line over the gateway's libraries.
@main
struct GovCase: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "govcase",
        abstract: "GovCase Gateway: government-service evaluations and 12345 requests, one core case model.",
        subcommands: [
            DemoCommand.self, ServeCommand.self, TranslateCommand.self, AdaptersCommand.self, PKICommand.self,
            ConformanceCommand.self, ContractsCommand.self, KeysCommand.self, StoreCommand.self, OutboxCommand.self, ClocksCommand.self,
            ImportCommand.self, ExportCommand.self,
        ])
}

import ArgumentParser
import Foundation
import GovCaseServer
import GovCaseStore
import Logging

/// `govcase store`: moving a store between engines.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Moves a store between engines.",
        subcommands: [Copy.self])

    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "copy",
            abstract: "Copies a SQLite store into the store a configuration names (PostgreSQL), resumable and verified.",
            discussion: """
                Every table is copied in its key's order, a batch per transaction, after what the destination already \
                has: run it again after an interruption and it goes on. Then each table is counted and digested on \
                both sides. Sealed evaluator data is copied as it is. Stop the gateway that writes the SQLite file \
                first (rows it changes after they were copied are not copied again), and start the gateways on \
                PostgreSQL after the copy is verified. Exit 0 when every table is verified, 1 when one differs, 2 \
                when the copy cannot start or stops.
                """)

        @Option(help: "The SQLite store to copy (it is migrated to this gateway's schema first, as a gateway would).")
        var from: String

        @Option(help: "The gateway configuration whose store (store.postgres) receives the copy.")
        var to: String

        @Option(help: "Rows per transaction.")
        var batchSize = 500

        func run() throws {
            let logger = Logger(label: "govcase.store-copy")
            let source: CaseStore
            let destination: CaseStore
            do {
                guard FileManager.default.fileExists(atPath: from) else { throw ValidationError("\(from) does not exist") }
                let configuration = try GatewayConfiguration.load(path: to)
                let vault = try configuration.store.vault()
                source = try CaseStore(path: from, vault: vault, logger: logger)
                destination = try configuration.store.open(vault: vault, logger: logger)
            } catch {
                FileHandle.standardError.write(Data("govcase store copy: \(error)\n".utf8))
                throw ExitCode(2)
            }
            defer {
                try? source.close()
                try? destination.close()
            }
            print("copying \(from) (\(source.engineName)) into \(destination.engineName)")
            let reports: [StoreCopy.TableReport]
            do {
                reports = try StoreCopy(from: source, to: destination, batchSize: batchSize).run { table, copied in
                    if copied % (batchSize * 20) == 0 { print("  \(table): \(copied) rows") }
                }
            } catch {
                // Not a difference: the copy stopped. What it committed stays; run it again to go on.
                FileHandle.standardError.write(Data("govcase store copy: stopped: \(error)\n".utf8))
                throw ExitCode(2)
            }
            print("table\tcopied\tsource\tdestination\tdigest\tverified")
            for report in reports {
                print(
                    "\(report.table)\t\(report.copied)\t\(report.sourceRows)\t\(report.destinationRows)\t"
                        + "\(report.sourceDigest.prefix(16))\(report.sourceDigest == report.destinationDigest ? "" : "≠\(report.destinationDigest.prefix(16))")\t"
                        + (report.verified ? "yes" : "NO"))
            }
            guard reports.allSatisfy(\.verified) else {
                print("the copy differs from its source: see the tables marked NO")
                throw ExitCode(1)
            }
            print("copy verified: every table has the source's rows, count and digest")
        }
    }
}

import ArgumentParser
import Foundation
import GovCaseServer
import GovCaseStore
import Logging

/// `govcase keys`: the evaluator key, which seals evaluators' names, phones and ID numbers at rest.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Makes and rotates the evaluator key.",
        discussion: """
            Rotating: make a key with `govcase keys new --out <file>`; in the configuration, make it \
            store.evaluator_key and list the old one under store.previous_evaluator_keys; restart the gateway; \
            then run `govcase keys rotate --config <file>`, which re-seals every box with the new key while the \
            gateway serves. When it reports the rotation complete (every box re-sealed, and the gateway that serves \
            from the store recorded the new key at its start), remove the old key from the configuration.
            """,
        subcommands: [NewKey.self, Rotate.self, Status.self])

    struct NewKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new", abstract: "Writes a new random 256-bit key, readable by its owner only (0600).")

        @Option(help: "The key file to write; it must not exist.")
        var out: String

        func run() throws {
            guard !FileManager.default.fileExists(atPath: out) else {
                throw ValidationError("\(out) exists; a key is never overwritten")
            }
            guard
                FileManager.default.createFile(
                    atPath: out, contents: Data(EvaluatorVault.newKeyBase64().utf8),
                    attributes: [.posixPermissions: 0o600])
            else { throw ValidationError("cannot write \(out)") }
            let id = EvaluatorVault.keyID(of: try EvaluatorVault.key(inFile: out))
            print("wrote \(out) (key id \(id), mode 0600)")
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate",
            abstract: "Re-seals every evaluator box with store.evaluator_key; resumable, safe beside a running gateway."
        )

        @Option(help: "The gateway's YAML configuration.")
        var config: String

        @Option(help: "Rows per transaction: each batch is one short write beside the gateway's.")
        var batchSize = 500
        @Flag(help: "No gateway serves from this store: complete without a gateway's record of its key.")
        var noGateway = false

        func run() throws {
            // The configuration and its key files are read once: the key re-sealed with is the one reported.
            let configuration = try GatewayConfiguration.load(path: config)
            let vault = try configuration.store.vault()
            let current = vault.currentKeyID
            let store = try Self.open(configuration, vault: vault)
            print("re-sealing with key \(current)")
            let done = try store.resealEvaluators(batchSize: batchSize) { progress in
                print("re-sealed \(progress.resealed), remaining \(progress.remaining)")
            }
            let serving = try store.recordedSealingKey()
            try store.close()
            guard done.remaining == 0 else {
                print("rotation incomplete: \(done.remaining) boxes remain; run again")
                throw ExitCode(1)
            }
            // Every box holds the new key, but a gateway still running with the old one goes on sealing with it:
            // removing the old key then would lose what it seals from now on.
            if let serving, serving.keyID != current {
                print(
                    "rotation incomplete: every box is re-sealed, but the gateway that last started on this store "
                        + "(at \(serving.since.formatted(.iso8601))) seals new boxes with key \(serving.keyID); restart "
                        + "it with store.evaluator_key = the key \(current), then run `govcase keys rotate` again")
                throw ExitCode(1)
            }
            // No record: a gateway of an earlier version, or none, serves from the store. Only the operator knows.
            if serving == nil, !noGateway {
                print(
                    "rotation incomplete: every box is re-sealed, but no gateway has recorded its key on this store, so "
                        + "one that serves from it may still seal with an old key; restart it with "
                        + "store.evaluator_key = the key \(current) and run `govcase keys rotate` again (or pass "
                        + "--no-gateway if none serves from this store)")
                throw ExitCode(1)
            }
            print(
                "rotation complete: every box is sealed with the current key, and so is every new one; the previous "
                    + "keys may be removed")
        }

        /// The configuration's store, opened with `vault` (the configuration's, read once by the caller).
        static func open(_ configuration: GatewayConfiguration, vault: EvaluatorVault) throws -> CaseStore {
            try configuration.store.open(vault: vault, logger: Logger(label: "govcase.keys"))
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status", abstract: "Says how many evaluator boxes are not yet sealed with the current key.")

        @Option(help: "The gateway's YAML configuration.")
        var config: String

        func run() throws {
            let configuration = try GatewayConfiguration.load(path: config)
            let store = try Rotate.open(configuration, vault: configuration.store.vault())
            let remaining = try store.unsealedWithCurrentKey()
            try store.close()
            print("\(remaining) boxes not sealed with the current key")
        }
    }
}

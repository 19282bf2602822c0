import Foundation
import GovCaseClient
import GovCaseProto
import GRPCCore
import SwiftProtobuf
import Synchronization
import Testing

/// A built executable of this package (`govcase` unless named), run as a separate process, as an operator runs it.
final class GatewayProcess: Sendable {
    /// The package's executables are built beside the test bundle's runner.
    static func executable(_ name: String) -> URL {
        Bundle.main.executableURL!.deletingLastPathComponent().appendingPathComponent(name)
    }

    private let process: Process
    private let output = Mutex("")

    /// Starts `executable` with `arguments`; standard output and error are collected together.
    convenience init(_ arguments: [String], executable: String = "govcase") throws {
        try self.init(arguments, executableURL: Self.executable(executable))
    }

    /// Starts the program at `executableURL`, e.g. a system tool that runs the gateway under it.
    init(_ arguments: [String], executableURL: URL) throws {
        process = Process()
        process.executableURL = executableURL
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.output.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    /// Everything printed so far.
    var text: String { output.withLock { $0 } }

    var identifier: Int32 { process.processIdentifier }

    /// The port from the gateway's "serving on 127.0.0.1:<port>" line, once it is printed.
    func servingPort(timeout: Duration = .seconds(60)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let match = text.firstMatch(of: /serving on [0-9.]+:([0-9]+)/), let port = Int(match.1) { return port }
            guard process.isRunning else { throw Failure("govcase exited before serving:\n\(text)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure("govcase did not start serving:\n\(text)")
    }

    func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the process to end; its exit status, or 128 + the signal that ended it.
    func exitStatus(timeout: Duration = .seconds(60)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                send(SIGKILL)
                throw Failure("govcase did not exit:\n\(text)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// Runs `executable` to completion.
    static func run(
        _ arguments: [String], executable: String = "govcase", timeout: Duration = .seconds(60)
    ) async throws -> (status: Int32, output: String) {
        let process = try GatewayProcess(arguments, executable: executable)
        let status = try await process.exitStatus(timeout: timeout)
        return (status, process.text)
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

/// A development deployment made by `govcase pki init` in a new temporary folder, listening on port 0.
struct Deployment {
    let folder: URL
    var configuration: URL { folder.appendingPathComponent("gateway.yaml") }

    static func make() async throws -> Deployment {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("govcase-it-\(UUID())")
        let run = try await GatewayProcess.run(["pki", "init", "--out", folder.path, "--port", "0"])
        try #require(run.status == 0, "\(run.output)")
        return Deployment(folder: folder)
    }

    /// Rewrites the configuration file.
    func editConfiguration(_ edit: (String) -> String) throws {
        let text = try String(contentsOf: configuration, encoding: .utf8)
        try edit(text).write(to: configuration, atomically: true, encoding: .utf8)
    }

    func serve(_ extra: [String] = []) throws -> GatewayProcess {
        try GatewayProcess(["serve", "--config", configuration.path] + extra)
    }

    /// The external ids of every case the national adapter stored, read page by page through the gateway on
    /// `port` as the deployment's auditor.
    func storedNationalExternalIDs(port: Int) async throws -> [String] {
        try await storedCases(port: port, adapterIDs: ["national-platform"]).map(\.source.externalID)
    }

    /// Every case of `adapterIDs` (all adapters when empty) in the store of the gateway at `port`, as the auditor
    /// reads them, page by page.
    func storedCases(port: Int, adapterIDs: [String] = []) async throws -> [Govcase_Core_V1_Case] {
        try await withGatewayClient(host: "127.0.0.1", port: port, as: .development("auditor-sc", in: folder)) { grpc in
            let cases = Govcase_Gateway_V1_CaseService.Client(wrapping: grpc)
            var stored: [Govcase_Core_V1_Case] = []
            var token = ""
            repeat {
                let page = try await cases.queryCases(
                    .with {
                        $0.filter.adapterIds = adapterIDs
                        $0.pageSize = 1000
                        $0.pageToken = token
                    })
                stored += page.cases
                token = page.nextPageToken
            } while !token.isEmpty
            return stored
        }
    }
}

/// A program run to its end on a thread of its own: its blocking reads and wait would otherwise hold one of
/// Swift's few cooperative threads (two on this machine) for the whole run and starve every other test's tasks.
enum ExternalProgram {
    static func run(_ executable: URL, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                let process = Process()
                process.executableURL = executable
                process.arguments = arguments
                let output = Pipe()
                process.standardOutput = output
                process.standardError = output
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                continuation.resume(returning: (process.terminationStatus, text))
            }
        }
    }

    /// `python3 <script> <arguments>`, found on the PATH.
    static func python(_ script: URL, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path] + arguments)
    }
}

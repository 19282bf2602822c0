import Foundation
import Synchronization

/// A server in its own process (the gateway or the echo floor), so load and service never share a process.
final class ServerProcess: Sendable {
    private let process: Process
    private let output = Mutex("")
    let started: ContinuousClock.Instant

    init(_ executable: URL, _ arguments: [String]) throws {
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        started = ContinuousClock.now
        try process.run()
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.output.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
    }

    /// The port of its "serving on <host>:<port>" line.
    func port(timeout: Duration = .seconds(60)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = output.withLock { $0 }
            if let match = text.firstMatch(of: /serving on [0-9.]+:([0-9]+)/), let port = Int(match.1) { return port }
            guard process.isRunning else { throw BenchError("\(process.arguments ?? []) exited:\n\(text)") }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw BenchError("\(process.arguments ?? []) did not start")
    }

    /// Everything it printed so far.
    var text: String { output.withLock { $0 } }

    /// The most bytes of ingest messages the gateway held in flight at once (its ingest budget's peak), from the line
    /// it logs when it stops; nil if that line is not there (call after `stop`).
    func ingestBudgetPeak() async -> Int? {
        // The output arrives on a reader's own schedule after the exit: a moment's grace.
        for _ in 0..<100 {
            if let match = text.firstMatch(of: /ingest_budget\.peak_bytes=([0-9]+)/) { return Int(match.1) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Resident memory now and at its peak (VmRSS, VmHWM), bytes.
    func memory() -> (current: Int, peak: Int) {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        func kilobytes(_ key: String) -> Int {
            let line = status.split(separator: "\n").first { $0.hasPrefix(key + ":") } ?? ""
            return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
        }
        return (kilobytes("VmRSS"), kilobytes("VmHWM"))
    }

    /// SIGTERM, then waits for the exit.
    func stop() async {
        guard process.isRunning else { return }
        process.terminate()
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

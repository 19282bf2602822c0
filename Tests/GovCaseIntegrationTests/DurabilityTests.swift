import Foundation
import GRPCCore
import GovCaseClient
import GovCaseProto
import GovCaseTestSupport
import Testing

/// An acknowledgement is sent only after the record's commit has reached the disk.
///
/// A process kill keeps the page cache, so it cannot tell a commit that was fsynced from one that was only
/// written: the crash test passes either way. This test watches the system calls instead. The gateway runs
/// under `strace`; each record is submitted alone and acknowledged before the next is sent, so each needs
/// its own durable commit. The threads that append to the write-ahead log must therefore sync it at least once
/// per acknowledged record. With `synchronous = NORMAL` (what GRDB's pool leaves on its writer) they never
/// sync it: only the checkpointer does, a while after the acknowledgement.
@Suite(.heavy) struct DurabilityTests {
    static let strace = URL(fileURLWithPath: "/usr/bin/strace")

    @Test func everyAcknowledgedCommitIsSyncedToTheWriteAheadLogFirst() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.strace.path),
            "strace is needed (scripts/test.sh installs it)")
        let deployment = try await Deployment.make()
        let trace = deployment.folder.appendingPathComponent("syscalls.txt")
        let gateway = try GatewayProcess(
            [
                "-f", "-qq", "-y", "-e", "trace=pwrite64,fsync,fdatasync", "-o", trace.path,
                GatewayProcess.executable("govcase").path, "serve", "--config", deployment.configuration.path,
            ], executableURL: Self.strace)
        let port = try await gateway.servingPort()

        let records = 20
        try await withGatewayClient(
            host: "127.0.0.1", port: port, as: .development("national-sc", in: deployment.folder)
        ) { grpc in
            let ingest = Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc)
            for n in 0..<records {
                let ack = try await ingest.submit(SampleRecords.nationalEvaluation("PJ-sync-\(n)"))
                #expect(ack.outcome == .accepted, "\(ack)")
            }
        }
        // Stop the gateway itself (strace's child), and strace ends with it.
        for child in Self.children(of: gateway.identifier) { kill(child, SIGTERM) }
        #expect(try await gateway.exitStatus() == 0, "\(gateway.text)")

        let calls = try String(contentsOf: trace, encoding: .utf8).split(separator: "\n").compactMap(SyscallLine.init)
        let walWriters = Set(calls.filter { $0.name == "pwrite64" && $0.onWriteAheadLog }.map(\.thread))
        let walSyncsByWriters = calls.filter {
            ["fsync", "fdatasync"].contains($0.name) && $0.onWriteAheadLog && walWriters.contains($0.thread)
        }
        #expect(!walWriters.isEmpty, "no thread wrote the write-ahead log; is the trace complete?")
        #expect(
            walSyncsByWriters.count >= records,
            "\(records) records were acknowledged one by one, but the committing threads synced the write-ahead log \(walSyncsByWriters.count) times"
        )
    }

    /// The processes whose parent is `parent`, read from /proc.
    static func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let afterName = stat.range(of: ") ", options: .backwards)
            else { return false }
            // After "pid (name) ": state, then the parent's pid.
            let fields = stat[afterName.upperBound...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == parent
        }
    }
}

/// One line of `strace -f -y`: `1234 fdatasync(7</tmp/.../cases.sqlite-wal>) = 0`.
struct SyscallLine {
    var thread: Int
    var name: String
    var onWriteAheadLog: Bool

    init?(_ line: Substring) {
        guard let match = line.firstMatch(of: /^([0-9]+) +([a-z0-9_]+)\(([0-9]+)<([^>]*)>/) else { return nil }
        thread = Int(match.1)!
        name = String(match.2)
        onWriteAheadLog = match.4.hasSuffix("-wal")
    }
}

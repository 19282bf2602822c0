import Foundation
import GovCaseStore
import Logging
import NIOPosix
import PostgresNIO
import Subprocess
import SystemPackage

/// The PostgreSQL server the tests run against: `scripts/test.sh` starts one on loopback
/// (`scripts/postgres-test-server.sh`) and says where in `GOVCASE_TEST_POSTGRES`, a libpq-style line
/// (`host=… port=… user=… dbname=… password_file=… sslrootcert=…`). Each test gets a database of its own.
///
/// Without the variable, a test on PostgreSQL fails saying so: a store test that silently ran on SQLite only would
/// report the PostgreSQL engine as tested when it was not.
public enum TestPostgres {
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// The server's settings, with the database the server script made (`govcase`).
    public static func server() throws -> PostgresStoreConfiguration {
        guard let line = ProcessInfo.processInfo.environment["GOVCASE_TEST_POSTGRES"], !line.isEmpty else {
            throw Unavailable(
                description: "GOVCASE_TEST_POSTGRES is not set: run the tests with scripts/test.sh, which starts a "
                    + "PostgreSQL server for them (scripts/postgres-test-server.sh start <dir>, then export the line "
                    + "it prints)")
        }
        return try configuration(line: line)
    }

    /// The settings of a libpq-style line, with the password read from its `password_file`.
    static func configuration(line: String) throws -> PostgresStoreConfiguration {
        try PostgresStoreConfiguration(connectionLine: line)
    }

    /// A PostgreSQL server of the test's own, for a test that restarts or stops it: the shared server must stay up
    /// for the tests running beside it. Started by `scripts/postgres-test-server.sh` in a temporary folder.
    public final class OwnServer: Sendable {
        public let directory: String
        public let configuration: PostgresStoreConfiguration

        private init(directory: String, configuration: PostgresStoreConfiguration) {
            self.directory = directory
            self.configuration = configuration
        }

        static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../scripts/postgres-test-server.sh").standardizedFileURL.path

        /// Runs `body` with a server of its own, and stops the server when `body` returns or throws: a server
        /// left running would outlive the test run (a `defer` cannot await the stop).
        public static func with<T: Sendable>(_ body: (OwnServer) async throws -> T) async throws -> T {
            let server = try await start()
            do {
                let result = try await body(server)
                try await server.stop()
                return result
            } catch {
                try? await server.stop()
                throw error
            }
        }

        /// Stops the server and removes its folder.
        public func stop() async throws {
            try await control("stop")
            try? FileManager.default.removeItem(atPath: directory)
        }

        /// Starts one on a free port of loopback; `stop()` it (`with` does).
        public static func start() async throws -> OwnServer {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("govcase-pg-\(UUID())").path
            var lastError = ""
            for _ in 0..<5 {
                let port = Int.random(in: 56_000..<60_000)
                let result = try await Subprocess.run(.path("/bin/bash"), arguments: [script, "start", directory, "\(port)"],
                    output: .string(limit: 1 << 16), error: .string(limit: 1 << 16))
                if result.terminationStatus.isSuccess {
                    var configuration = try TestPostgres.configuration(
                        line: try String(contentsOfFile: directory + "/connection", encoding: .utf8))
                    configuration.database = "govcase"
                    return OwnServer(directory: directory, configuration: configuration)
                }
                lastError = result.standardError
            }
            throw Unavailable(description: "cannot start a PostgreSQL server of the test's own: \(lastError)")
        }

        /// `restart` (fast: sessions end, committed data stays) or `stop`.
        public func control(_ command: String) async throws {
            let result = try await Subprocess.run(
                .path("/bin/bash"), arguments: [Self.script, command, directory], output: .discarded,
                error: .string(limit: 1 << 16))
            guard result.terminationStatus.isSuccess else {
                throw Unavailable(description: "\(command) failed: \(result.standardError)")
            }
        }
    }

    /// A new, empty database on the test server, and the settings that reach it.
    public static func newDatabase() throws -> PostgresStoreConfiguration {
        var configuration = try server()
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try run("CREATE DATABASE \(name)", on: configuration)
        configuration.database = name
        return configuration
    }

    /// Runs one statement on `configuration`'s database, as the test server's user.
    public static func run(_ sql: String, on configuration: PostgresStoreConfiguration) throws {
        let logger = Logger(label: "govcase.tests.postgres")
        let connection = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration.connectionConfiguration(),
            id: 0, logger: logger
        ).wait()
        defer { try? connection.close().wait() }
        _ = try connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).wait()
    }
}

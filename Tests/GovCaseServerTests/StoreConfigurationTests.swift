import Foundation
import GovCasePolicy
@testable import GovCaseServer
import GovCaseStore
import Testing

/// `store`: a SQLite file or a PostgreSQL database, never both; the password from a file; each error names its key.
@Suite struct StoreConfigurationTests {
    static func parse(_ store: String) throws -> GatewayConfiguration {
        try GatewayConfiguration.parse(
            yaml: """
                listen: { host: 127.0.0.1, port: 0 }
                tls: { certificate: s.pem, key: s-key.pem, client_ca: ca.pem }
                store: \(store)
                policy: { trust_domain: d, grants: [] }
                """)
    }

    static func faultyKey(_ store: String) -> String? {
        do {
            _ = try parse(store)
            return nil
        } catch { return (error as? ConfigurationError)?.key ?? "not a configuration error: \(error)" }
    }

    @Test func aPostgresStoreIsReadWithItsDefaultsAndItsPasswordFromAFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("govcase-store-config-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let passwordFile = folder.appendingPathComponent("postgres.password").path
        try "s3cret\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        var configuration = try Self.parse(
            """
            { postgres: { host: db.example.cn, database: govcase, user: gw, password_file: postgres.password,
                          tls: { ca: db-ca.pem } },
              state_directory: state, evaluator_key: evaluator.key }
            """)
        configuration.resolvePaths(against: folder)
        let postgres = try #require(configuration.store.postgres)
        #expect(configuration.store.path.isEmpty)
        #expect(configuration.store.stateDirectory == folder.appendingPathComponent("state").path)
        #expect(postgres.tls?.ca == folder.appendingPathComponent("db-ca.pem").path)
        let store = try postgres.storeConfiguration()
        #expect(store.password == "s3cret", "the first line of the file, without its newline")
        #expect(store.port == 5432 && store.maxConnections == 8)
        #expect(store.statementTimeout == .seconds(30) && store.idleInTransactionTimeout == .seconds(60))
        #expect(configuration.store.location == "postgresql://gw@db.example.cn:5432/govcase", "no password in logs")
    }

    @Test func aSQLiteStoreKeepsItsStateBesideTheFile() throws {
        let configuration = try Self.parse("{ path: data/cases.sqlite, evaluator_key: e.key }")
        #expect(configuration.store.postgres == nil)
        #expect(configuration.store.stateDirectory == "data")
    }

    @Test(arguments: [
        ("{ evaluator_key: e.key }", "store.path"),
        ("{ path: c.sqlite, postgres: { host: h, database: d, user: u, tls: { ca: c } }, state_directory: s, evaluator_key: e.key }",
         "store.path"),
        ("{ postgres: { host: 127.0.0.1, database: d, user: u }, evaluator_key: e.key }", "store.state_directory"),
        ("{ postgres: { host: db.example.cn, database: d, user: u }, state_directory: s, evaluator_key: e.key }",
         "store.postgres.tls"),
        ("{ postgres: { host: h, database: d, user: u, password: x, tls: { ca: c } }, state_directory: s, evaluator_key: e.key }",
         "store.postgres.password"),
        ("{ postgres: { host: h, database: d, tls: { ca: c } }, state_directory: s, evaluator_key: e.key }", "store.postgres.user"),
        ("{ postgres: { host: h, database: d, user: u, port: 70000, tls: { ca: c } }, state_directory: s, evaluator_key: e.key }",
         "store.postgres.port"),
        ("{ postgres: { host: h, database: d, user: u, max_connections: 0, tls: { ca: c } }, state_directory: s, evaluator_key: e.key }",
         "store.postgres.max_connections"),
        ("{ postgres: { host: h, database: d, user: u, tls: { ca: c, key: k } }, state_directory: s, evaluator_key: e.key }",
         "store.postgres.tls.certificate"),
    ])
    func eachMistakeNamesItsKey(store: String, key: String) {
        #expect(Self.faultyKey(store) == key)
    }

    @Test func anUnreadableOrEmptyPasswordFileNamesItsKey() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("govcase-store-config-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for content in [nil, "\n"] {
            let file = folder.appendingPathComponent("p-\(UUID())").path
            if let content { try content.write(toFile: file, atomically: true, encoding: .utf8) }
            let postgres = GatewayConfiguration.Postgres(host: "h", database: "d", user: "u", passwordFile: file)
            #expect {
                try postgres.storeConfiguration()
            } throws: { ($0 as? ConfigurationError)?.key == "store.postgres.password_file" }
        }
    }
}

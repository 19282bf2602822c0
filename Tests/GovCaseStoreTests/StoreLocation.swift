import Foundation
import GovCaseCore
@testable import GovCaseStore
import GovCaseTestSupport
import Synchronization
import Testing

/// The engine a store test runs on. Tests of the store's rules take it as their argument and run on both; a test
/// of one engine's own mechanics (SQLite's write-ahead log and migrations from old files, PostgreSQL's locks and
/// notifications) says which in its name or comment.
enum Engine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgresql

    var testDescription: String { rawValue }
}

/// Where one test's store lives: a SQLite file in a temporary folder, or a database of its own on the test
/// PostgreSQL server, made when first opened. Opening it again opens the same store (a reopened gateway).
final class StoreLocation: Sendable {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("govcase-store-\(UUID())")
    var path: String { folder.appendingPathComponent("cases.sqlite").path }
    private let database = Mutex<PostgresStoreConfiguration?>(nil)

    init() {
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// The test's PostgreSQL database, made on first use.
    func postgres() throws -> PostgresStoreConfiguration {
        try database.withLock { database in
            if let database { return database }
            let made = try TestPostgres.newDatabase()
            database = made
            return made
        }
    }

    func open(
        _ engine: Engine, vault: EvaluatorVault, routes: [RouteSelector] = [], clocks: ClockRules? = nil
    ) throws -> CaseStore {
        switch engine {
        case .sqlite: try CaseStore(path: path, vault: vault, routes: routes, clocks: clocks)
        case .postgresql: try CaseStore(postgres: postgres(), vault: vault, routes: routes, clocks: clocks)
        }
    }
}

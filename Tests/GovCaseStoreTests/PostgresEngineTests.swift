import Crypto
import Foundation
import GovCaseCore
@testable import GovCaseStore
import GovCaseTestSupport
import Logging
import Synchronization
import Testing

/// What only the PostgreSQL engine has: settings on its live connections, migrations under a lock, several
/// gateways on one database, a server that restarts under them. The store's rules are tested on both engines by
/// the other store suites.
@Suite struct PostgresEngineTests {
    let location = StoreLocation()
    let key = SymmetricKey(size: .bits256)
    let now = Date(timeIntervalSince1970: 1_741_572_000)

    var verify: LifecycleStep { LifecycleStep(LifecycleAction(.verify), actor: Actor(person: "赵核实"), occurredAt: now) }

    func open() throws -> CaseStore { try location.open(.postgresql, vault: EvaluatorVault(key: key)) }

    @Test func eachConnectionRunsWithTheConfiguredTimeoutsReadBackFromTheServer() throws {
        let store = try open()
        let settings = try store.engine.read { db in
            try ["statement_timeout", "idle_in_transaction_session_timeout", "application_name", "TimeZone"].map {
                try db.rows(sql: "SELECT current_setting('\($0)') AS value", []).first?["value"] as String?
            }
        }
        #expect(settings == ["30s", "1min", "govcase-gateway", "UTC"])
        let tls = try store.engine.read { db in
            try db.rows(sql: "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", []).first?["ssl"] as Int64?
        }
        #expect(tls == 1, "the test server's connection line names a CA, so the store connects over TLS")
    }

    /// The outbox's dead row versions are read from the server's statistics (PostgreSQL only).
    @Test func deadRowVersionsOfTheHotTablesAreReported() throws {
        let store = try open()
        let dead = try store.deadRowVersions()
        #expect(Set(dead.keys) == ["outbox", "clocks", "cases", "case_events"])
        let sqlite = try StoreLocation().open(.sqlite, vault: EvaluatorVault(key: key))
        #expect(try sqlite.deadRowVersions().isEmpty)
    }

    @Test func migrationsAreNamedAndASecondGatewayFindsThemApplied() throws {
        let first = try open()
        #expect(try first.appliedMigrations() == PostgresSchema.migrations.map(\.name))
        let second = try open()
        #expect(try second.appliedMigrations() == PostgresSchema.migrations.map(\.name))
    }

    @Test func gatewaysStartingTogetherMigrateOnce() async throws {
        let configuration = try location.postgres()
        let vault = EvaluatorVault(key: key)
        try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask { try CaseStore(postgres: configuration, vault: vault).appliedMigrations() }
            }
            for try await applied in group { #expect(applied == PostgresSchema.migrations.map(\.name)) }
        }
    }

    @Test func aSchemaANewerGatewayMigratedIsRefused() throws {
        let store = try open()
        try store.engine.write { db in
            _ = try db.rows(sql: "INSERT INTO govcase_migrations (name, applied_at) VALUES ('pg-v99-future', 0) RETURNING name", [])
        }
        #expect {
            try open()
        } throws: { error in
            let error = try #require(error as? StoreError)
            return error.code == .configuration && error.message.contains("pg-v99-future")
        }
    }

    @Test func aWrongPasswordIsAConfigurationErrorNamingTheServer() throws {
        var configuration = try location.postgres()
        configuration.password = "not-the-password"
        #expect {
            try CaseStore(postgres: configuration, vault: EvaluatorVault(key: key))
        } throws: { error in
            let error = try #require(error as? StoreError)
            return error.code == .configuration && error.message.contains("\(configuration.host):\(configuration.port)")
        }
    }

    @Test func eventsAreAppendOnlyInTheDatabase() throws {
        let store = try open()
        let id = try store.submit(CaseStoreTests.evaluation("PJ-ao", level: .veryDissatisfied), now: now).caseID
        _ = try store.transition(caseID: id, step: verify, recordedAt: now, policy: .standard)
        #expect {
            try store.engine.write { db in try db.rows(sql: "DELETE FROM case_events RETURNING cursor", []) }
        } throws: { ($0 as? StoreError)?.message.contains("append-only") == true }
    }

    /// Key rotation's statements differ on PostgreSQL (a box's key id prefix compared as bytea): a rotation
    /// re-seals every box, and the old key can go.
    @Test func aKeyRotationResealsEveryBoxOnPostgreSQL() throws {
        let old = SymmetricKey(size: .bits256)
        let new = SymmetricKey(size: .bits256)
        let configuration = try location.postgres()
        let ids = try (0..<7).map { index in
            try CaseStore(postgres: configuration, vault: EvaluatorVault(key: old))
                .submit(CaseStoreTests.evaluation("PJ-rot-\(index)"), now: now).caseID
        }
        let rotating = try CaseStore(postgres: configuration, vault: EvaluatorVault(key: new, previousKeys: [old]))
        #expect(try rotating.unsealedWithCurrentKey() == 7)
        let progress = try rotating.resealEvaluators(batchSize: 3)
        #expect(progress.resealed == 7 && progress.remaining == 0)
        #expect(try rotating.unsealedWithCurrentKey() == 0)
        let rotated = try CaseStore(postgres: configuration, vault: EvaluatorVault(key: new))
        let reader = PrivacyReader(identity: "auditor", purpose: "rotation")
        for id in ids { #expect(try rotated.get(caseID: id, reader: reader, now: now).requester?.name == "张三") }
    }

    @Test(.timeLimit(.minutes(1)))
    func aWatcherOnOneGatewayIsWokenByAnotherGatewaysCommit() async throws {
        let writer = try open()
        let watcher = try open()
        let notifications = Task { try await watcher.notifications(logger: Logger(label: "test")).run() }
        defer { notifications.cancel() }
        let id = try writer.submit(CaseStoreTests.evaluation("PJ-w", level: .veryDissatisfied), now: now).caseID
        // Wait until the watcher's listener is up: its own start wakes everyone once.
        while watcher.eventGeneration == 0 { try await Task.sleep(for: .milliseconds(20)) }
        let cursor = try watcher.latestEventCursor()
        let generation = watcher.eventGeneration
        _ = try writer.transition(caseID: id, step: verify, recordedAt: now, policy: .standard)
        // Far longer than a notification takes, far shorter than the time limit: a wake by timeout would show here.
        let clock = ContinuousClock()
        let waited = await clock.measure {
            await watcher.waitForEvents(after: generation, timeout: .seconds(20))
        }
        #expect(waited < .seconds(20), "woken by the other gateway's commit, not by the timeout")
        let events = try watcher.events(after: cursor)
        #expect(events.map(\.caseID) == [id])
    }

    @Test(.timeLimit(.minutes(2)))
    func twoGatewaysWritingTheSameRecordsAtOnceStoreEachOnce() async throws {
        let stores = try [open(), open()]
        let records = (0..<200).map { CaseStoreTests.evaluation("PJ-both-\($0)") }
        // Both gateways submit every record at once, in opposite orders.
        let outcomes = try await withThrowingTaskGroup(of: [SubmitOutcome].self) { group in
            for (index, store) in stores.enumerated() {
                let mine = index == 0 ? records : records.reversed()
                group.addTask {
                    try await store.enqueue(mine, now: self.now).results().map { try $0.get() }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let created = outcomes.filter { if case .created = $0 { true } else { false } }
        #expect(created.count == 200, "each record created once, the other submit a duplicate")
        #expect(Set(outcomes.map(\.caseID)).count == 200)
        let page = try stores[0].query(CaseQuery(), pageSize: 1000)
        #expect(page.cases.count == 200)
    }

    /// The server restarts under the store while writes keep coming: calls in flight fail UNAVAILABLE (retryable)
    /// and nothing else, the store reconnects by itself (writes are acknowledged after the restart), everything
    /// acknowledged is there, and a failed record's retry stores it once. On a server of the test's own: the shared
    /// one stays up for the tests beside it.
    @Test(.timeLimit(.minutes(3)))
    func aRestartedServerFailsCallsUnavailableAndTheStoreReconnects() async throws {
        try await TestPostgres.OwnServer.with { server in try await restartUnderWrites(server) }
    }

    func restartUnderWrites(_ server: TestPostgres.OwnServer) async throws {
        let store = try CaseStore(postgres: server.configuration, vault: EvaluatorVault(key: key))
        let before = try store.submit(CaseStoreTests.evaluation("PJ-r1"), now: now).caseID
        let restarted = Mutex<ContinuousClock.Instant?>(nil)
        let acknowledgedSoFar = Mutex(0)
        // Writes keep coming, each noting when it was acknowledged, until 100 have been acknowledged after the
        // restart ended.
        let writer = Task {
            var outcomes: [(index: Int, result: Result<String, StoreError>, at: ContinuousClock.Instant)] = []
            var index = 0
            while outcomes.filter({ outcome in
                restarted.withLock { $0 }.map { outcome.at > $0 } ?? false && (try? outcome.result.get()) != nil
            }).count < 100 {
                do {
                    let record = CaseStoreTests.evaluation("PJ-rw-\(index)")
                    let id = try await store.call { try $0.submit(record, now: self.now).caseID }
                    outcomes.append((index, .success(id), .now))
                    acknowledgedSoFar.withLock { $0 += 1 }
                } catch let error as StoreError {
                    outcomes.append((index, .failure(error), .now))
                    try await Task.sleep(for: .milliseconds(50))
                }
                index += 1
            }
            return outcomes
        }
        // The restart comes once writes are being acknowledged (a fixed wait was too short for a loaded machine,
        // where the first write took longer than 300 ms).
        let waitingSince = ContinuousClock.now
        while acknowledgedSoFar.withLock({ $0 }) < 5, ContinuousClock.now - waitingSince < .seconds(60) {
            try await Task.sleep(for: .milliseconds(20))
        }
        let restartBegan = ContinuousClock.now
        try await server.control("restart")
        restarted.withLock { $0 = .now }
        let outcomes = try await writer.value
        let acknowledged = outcomes.compactMap { outcome in (try? outcome.result.get()).map { (outcome.index, $0) } }
        let failures = outcomes.compactMap { if case .failure(let error) = $0.result { error } else { nil } }
        #expect(outcomes.contains { $0.at < restartBegan && (try? $0.result.get()) != nil }, "writes before the restart")
        #expect(failures.allSatisfy { $0.code == .unavailable }, "\(failures)")
        #expect(failures.count <= 20, "only the calls the restart met fail: \(failures.count)")
        for (_, id) in acknowledged { #expect(try store.regionCode(caseID: id) == "510104", "acknowledged, so stored") }
        // A failed call may or may not have committed (its answer was lost): its retry stores the record once.
        for outcome in outcomes {
            let retry = try store.submit(CaseStoreTests.evaluation("PJ-rw-\(outcome.index)"), now: now)
            switch outcome.result {
            case .success(let id): #expect(retry == .duplicate(caseID: id))
            case .failure:
                switch retry {
                case .created, .duplicate: break
                case .updated: Issue.record("a retry of an unchanged record updated it")
                }
            }
        }
        let page = try store.query(CaseQuery(), pageSize: 1000)
        #expect(page.cases.count == outcomes.count + 1, "each record once, acknowledged or retried")
        #expect(try store.get(caseID: before, now: now).source.externalID == "PJ-r1")
        try store.close()
    }
}

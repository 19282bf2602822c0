import Crypto
import Foundation
import GRDB
import GovCaseCore
import GovCaseProto
import GovCaseWire
import SwiftProtobuf
import Synchronization
@testable import GovCaseStore
import Testing

/// The store on a real SQLite file in a temporary folder and on a real PostgreSQL database: each test of the
/// store's rules runs on both engines (its argument); the tests of SQLite's own mechanics (the write-ahead log,
/// migrations of old files, what is on disk) run on SQLite, and say so by what they open.
@Suite struct CaseStoreTests {
    let location = StoreLocation()
    var folder: URL { location.folder }
    var path: String { location.path }
    let key = SymmetricKey(size: .bits256)
    let now = Date(timeIntervalSince1970: 1_741_572_000)  // 2025-03-10 10:00 Beijing
    let reader = PrivacyReader(identity: "spiffe://gov.example/region/510104/system/audit", purpose: "GetCase")

    func open(_ engine: Engine = .sqlite, key: SymmetricKey? = nil) throws -> CaseStore {
        try location.open(engine, vault: EvaluatorVault(key: key ?? self.key))
    }

    /// A stand-in for the digest the gateway computes of a record as received: equal for equal content.
    static func digest(_ parts: Any...) -> Data {
        Data(SHA256.hash(data: Data(parts.map { "\($0)" }.joined(separator: "|").utf8)))
    }

    static func evaluation(
        _ id: String, level: SatisfactionLevel = .satisfied, region: String = "510104",
        revision: UInt64 = 1, receivedHoursAgo: Double = 1
    ) -> Case {
        let received = Date(timeIntervalSince1970: 1_741_572_000 - receivedHoursAgo * 3600)
        return Case(
            source: SourceIdentity(
                sourceSystem: "sc-gov", adapterID: "national-platform", externalID: id, revision: revision,
                recordType: "govcase.sources.national.v1.EvaluationRecord",
                contentDigest: digest(id, revision, level, region)),
            kind: .evaluation, regionCode: region,
            service: ServiceReference(itemCode: "X", organisation: Organisation(name: "行政审批局"), channel: .windowDevice),
            evaluation: Evaluation(level: level, detailItems: level.isBadReview ? ["慢"] : [], evaluatedAt: received),
            requester: Party(
                kind: .naturalPerson, realName: true, name: "张三", phone: "13812345678",
                documentType: .residentIDCard, documentNumber: "11010519491231002X"),
            receivedAt: received)
    }

    @Test func schemaMigrationsAreNamedAndTheJournalIsWAL() throws {
        let store = try open()
        #expect(
            try store.appliedMigrations() == [
                "v1-cases", "v1-events", "v1-follow-ups", "v1-privacy-audit", "v2-case-payload-protobuf",
                "v3-record-type-and-content-digest", "v4-events-once-as-protobuf", "v5-origin-evaluation",
                "v6-service-nodes", "v7-case-links", "v8-indexes-for-bound-parameters", "v9-outbox", "v10-clocks",
                "v11-cases-by-creation", "v12-store-settings", "v13-requester-masked-at-rest",
            ])
        #expect(try store.journalMode() == "wal")
    }

    /// Read back from the live connections, not assumed from what was asked: GRDB's pool sets its writer to
    /// NORMAL after `prepareDatabase`, and NORMAL in WAL mode loses acknowledged commits on power loss.
    @Test func everyConnectionThatWritesRunsWithSynchronousFull() throws {
        let store = try open()
        let settings = try store.synchronousSettings()
        #expect(settings.writer == 2, "the writer runs with synchronous = \(settings.writer), not FULL (2)")
        #expect(settings.checkpointer == 2, "the checkpointer runs with synchronous = \(settings.checkpointer)")
        _ = try store.submit(Self.evaluation("PJ-sync"), now: now)  // a commit does not reset it
        #expect(try store.synchronousSettings().writer == 2)
    }

    /// The page caches of every connection are bounded together, read back from SQLite: 16 MiB per connection
    /// (writer, readers, checkpointer) grew the gateway's resident memory with the store, past 350 MB.
    @Test func sqliteMemoryIsBoundedForAllConnectionsTogether() throws {
        let store = try open()
        for n in 0..<200 { _ = try store.submit(Self.evaluation("PJ-heap-\(n)"), now: now) }
        _ = try store.query(CaseQuery(), pageSize: 200, pageToken: nil)
        let heap = SQLiteEngine.heap
        #expect(heap.limit == SQLiteEngine.heapLimitBytes, "the soft heap limit in force: \(heap.limit)")
        #expect(heap.used > 0 && heap.used <= heap.limit, "SQLite holds \(heap.used) bytes")
    }

    /// Under sustained ingest the log must not grow without bound: past its limit a TRUNCATE checkpoint empties
    /// it, even while commits follow one another without a pause (run from a second connection, it lost the
    /// race for the write lock every time and the log passed 900 MB). Closing the store leaves no log behind.
    @Test(.timeLimit(.minutes(1))) func theWriteAheadLogStaysBoundedUnderSustainedWritesAndCloseEmptiesIt() throws {
        let limit = 256 << 10
        let store = try CaseStore(path: path, vault: EvaluatorVault(key: key), walLimitBytes: limit)
        var batches = 0
        var largest = 0
        // Commit after commit, with no pause, until the log has been emptied twice.
        while store.checkpoints.truncations < 2 {
            _ = try store.submit(batch: (0..<100).map { Self.evaluation("PJ-wal-\(batches)-\($0)") }, now: now)
            batches += 1
            largest = max(largest, store.writeAheadLogBytes)
        }
        #expect(store.checkpoints.failures == 0)
        // Bounded: the limit, plus what commits add in one checkpoint interval.
        #expect(largest < 16 * limit, "the log reached \(largest) bytes")
        try store.close()
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? NSNumber
        #expect((wal?.intValue ?? 0) == 0, "close() left \(wal?.intValue ?? 0) bytes of log")
        let reopened = try CaseStore(path: path, vault: EvaluatorVault(key: key))
        #expect(try reopened.query(CaseQuery(), pageSize: 1000).cases.count == min(batches * 100, 1000))
    }

    /// `govcase keys rotate` closes its store beside a running gateway, whose connections read and checkpoint
    /// the same file: its work done, it failed with "database is locked" from the closing checkpoint. A reader
    /// on another connection holds the log here, so no TRUNCATE can finish: close succeeds anyway, leaves the
    /// log, and every commit is in it.
    @Test(.timeLimit(.minutes(1))) func closingBesideAnotherProcessesReaderSucceedsAndKeepsEveryCommit() throws {
        let store = try open()
        _ = try store.submit(batch: (0..<3).map { Self.evaluation("PJ-beside-\($0)") }, now: now)
        let other = try DatabaseQueue(path: path)
        try other.inDatabase { db in
            try db.beginTransaction(.deferred)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cases") == 3)  // holds its read mark
            try store.close()
            #expect(store.checkpoints.failures == 1, "the skipped checkpoint is counted")
            let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? NSNumber
            #expect((wal?.intValue ?? 0) > 0, "the log is left, not emptied under a reader")
            try db.rollback()
        }
        try other.close()
        let reopened = try open()
        #expect(try reopened.query(CaseQuery(), pageSize: 10).cases.count == 3)
    }

    /// A TRUNCATE checkpoint waits for readers to leave the log while it holds the writer: with the store's 10 s
    /// busy timeout, one long read beside the gateway stopped every commit until it ended. Here another connection
    /// holds the log, past its limit, until the test lets it go: commit after commit lands meanwhile, each well
    /// within the busy timeout (2 s allowed, against the 10 s it waited), and the truncation is put off (and
    /// counted); once the reader has gone the log is emptied.
    @Test(.timeLimit(.minutes(1))) func aReaderHoldingTheLogPastItsLimitNeverHoldsACommit() async throws {
        let store = try CaseStore(path: path, vault: EvaluatorVault(key: key), walLimitBytes: 1)
        _ = try store.submit(batch: (0..<20).map { Self.evaluation("PJ-held-\($0)") }, now: now)
        let other = try DatabaseQueue(path: path)
        let (reading, release, readerDone) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        DispatchQueue.global().async {
            try? other.inDatabase { db in
                try db.beginTransaction(.deferred)
                _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cases")  // takes its read mark on the log
                reading.signal()
                release.wait()
                try db.rollback()
            }
            readerDone.signal()
        }
        reading.wait()
        let clock = ContinuousClock()
        for round in 0..<5 {
            try await Task.sleep(for: .milliseconds(300))  // a checkpoint pass (every 250 ms) between commits
            let took = try clock.measure { _ = try store.submit(Self.evaluation("PJ-beside-reader-\(round)"), now: now) }
            #expect(took < .seconds(2), "commit \(round) waited \(took) for the reader holding the log")
        }
        #expect(store.checkpoints.deferredTruncations > 0, "no TRUNCATE met the reader: \(store.checkpoints)")
        #expect(store.checkpoints.failures == 0)
        release.signal()
        readerDone.wait()
        let truncationsWhileHeld = store.checkpoints.truncations
        while store.checkpoints.truncations == truncationsWhileHeld {
            _ = try store.submit(Self.evaluation("PJ-after-reader-\(UUID())"), now: now)
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try store.query(CaseQuery(), pageSize: 100).cases.count >= 25)
        try other.close()
    }

    /// A v1 store (case payloads as JSON) opened by this build: its cases read back unchanged, now as protobuf.
    @Test func theV2MigrationRewritesV1PayloadsAsProtobuf() throws {
        let v1 = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(v1, upTo: "v1-privacy-audit")
        var c = Self.evaluation("PJ-v1", level: .veryDissatisfied)
        c.caseID = "case-v1"
        c.requester = nil
        let json = try JSONEncoder().encode(c)
        try v1.write { db in
            try db.execute(
                sql: """
                    INSERT INTO cases (id, source_system, external_id, revision, adapter_id, kind, region_code,
                                       status, level, received_at, created_at, updated_at, payload)
                    VALUES (?, 'sc-gov', 'PJ-v1', 1, 'national-platform', 'evaluation', '510104', ?, 1, ?, ?, ?, ?)
                    """,
                arguments: [
                    c.caseID, c.status.rawValue, c.receivedAt!.timeIntervalSince1970, now.timeIntervalSince1970,
                    now.timeIntervalSince1970, json,
                ])
        }
        try v1.close()

        let store = try open()
        #expect(try store.appliedMigrations().contains("v2-case-payload-protobuf"))
        var stored = c
        stored.createdAt = now  // the store's column, given at each read
        #expect(try store.get(caseID: "case-v1", now: now) == stored)
        let payload = try DatabaseQueue(path: path).read { db in
            try Data.fetchOne(db, sql: "SELECT payload FROM cases WHERE id = 'case-v1'")
        }
        #expect(payload?.first != UInt8(ascii: "{"), "still JSON")
        #expect(try Govcase_Core_V1_Case(serializedBytes: payload ?? Data()).caseID == "case-v1")
    }

    /// A store as v1 really wrote it: payloads from the model of that time (`Fixtures/v1-payloads.json`, made from
    /// git history by `Fixtures/make_v1_payloads.sh`), without the fields the model gained since, and each event
    /// also in `case_events` as JSON. Opened by this build, every case and event reads back with what v1 kept.
    @Test func aStoreAsV1WroteItOpensWithEveryCaseAndEvent() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/v1-payloads.json")
        let payloads = try JSONDecoder().decode([String].self, from: Data(contentsOf: fixture))
        let v1 = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(v1, upTo: "v1-privacy-audit")
        try v1.write { db in
            for payload in payloads {
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])
                let source = try #require(object["source"] as? [String: Any])
                try db.execute(
                    sql: """
                        INSERT INTO cases (id, source_system, external_id, revision, adapter_id, kind, region_code,
                                           status, level, received_at, created_at, updated_at, payload)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)
                        """,
                    arguments: [
                        object["caseID"] as? String, source["sourceSystem"] as? String,
                        source["externalID"] as? String, source["revision"] as? Int, source["adapterID"] as? String,
                        object["kind"] as? String, object["regionCode"] as? String, object["status"] as? String,
                        object["receivedAt"] as? Double, now.timeIntervalSince1970, now.timeIntervalSince1970,
                        Data(payload.utf8),
                    ])
                for event in object["events"] as? [[String: Any]] ?? [] {
                    try db.execute(
                        sql: "INSERT INTO case_events (case_id, sequence, payload) VALUES (?, ?, ?)",
                        arguments: [
                            object["caseID"] as? String, event["sequence"] as? Int,
                            try JSONSerialization.data(withJSONObject: event, options: .sortedKeys),
                        ])
                }
            }
        }
        try v1.close()

        let store = try open()
        let review = try store.get(caseID: "v1-case-review", now: now)
        #expect(review.source.externalID == "PJ-V1-1")
        #expect(review.evaluation?.level == .dissatisfied)
        #expect(review.evaluation?.text == "排队两小时无人引导")
        #expect(review.evaluation?.detailItems == ["等待时间过长"])
        #expect(review.badReview?.finding == "属实")
        #expect(review.events.map(\.step.action.kind) == [.verify, .explain])
        #expect(review.status == .awaitingFeedback)  // as v1 kept it: verified and explained, feedback not yet given
        let complaint = try store.get(caseID: "v1-case-complaint", now: now)
        #expect(complaint.source.revision == 2)
        #expect(complaint.kind == .complaint)
        #expect(complaint.request?.content == "导游带团强制购物")
        #expect(complaint.request?.respondent?.creditCode == "91510100MA61234567")
        #expect(complaint.request?.location?.address == "春熙路1号")
        #expect(complaint.request?.location?.latitude == 30.66)
        #expect(complaint.request?.originEvaluationID == "")
        #expect(complaint.evaluation == nil)
    }

    /// A v2 store (events in the case payload and as JSON in `case_events`; records keyed without their type
    /// and kept without a digest) opened by this build: each event is kept once, as protobuf; the old record
    /// matches any type and, having no digest, a resubmission of its revision is refused, never a duplicate.
    @Test func theV3AndV4MigrationsKeyRecordsByTypeAndKeepEventsOnceAsProtobuf() throws {
        let v2 = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(v2, upTo: "v2-case-payload-protobuf")
        var c = Self.evaluation("PJ-v2", level: .veryDissatisfied)
        c.caseID = "case-v2"
        c.requester = nil
        c.source.recordType = nil
        c.source.contentDigest = nil
        let event = try c.apply(
            LifecycleStep(LifecycleAction(.verify, note: "属实"), occurredAt: now), recordedAt: now, policy: .standard)
        try v2.write { db in
            try db.execute(
                sql: """
                    INSERT INTO cases (id, source_system, external_id, revision, adapter_id, kind, region_code,
                                       status, level, received_at, created_at, updated_at, payload)
                    VALUES (?, 'sc-gov', 'PJ-v2', 1, 'national-platform', 'evaluation', '510104', ?, 1, ?, ?, ?, ?)
                    """,
                arguments: [
                    c.caseID, c.status.rawValue, c.receivedAt!.timeIntervalSince1970, now.timeIntervalSince1970,
                    now.timeIntervalSince1970, try c.proto.serializedData(),
                ])
            try db.execute(
                sql: "INSERT INTO case_events (case_id, sequence, payload) VALUES (?, 1, ?)",
                arguments: [c.caseID, try JSONEncoder().encode(event)])
        }
        try v2.close()

        let store = try open()
        #expect(
            try store.appliedMigrations().suffix(11) == [
                "v3-record-type-and-content-digest", "v4-events-once-as-protobuf", "v5-origin-evaluation",
                "v6-service-nodes", "v7-case-links", "v8-indexes-for-bound-parameters", "v9-outbox", "v10-clocks",
                "v11-cases-by-creation", "v12-store-settings", "v13-requester-masked-at-rest",
            ])
        let read = try store.get(caseID: "case-v2", now: now)
        #expect(read.events == [event])
        #expect(try store.events(after: 0).map(\.event) == [event])
        let rows = try DatabaseQueue(path: path).read { db in
            (
                try Data.fetchOne(db, sql: "SELECT payload FROM case_events") ?? Data(),
                try Data.fetchOne(db, sql: "SELECT payload FROM cases") ?? Data(),
                try String.fetchOne(db, sql: "SELECT record_type FROM cases")
            )
        }
        #expect(rows.0.first != UInt8(ascii: "{"), "the event is still JSON")
        #expect(try Govcase_Core_V1_Case(serializedBytes: rows.1).events.isEmpty, "events are still in the payload")
        #expect(rows.2 == "")
        #expect {
            try store.submit(Self.evaluation("PJ-v2", level: .veryDissatisfied), now: now)
        } throws: { ($0 as? StoreError)?.code == .alreadyExists }
        #expect(
            try store.submit(Self.evaluation("PJ-v2", level: .dissatisfied, revision: 2), now: now)
                == .updated(caseID: "case-v2"))
        #expect(try store.get(caseID: "case-v2", now: now).events.map(\.step.action.kind) == [.verify, .correct])
    }

    @Test(arguments: Engine.allCases) func aCaseIsStoredAndReadBackMaskedOrAudited(_ engine: Engine) throws {
        let store = try open(engine)
        let id = try store.submit(Self.evaluation("PJ-1"), now: now).caseID
        let masked = try store.get(caseID: id, now: now)
        #expect(masked.requester?.name == "张*")
        #expect(masked.requester?.phone == "138****5678")
        #expect(masked.evaluation?.level == .satisfied)
        #expect(try store.privacyAudit(caseID: id).isEmpty)

        let full = try store.get(caseID: id, reader: reader, now: now)
        #expect(full.requester?.name == "张三")
        #expect(full.requester?.documentNumber == "11010519491231002X")
        let audit = try store.privacyAudit(caseID: id)
        #expect(audit.count == 1)
        #expect(audit.first?.reader == reader.identity)
    }

    @Test func evaluatorDataIsEncryptedAtRestAndNeedsTheKey() throws {
        let id = try open().submit(Self.evaluation("PJ-2"), now: now).caseID
        // The main file and the WAL, where a fresh commit lives until a checkpoint.
        let wal = (try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data()
        let file = try Data(contentsOf: URL(fileURLWithPath: path)) + wal
        for secret in ["张三", "13812345678", "11010519491231002X"] {
            #expect(file.range(of: Data(secret.utf8)) == nil, "\(secret) is readable in the database file")
        }
        #expect(file.range(of: Data("行政审批局".utf8)) != nil)  // the rest is plain, for queries and reports
        // Only the privacy reader's read opens the box, and it needs the key; masked reads are kept at rest.
        let otherKey = try open(key: SymmetricKey(size: .bits256))
        #expect(throws: StoreError.self) { try otherKey.get(caseID: id, reader: reader, now: now) }
        #expect(try otherKey.get(caseID: id, now: now).requester?.name == "张*")
    }

    /// Masked reads and pages open no sealed box: the payload keeps the requester masked. A row stored before
    /// that (blanks in the payload, `requester_masked` 0) is masked from its box, and when its box does not open it
    /// fails alone: the page carries the other cases and names it, and the log says why.
    @Test func maskedReadsOpenNoBoxAndAnUnreadableOldRowFailsAlone() throws {
        let store = try open()
        let ids = try (0..<3).map { try store.submit(Self.evaluation("PJ-mask-\($0)"), now: now).caseID }
        let expected = try store.get(caseID: ids[0], reader: reader, now: now).masked
        try store.close()

        // Opened with a key that opens none of the boxes: every masked read still answers, as masked before.
        let stranger = try open(key: SymmetricKey(size: .bits256))
        #expect(try stranger.get(caseID: ids[0], now: now).requester == expected.requester)
        let page = try stranger.query(CaseQuery(), pageSize: 10)
        #expect(page.cases.count == 3 && page.unreadable.isEmpty)
        #expect(page.cases.allSatisfy { $0.requester?.name == "张*" && $0.requester?.phone == "138****5678" })
        try stranger.close()

        // One row as an older gateway wrote it: blanks in the payload, masked only from its box.
        try DatabaseQueue(path: path).write { db in
            let payload = try Data.fetchOne(db, sql: "SELECT payload FROM cases WHERE id = ?", arguments: [ids[1]])!
            var legacy = try Govcase_Core_V1_Case(serializedBytes: payload)
            (legacy.requester.name, legacy.requester.phone, legacy.requester.documentNumber) = ("", "", "")
            try db.execute(
                sql: "UPDATE cases SET payload = ?, requester_masked = 0 WHERE id = ?",
                arguments: [try legacy.serializedData(), ids[1]])
        }
        let owner = try open()
        #expect(try owner.get(caseID: ids[1], now: now).requester?.name == "张*")  // masked from its box
        try owner.close()
        let strangerAgain = try open(key: SymmetricKey(size: .bits256))
        let mixed = try strangerAgain.query(CaseQuery(), pageSize: 10)
        #expect(Set(mixed.cases.map(\.caseID)) == [ids[0], ids[2]])
        #expect(mixed.unreadable.map(\.caseID) == [ids[1]])
        #expect(!mixed.unreadable[0].reason.contains("key"), "the key is the operator's: \(mixed.unreadable[0].reason)")
    }

    /// The same revision with other content was acknowledged DUPLICATE and its content lost; it is refused now.
    @Test(arguments: Engine.allCases) func theSameRevisionWithOtherContentIsRefusedAndNothingIsWritten(_ engine: Engine) throws {
        let store = try open(engine)
        let first = try store.submit(Self.evaluation("PJ-c", level: .satisfied, revision: 2), now: now)
        #expect {
            try store.submit(Self.evaluation("PJ-c", level: .veryDissatisfied, revision: 2), now: now)
        } throws: { error in
            let error = error as? StoreError
            return error?.code == .alreadyExists && error?.message.contains("revision higher than 2") == true
        }
        #expect(try store.get(caseID: first.caseID, now: now).evaluation?.level == .satisfied)
        #expect(try store.events(after: 0).isEmpty)
    }

    /// Two message types of one system sharing an external id are two records, never duplicates of each other.
    @Test(arguments: Engine.allCases) func recordsOfTwoTypesWithOneExternalIDAreTwoCases(_ engine: Engine) throws {
        let store = try open(engine)
        let evaluation = Self.evaluation("X-1")
        var complaint = Self.evaluation("X-1")
        complaint.source.recordType = "govcase.sources.culturetourism.v1.TourismComplaint"
        complaint.source.contentDigest = Self.digest("complaint X-1")
        let a = try store.submit(evaluation, now: now)
        let b = try store.submit(complaint, now: now)
        guard case .created = a, case .created = b else {
            Issue.record("expected two new cases, got \(a) and \(b)")
            return
        }
        #expect(a.caseID != b.caseID)
        #expect(try store.submit(complaint, now: now) == .duplicate(caseID: b.caseID))
        // A follow-up names the type of the record it is for; without it, the two are ambiguous.
        let verify = [LifecycleStep(LifecycleAction(.verify), occurredAt: now)]
        #expect {
            try store.applyStamped(
                FollowUp(targetExternalID: "X-1", externalID: "F-1", steps: verify), sourceSystem: "sc-gov",
                recordedAt: now
            ) { _ in .standard }
        } throws: { ($0 as? StoreError)?.code == .badRequest }
    }

    @Test(arguments: Engine.allCases) func resubmissionsAreIdempotentOnSystemExternalIDAndRevision(_ engine: Engine) throws {
        let store = try open(engine)
        let first = try store.submit(Self.evaluation("PJ-3", revision: 2), now: now)
        #expect(try store.submit(Self.evaluation("PJ-3", revision: 2), now: now) == .duplicate(caseID: first.caseID))
        #expect {
            try store.submit(Self.evaluation("PJ-3", revision: 1), now: now)
        } throws: { ($0 as? StoreError)?.code == .olderRevision }
        #expect(
            try store.submit(Self.evaluation("PJ-3", level: .verySatisfied, revision: 3), now: now)
                == .updated(caseID: first.caseID))
        #expect(try store.get(caseID: first.caseID, now: now).evaluation?.level == .verySatisfied)
        #expect(try store.query(CaseQuery()).cases.count == 1)
    }

    @Test(arguments: Engine.allCases) func aBatchStoresTheGoodRecordsAndReportsTheBadOneByIndex(_ engine: Engine) throws {
        let store = try open(engine)
        _ = try store.submit(Self.evaluation("PJ-old", revision: 5), now: now)
        let results = try store.submit(
            batch: [Self.evaluation("PJ-a"), Self.evaluation("PJ-old", revision: 4), Self.evaluation("PJ-b")], now: now)
        #expect(results.count == 3)
        guard case .success(.created) = results[0], case .failure(let error) = results[1],
            case .success(.created) = results[2]
        else {
            Issue.record("unexpected results \(results)")
            return
        }
        #expect((error as? StoreError)?.code == .olderRevision)
        #expect(try store.query(CaseQuery()).cases.count == 3)
    }

    /// A record that fails for a reason other than a store refusal (here a correction the core refuses) fails
    /// alone: it once failed the whole shared commit, and every other caller's records with it.
    @Test(arguments: Engine.allCases) func oneRecordsUnexpectedFailureFailsThatRecordAlone(_ engine: Engine) async throws {
        let store = try open(engine)
        _ = try store.submit(Self.evaluation("PJ-steps", level: .dissatisfied), now: now)
        _ = try store.applyStamped(
            FollowUp(
                targetExternalID: "PJ-steps", externalID: "ZG-steps",
                steps: [LifecycleStep(LifecycleAction(.verify), occurredAt: now)]),
            sourceSystem: "sc-gov", recordedAt: now
        ) { _ in .standard }
        let ticket = store.enqueue(
            [
                Self.evaluation("PJ-before"), Self.evaluation("PJ-steps", level: .verySatisfied, revision: 2),
                Self.evaluation("PJ-after"),
            ], now: now)
        let results = try await ticket.results()
        guard results.count == 3, case .success(.created) = results[0], case .failure(let error) = results[1],
            case .success(.created) = results[2]
        else {
            Issue.record("unexpected results \(results)")
            return
        }
        #expect((error as? CaseError)?.code == .correctionRefused)
        #expect(try store.query(CaseQuery()).cases.count == 3)
    }

    /// Follow-ups share group commits with new cases (each was once a transaction and an fsync of its own): held
    /// behind a busy writer, one call's new case, another's follow-up naming it and a follow-up naming nothing, and
    /// a third call's case commit in one transaction, each with its own outcome. A backlog past the bound takes
    /// more than one transaction.
    @Test(arguments: Engine.allCases) func followUpsShareAGroupCommitWithNewCasesAndAGroupIsBounded(_ engine: Engine) async throws {
        let store = try open(engine)
        let hold = DispatchSemaphore(value: 0)
        store.queue.writer.async { hold.wait() }  // busy: everything queued now waits for the same group
        let groupsBefore = store.queue.groups.load(ordering: .relaxed)
        let first = store.enqueue([Self.evaluation("PJ-group", level: .dissatisfied)], now: now)
        let steps = [LifecycleStep(LifecycleAction(.verify), occurredAt: now)]
        let second = store.enqueue(
            [],
            followUps: [
                QueuedFollowUp(
                    try FollowUp(targetExternalID: "PJ-group", externalID: "ZG-group", steps: steps).stamped(),
                    sourceSystem: "sc-gov", policy: { _ in .standard }),
                QueuedFollowUp(
                    try FollowUp(targetExternalID: "PJ-nowhere", externalID: "ZG-nowhere", steps: steps).stamped(),
                    sourceSystem: "sc-gov", policy: { _ in .standard }),
            ], now: now)
        let third = store.enqueue([Self.evaluation("PJ-group-2")], now: now)
        hold.signal()
        let created = try #require(try await first.results().first?.get())
        let followUps = try await second.outcomes().followUps
        #expect(try followUps[0].get().caseID == created.caseID && !followUps[0].get().events.isEmpty)
        #expect(throws: StoreError.self) { try followUps[1].get() }
        #expect(try await third.results().count == 1)
        #expect(store.queue.groups.load(ordering: .relaxed) == groupsBefore + 1, "one transaction for all three calls")
        #expect(try store.get(caseID: created.caseID, now: now).status == .verified)

        let holdAgain = DispatchSemaphore(value: 0)
        store.queue.writer.async { holdAgain.wait() }
        let backlogBefore = store.queue.groups.load(ordering: .relaxed)
        // Calls of 0.45 of the bound (900 records of SQLite's 2,000, 90 of PostgreSQL's 200).
        let perCall = store.queue.maxRecordsPerCommit * 9 / 20
        let calls = (0..<3).map { call in
            store.enqueue((0..<perCall).map { Self.evaluation("PJ-backlog-\(call)-\($0)") }, now: now)
        }
        holdAgain.signal()
        for call in calls { #expect(try await call.results().allSatisfy { (try? $0.get()) != nil }) }
        // 1.35 bounds of records: two whole calls, then the third.
        #expect(store.queue.groups.load(ordering: .relaxed) == backlogBefore + 2)
    }

    @Test(arguments: Engine.allCases) func followUpsAppendEventsOnceAndIllegalOnesWriteNothing(_ engine: Engine) throws {
        let store = try open(engine)
        let id = try store.submit(Self.evaluation("PJ-bad", level: .dissatisfied), now: now).caseID
        let verify = FollowUp(
            targetExternalID: "PJ-bad", externalID: "ZG-1",
            steps: [LifecycleStep(LifecycleAction(.verify, note: "属实"), occurredAt: now)])
        let first = try store.applyStamped(verify, sourceSystem: "sc-gov", recordedAt: now) { _ in .standard }
        #expect(first.caseID == id && first.events.map(\.to) == [.verified] && !first.duplicate)
        #expect(try store.applyStamped(verify, sourceSystem: "sc-gov", recordedAt: now) { _ in .standard }.duplicate)

        let illegal = FollowUp(
            targetExternalID: "PJ-bad", externalID: "ZG-2",
            steps: [LifecycleStep(LifecycleAction(.rateFeedback, level: .satisfied), occurredAt: now)])
        #expect(throws: CaseError.self) {
            try store.applyStamped(illegal, sourceSystem: "sc-gov", recordedAt: now) { _ in .standard }
        }
        #expect {
            try store.applyStamped(
                FollowUp(targetExternalID: "PJ-none", externalID: "ZG-3", steps: verify.steps), sourceSystem: "sc-gov",
                recordedAt: now
            ) { _ in .standard }
        } throws: { ($0 as? StoreError)?.code == .notFound }
        // Another source system cannot touch this case.
        #expect(throws: StoreError.self) {
            try store.applyStamped(verify, sourceSystem: "other", recordedAt: now) { _ in .standard }
        }

        #expect(try store.get(caseID: id, now: now).status == .verified)
        #expect(try store.events(after: 0).map(\.event.to) == [.verified])
    }

    @Test(arguments: Engine.allCases) func aLaterRevisionOfAFollowUpAppliesOnlyItsNewSteps(_ engine: Engine) throws {
        let store = try open(engine)
        _ = try store.submit(Self.evaluation("PJ-r", level: .dissatisfied), now: now)
        let verify = LifecycleStep(LifecycleAction(.verify), occurredAt: now)
        let explain = LifecycleStep(LifecycleAction(.explain, note: "依法说明"), occurredAt: now)
        _ = try store.applyStamped(
            FollowUp(targetExternalID: "PJ-r", externalID: "ZG-r", revision: 1, steps: [verify]),
            sourceSystem: "sc-gov", recordedAt: now
        ) { _ in .standard }
        let second = try store.applyStamped(
            FollowUp(targetExternalID: "PJ-r", externalID: "ZG-r", revision: 2, steps: [verify, explain]),
            sourceSystem: "sc-gov", recordedAt: now
        ) { _ in .standard }
        #expect(second.events.map(\.to) == [.awaitingFeedback])
        // Revision 1 again is a duplicate; a revision never applied but older than one applied is refused.
        #expect(
            try store.applyStamped(
                FollowUp(targetExternalID: "PJ-r", externalID: "ZG-r", revision: 1, steps: [verify]),
                sourceSystem: "sc-gov", recordedAt: now
            ) { _ in .standard }.duplicate)
        _ = try store.applyStamped(
            FollowUp(targetExternalID: "PJ-r", externalID: "ZG-s", revision: 3, steps: []),
            sourceSystem: "sc-gov", recordedAt: now
        ) { _ in .standard }
        #expect {
            try store.applyStamped(
                FollowUp(targetExternalID: "PJ-r", externalID: "ZG-s", revision: 2, steps: []),
                sourceSystem: "sc-gov", recordedAt: now
            ) { _ in .standard }
        } throws: { ($0 as? StoreError)?.code == .olderRevision }
    }

    /// A later revision of a follow-up that changes a step already applied was acknowledged and its content
    /// dropped; it is refused, and the same revision with other content too.
    @Test(arguments: Engine.allCases) func aFollowUpRevisionThatChangesAnAppliedStepIsRefused(_ engine: Engine) throws {
        let store = try open(engine)
        _ = try store.submit(Self.evaluation("PJ-f", level: .dissatisfied), now: now)
        let explain = LifecycleStep(LifecycleAction(.explain, note: "依法说明"), occurredAt: now)
        let reworded = LifecycleStep(LifecycleAction(.explain, note: "已电话说明并致歉"), occurredAt: now)
        let verify = LifecycleStep(LifecycleAction(.verify), occurredAt: now)
        _ = try store.applyStamped(
            FollowUp(targetExternalID: "PJ-f", externalID: "ZG-f", revision: 1, steps: [verify, explain]),
            sourceSystem: "sc-gov", recordedAt: now
        ) { _ in .standard }
        #expect {
            try store.applyStamped(
                FollowUp(targetExternalID: "PJ-f", externalID: "ZG-f", revision: 2, steps: [verify, reworded]),
                sourceSystem: "sc-gov", recordedAt: now
            ) { _ in .standard }
        } throws: { error in
            let error = error as? CaseError
            return error?.code == .correctionRefused && error?.message.contains("explain (event 2") == true
        }
        #expect {
            try store.applyStamped(
                FollowUp(targetExternalID: "PJ-f", externalID: "ZG-f", revision: 1, steps: [verify, reworded]),
                sourceSystem: "sc-gov", recordedAt: now
            ) { _ in .standard }
        } throws: { ($0 as? StoreError)?.code == .alreadyExists }
        #expect(try store.events(after: 0).map(\.event.step) == [verify, explain])
    }

    /// A higher revision before any step re-derives the lifecycle; after steps, it may not cross the bad-review
    /// line, and any correction it makes is an event.
    @Test(arguments: Engine.allCases) func higherRevisionsReDeriveOrAreRefusedOnceStepsAreRecorded(_ engine: Engine) throws {
        let store = try open(engine)
        var good = Self.evaluation("PJ-d", level: .verySatisfied, revision: 1)
        good.startDeadlines(using: .standard)
        let id = try store.submit(good, now: now).caseID
        var bad = Self.evaluation("PJ-d", level: .veryDissatisfied, revision: 2)
        bad.startDeadlines(using: .standard)
        #expect(try store.submit(bad, now: now) == .updated(caseID: id))
        let corrected = try store.get(caseID: id, now: now)
        #expect(corrected.lifecycle == .badReview && corrected.badReview != nil)
        #expect(corrected.events.map(\.step.action.kind) == [.correct])

        _ = try store.applyStamped(
            FollowUp(
                targetExternalID: "PJ-d", externalID: "ZG-d",
                steps: [LifecycleStep(LifecycleAction(.verify), occurredAt: now)]),
            sourceSystem: "sc-gov", recordedAt: now
        ) { _ in .standard }
        #expect {
            try store.submit(Self.evaluation("PJ-d", level: .satisfied, revision: 3), now: now)
        } throws: { error in
            let error = error as? CaseError
            return error?.code == .correctionRefused && error?.message.contains("2 verify") == true
        }
        var moved = Self.evaluation("PJ-d", level: .dissatisfied, revision: 4)
        moved.service.organisation.name = "政务服务中心"
        #expect(try store.submit(moved, now: now) == .updated(caseID: id))
        let after = try store.get(caseID: id, now: now)
        #expect(after.status == .verified && after.evaluation?.level == .dissatisfied)
        #expect(after.service.organisation.name == "政务服务中心")
        #expect(after.events.map(\.step.action.kind) == [.correct, .verify, .correct])
        #expect(after.events.last?.step.action.note.contains("service") == true)
        #expect(try store.events(after: 0).map(\.event.step.action.kind) == [.correct, .verify, .correct])
    }

    @Test(arguments: Engine.allCases) func transitionsCheckTheExpectedStatus(_ engine: Engine) throws {
        let store = try open(engine)
        let id = try store.submit(Self.evaluation("PJ-t", level: .veryDissatisfied), now: now).caseID
        let verify = LifecycleStep(LifecycleAction(.verify), actor: Actor(person: "赵核实"), occurredAt: now)
        #expect {
            try store.transition(caseID: id, step: verify, expected: .verified, recordedAt: now, policy: .standard)
        } throws: { ($0 as? StoreError)?.code == .conflict }
        let (c, event) = try store.transition(
            caseID: id, step: verify, expected: .awaitingVerification, recordedAt: now, policy: .standard)
        #expect(c.status == .verified && event.sequence == 1)
        #expect(throws: CaseError.self) {
            try store.transition(caseID: id, step: verify, recordedAt: now, policy: .standard)
        }
    }

    /// A watcher waiting for events is woken by the commit of a transition, not by its timeout (an hour here:
    /// if the wake were lost, the test would hit its time limit); a wait that starts after the commit, with the
    /// generation read before it, returns at once; a cancelled wait returns.
    @Test(.timeLimit(.minutes(1)), arguments: Engine.allCases) func waitingWatchersAreWokenWhenEventsCommit(_ engine: Engine) async throws {
        let store = try open(engine)
        let id = try store.submit(Self.evaluation("PJ-w", level: .veryDissatisfied), now: now).caseID
        let before = store.eventGeneration
        let waiter = Task { await store.waitForEvents(after: before, timeout: .seconds(3_600)) }
        try await Task.sleep(for: .milliseconds(50))  // let it wait first; the test holds either way
        let verify = LifecycleStep(LifecycleAction(.verify), actor: Actor(person: "赵核实"), occurredAt: now)
        _ = try store.transition(caseID: id, step: verify, recordedAt: now, policy: .standard)
        await waiter.value
        #expect(store.eventGeneration > before)

        await store.waitForEvents(after: before, timeout: .seconds(3_600))  // already past: no wait

        let cancelled = Task { await store.waitForEvents(after: store.eventGeneration, timeout: .seconds(3_600)) }
        cancelled.cancel()
        await cancelled.value
    }

    @Test func eventsAreAppendOnly() throws {
        let store = try open()
        let id = try store.submit(Self.evaluation("PJ-e", level: .dissatisfied), now: now).caseID
        _ = try store.transition(
            caseID: id, step: LifecycleStep(LifecycleAction(.verify), occurredAt: now), recordedAt: now,
            policy: .standard)
        let raw = try DatabaseQueue(path: path)
        #expect(throws: (any Error).self) {
            try raw.write { try $0.execute(sql: "UPDATE case_events SET sequence = 9") }
        }
        #expect(throws: (any Error).self) { try raw.write { try $0.execute(sql: "DELETE FROM case_events") } }
        #expect(try store.events(after: 0).count == 1)
    }

    @Test(arguments: Engine.allCases) func queriesFilterAndPage(_ engine: Engine) throws {
        let store = try open(engine)
        for i in 0..<7 {
            _ = try store.submit(
                Self.evaluation(
                    "PJ-q\(i)", level: i % 2 == 0 ? .satisfied : .dissatisfied,
                    region: i < 5 ? "510104" : "500151", receivedHoursAgo: Double(i + 1)), now: now)
        }
        #expect(try store.query(CaseQuery()).cases.count == 7)
        var sichuan = CaseQuery()
        sichuan.regionPrefixes = ["51"]
        #expect(try store.query(sichuan).cases.count == 5)
        var bad = CaseQuery()
        bad.levels = [.dissatisfied]
        bad.statuses = [.awaitingVerification]
        #expect(try store.query(bad).cases.map(\.source.externalID) == ["PJ-q1", "PJ-q3", "PJ-q5"])
        var recent = CaseQuery()
        recent.receivedFrom = now.addingTimeInterval(-3.5 * 3600)
        recent.adapterIDs = ["national-platform"]
        recent.kinds = [.evaluation]
        #expect(try store.query(recent).cases.map(\.source.externalID) == ["PJ-q0", "PJ-q1", "PJ-q2"])

        var seen: [String] = []
        var token: String?
        repeat {
            let page = try store.query(CaseQuery(), pageSize: 3, pageToken: token)
            seen += page.cases.map(\.source.externalID)
            token = page.nextPageToken
        } while token != nil
        #expect(seen == (0..<7).map { "PJ-q\($0)" })
        #expect(throws: StoreError.self) { try store.query(CaseQuery(), pageToken: "not a token") }
    }

    @Test(arguments: Engine.allCases) func casesSurviveReopening(_ engine: Engine) throws {
        let id = try open(engine).submit(Self.evaluation("PJ-p"), now: now).caseID
        #expect(try open(engine).get(caseID: id, now: now).source.externalID == "PJ-p")
    }

    /// A payload that is not a stored case (damaged on disk, or written by another tool) is a clear `corrupt`
    /// error naming why, not a crash or a half-read case.
    @Test func anUnreadablePayloadIsReportedAsCorrupt() throws {
        let store = try open()
        let id = try store.submit(Self.evaluation("PJ-damaged"), now: now).caseID
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "UPDATE cases SET payload = x'ffffffff' WHERE id = ?", arguments: [id])
        }
        #expect {
            try store.get(caseID: id, now: now)
        } throws: { error in
            guard let error = error as? StoreError else { return false }
            return error.code == .corrupt && "\(error)".contains("cannot be read")
        }
    }

    /// Evaluator data sealed before v2 (JSON inside the box) still opens; new seals hold a Party message.
    @Test func evaluatorDataSealedByV1StillOpens() throws {
        let vault = EvaluatorVault(key: key)
        let legacy = try JSONEncoder().encode(
            EvaluatorVault.LegacySecrets(name: "张三", phone: "13812345678", documentNumber: "11010519491231002X"))
        let sealed = try AES.GCM.seal(legacy, using: key, authenticating: Data("case-1".utf8)).combined!
        var party = Party(kind: .naturalPerson)
        try vault.open(sealed, into: &party, caseID: "case-1")
        #expect([party.name, party.phone, party.documentNumber] == ["张三", "13812345678", "11010519491231002X"])

        let resealed = try vault.seal(party, caseID: "case-1")
        #expect(EvaluatorVault.keyID(ofSealed: resealed) == vault.currentKeyID)
        let plain = try AES.GCM.open(
            AES.GCM.SealedBox(combined: resealed.dropFirst(12)), using: key, authenticating: Data("case-1".utf8))
        #expect(try Govcase_Core_V1_Party(serializedBytes: plain).phone == "13812345678")
        var back = Party()
        try vault.open(resealed, into: &back, caseID: "case-1")
        #expect(back.documentNumber == "11010519491231002X")
    }

    /// An agent's name and document number are sealed like the party's own, masked for readers, and opened for
    /// privacy readers.
    @Test func anAgentsIdentityIsSealedAtRestAndMasked() throws {
        var c = Self.evaluation("PJ-agent")
        c.requester?.agent = Agent(name: "欧阳代办", documentType: .residentIDCard, documentNumber: "11010519491231002X")
        let store = try open()
        let id = try store.submit(c, now: now).caseID
        let wal = (try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data()
        let file = try Data(contentsOf: URL(fileURLWithPath: path)) + wal
        #expect(file.range(of: Data("欧阳代办".utf8)) == nil)
        let masked = try store.get(caseID: id, now: now).requester?.agent
        #expect(masked?.name == "欧***" && masked?.documentNumber != "11010519491231002X")
        let unmasked = try store.get(caseID: id, reader: reader, now: now).requester?.agent
        #expect(unmasked == Agent(name: "欧阳代办", documentType: .residentIDCard, documentNumber: "11010519491231002X"))
    }

    /// 一事多评: one evaluation per service node of a matter. Another evaluation id for a node that has one is
    /// refused naming it; another node of the matter, or a new revision of the same evaluation, is not.
    @Test(arguments: Engine.allCases) func aServiceNodeHasOneEvaluation(_ engine: Engine) throws {
        let store = try open(engine)
        func evaluation(_ id: String, node: Int, revision: UInt64 = 1) -> Case {
            var c = Self.evaluation(id, revision: revision)
            c.service.matterID = "BJ-510104-20250301-0001"
            c.service.node = ServiceNode(number: node, name: node == 1 ? "咨询" : "受理")
            return c
        }
        _ = try store.submit(evaluation("PJ-n1", node: 1), now: now)
        _ = try store.submit(evaluation("PJ-n2", node: 2), now: now)
        #expect {
            try store.submit(evaluation("PJ-n2-again", node: 2), now: now)
        } throws: { error in
            let error = error as? StoreError
            return error?.code == .alreadyExists && error?.message.contains("already has evaluation PJ-n2") == true
        }
        #expect(try store.submit(evaluation("PJ-n2", node: 2, revision: 2), now: now).caseID != "")
    }

    /// An evaluation of the whole matter (no node, service_number 0) is not keyed by the matter (service.proto):
    /// two whole-matter evaluations of one matter, by their own ids, are both kept, beside a node's evaluation.
    @Test(arguments: Engine.allCases) func wholeMatterEvaluationsAreNotKeyedByTheMatter(_ engine: Engine) throws {
        let store = try open(engine)
        func evaluation(_ id: String, node: Int?) -> Case {
            var c = Self.evaluation(id)
            c.service.matterID = "BJ-510104-20250301-0002"
            c.service.node = node.map { ServiceNode(number: $0, name: "受理") }
            return c
        }
        let first = try store.submit(evaluation("PJ-whole", node: nil), now: now).caseID
        let node = try store.submit(evaluation("PJ-node1", node: 1), now: now).caseID
        let second = try store.submit(evaluation("PJ-whole-again", node: nil), now: now).caseID
        #expect(Set([first, node, second]).count == 3)
    }

    /// A node pushed before its evaluation (办件服务) is a case of its own, one per node; the evaluation that names
    /// the node (same source system, matter and number) and the node link each other when read.
    @Test(arguments: Engine.allCases) func aServiceNodeAndItsEvaluationLinkEachOther(_ engine: Engine) throws {
        let store = try open(engine)
        let matter = "SD-370102-20250303-0007"
        func node(_ id: String, number: Int) -> Case {
            Case(
                source: SourceIdentity(
                    sourceSystem: "sc-gov", adapterID: "national-platform", externalID: id, revision: 1,
                    contentDigest: Self.digest(id)),
                kind: .serviceNode, regionCode: "510104",
                service: ServiceReference(
                    itemCode: "X", matterID: matter, organisation: Organisation(name: "行政审批局"),
                    node: ServiceNode(number: number, name: "受理", servedAt: now.addingTimeInterval(-7200))),
                receivedAt: now.addingTimeInterval(-7200))
        }
        let nodeID = try store.submit(node("\(matter)-2", number: 2), now: now).caseID
        var rated = Self.evaluation("PJ-node-2")
        rated.service.matterID = matter
        rated.service.node = ServiceNode(number: 2, name: "受理")
        let ratedID = try store.submit(rated, now: now).caseID
        let sichuan = ReadScope(regionPrefixes: ["51"])
        #expect(try store.get(caseID: ratedID, linksWithin: sichuan, now: now).links.serviceNodeCaseID == nodeID)
        #expect(try store.get(caseID: nodeID, linksWithin: sichuan, now: now).links.nodeEvaluationCaseIDs == [ratedID])
        // Without a scope, a read shows no links.
        #expect(try store.get(caseID: ratedID, now: now).links.serviceNodeCaseID == nil)
        // Another node id for the same node is refused, naming the first; another node of the matter is not.
        #expect {
            try store.submit(node("N-other", number: 2), now: now)
        } throws: { error in
            (error as? StoreError)?.code == .alreadyExists
                && (error as? StoreError)?.message.contains("already recorded as \(matter)-2") == true
        }
        let third = try store.submit(node("\(matter)-3", number: 3), now: now).caseID
        #expect(try store.get(caseID: third, linksWithin: sichuan, now: now).links.nodeEvaluationCaseIDs == [])
    }

    /// A work order opened from a bad review (差评工单) names the evaluation by its external id in the work order's
    /// own source system; each case, read, links the other. The same id at another source system is another
    /// record: a work order of another system links nothing.
    @Test func aWorkOrderOpenedFromABadReviewAndTheReviewLinkEachOther() throws {
        let store = try open()
        let review = try store.submit(Self.evaluation("PJ-bad-1", level: .dissatisfied), now: now).caseID
        func order(_ id: String, from system: String) -> Case {
            var request = Request(title: "差评转工单", content: "窗口等候超时", respondent: Respondent(name: "某政务服务中心"))
            request.originEvaluationID = "PJ-bad-1"
            return Case(
                source: SourceIdentity(
                    sourceSystem: system, adapterID: "hotline-12345", externalID: id, revision: 1,
                    contentDigest: Self.digest(id)),
                kind: .complaint, regionCode: "510104", request: request,
                requester: Party(kind: .naturalPerson, realName: true, name: "王五", phone: "13512345678"),
                receivedAt: now)
        }
        let orderID = try store.submit(order("GD-1", from: "sc-gov"), now: now).caseID
        let elsewhere = try store.submit(order("GD-2", from: "hotline-sz"), now: now).caseID
        let sichuan = ReadScope(regionPrefixes: ["51"])
        #expect(try store.get(caseID: orderID, linksWithin: sichuan, now: now).links.originEvaluationCaseID == review)
        #expect(try store.get(caseID: review, linksWithin: sichuan, now: now).links.workOrderCaseIDs == [orderID])
        #expect(
            try store.get(caseID: review, reader: reader, linksWithin: sichuan, now: now).links.workOrderCaseIDs
                == [orderID])
        #expect(try store.get(caseID: elsewhere, linksWithin: sichuan, now: now).links.originEvaluationCaseID == nil)
        // The case itself holds no links: they are edges of their own, written with the case.
        let (payload, edges) = try DatabaseQueue(path: path).read { db in
            (
                try Data.fetchOne(db, sql: "SELECT payload FROM cases WHERE id = ?", arguments: [review]),
                try Row.fetchAll(db, sql: "SELECT case_id, source_system, target_external_id FROM case_links")
                    .map { [$0["case_id"], $0["source_system"], $0["target_external_id"]] as [String] }
            )
        }
        #expect(try Govcase_Core_V1_Case(serializedBytes: payload ?? Data()).hasLinks == false)
        #expect(edges == [[orderID, "sc-gov", "PJ-bad-1"], [elsewhere, "hotline-sz", "PJ-bad-1"]])
        // A revision that no longer names the evaluation removes its link, in the same transaction.
        var unlinked = order("GD-1", from: "sc-gov")
        unlinked.source.revision = 2
        unlinked.source.contentDigest = Self.digest("GD-1", 2)
        unlinked.request?.originEvaluationID = ""
        #expect(try store.submit(unlinked, now: now) == .updated(caseID: orderID))
        #expect(try store.get(caseID: review, linksWithin: sichuan, now: now).links.workOrderCaseIDs == [])
    }

    /// The identity key (certKey) is kept and shown where the name is masked, never beside the full name.
    @Test(arguments: Engine.allCases) func theIdentityKeyIsShownMaskedAndNeverBesideTheFullName(_ engine: Engine) throws {
        var c = Self.evaluation("PJ-certkey")
        c.requester?.identityKey = "3b7f0c2e9a41d58e"
        let store = try open(engine)
        let id = try store.submit(c, now: now).caseID
        let masked = try store.get(caseID: id, now: now)
        #expect(masked.requester?.identityKey == "3b7f0c2e9a41d58e")
        #expect(masked.requester?.name != "张三")
        let unmasked = try store.get(caseID: id, reader: reader, now: now)
        #expect(unmasked.requester?.name == "张三")
        #expect(unmasked.requester?.identityKey == "")
        // Kept in the store whatever a privacy reader saw.
        #expect(try store.get(caseID: id, now: now).requester?.identityKey == "3b7f0c2e9a41d58e")
    }

    /// A new key is introduced while boxes sealed with the old one (with a key id, or before key ids) still
    /// open; the rotation re-seals them all, resumably, and then the old key is no longer needed.
    @Test func aNewKeyOpensOldBoxesThroughPreviousKeysAndRotationResealsThemAll() throws {
        let old = key
        let ids = try (0..<7).map { try open().submit(Self.evaluation("PJ-rot-\($0)"), now: now).caseID }
        // One box as stores sealed it before key ids: no marker, a bare AES-GCM box.
        let legacy = try Govcase_Core_V1_Party.with {
            $0.name = "李四"
            $0.phone = "13900000000"
            $0.documentNumber = "11010519491231002X"
        }.serializedData()
        let bare = try AES.GCM.seal(legacy, using: old, authenticating: Data(ids[0].utf8)).combined!
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "UPDATE cases SET sealed_requester = ? WHERE id = ?", arguments: [bare, ids[0]])
        }

        let new = SymmetricKey(size: .bits256)
        let newOnly = try CaseStore(path: path, vault: EvaluatorVault(key: new))
        #expect {
            try newOnly.get(caseID: ids[1], reader: reader, now: now)
        } throws: { error in
            // The refusal names the missing key's id, so an operator knows which file to list.
            (error as? StoreError)?.message.contains(EvaluatorVault.keyID(of: old)) == true
        }
        try newOnly.close()

        let rotating = try CaseStore(path: path, vault: EvaluatorVault(key: new, previousKeys: [old]))
        #expect(try rotating.get(caseID: ids[0], reader: reader, now: now).requester?.name == "李四")
        #expect(try rotating.get(caseID: ids[1], reader: reader, now: now).requester?.name == "张三")
        // New boxes use the new key at once.
        let fresh = try rotating.submit(Self.evaluation("PJ-rot-new"), now: now).caseID
        #expect(try rotating.unsealedWithCurrentKey() == 7)
        // Stopped after the first batch of 3 (as a killed run would be), then resumed.
        var batches: [KeyRotationProgress] = []
        _ = try? rotating.resealEvaluators(batchSize: 3) { progress in
            batches.append(progress)
            if batches.count == 1 { throw CancellationError() }
        }
        #expect(batches.first == KeyRotationProgress(resealed: 3, remaining: 4))
        let done = try rotating.resealEvaluators(batchSize: 3)
        #expect(done == KeyRotationProgress(resealed: 4, remaining: 0))
        try rotating.close()

        let rotated = try CaseStore(path: path, vault: EvaluatorVault(key: new))
        for id in ids + [fresh] {
            let c = try rotated.get(caseID: id, reader: reader, now: now)
            #expect(c.requester?.documentNumber == "11010519491231002X", "\(id)")
        }
    }

    /// New case ids are UUIDv7: later ids sort after earlier ones, and no two are the same.
    @Test func caseIDsAreVersion7AndGrowWithTime() throws {
        let earlier = (0..<1_000).map { _ in CaseID.next(at: now) }
        let later = CaseID.next(at: now.addingTimeInterval(0.002))
        #expect(Set(earlier).count == earlier.count)
        #expect(earlier.allSatisfy { $0 < later && UUID(uuidString: $0)?.uuidString.lowercased() == $0 })
        #expect(earlier.allSatisfy { Array($0)[14] == "7" && "89ab".contains(Array($0)[19]) })
        #expect(later.hasPrefix(String(format: "%012llx", UInt64(now.timeIntervalSince1970 * 1000) + 2).prefix(8)))
    }

    @Test func aKeyFileHoldsThirtyTwoBytesRawOrBase64() throws {
        let file = folder.appendingPathComponent("key")
        try EvaluatorVault.newKeyBase64().write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        _ = try EvaluatorVault(keyFile: file.path)
        try "too short".write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        #expect { try EvaluatorVault(keyFile: file.path) } throws: { ($0 as? StoreError)?.code == .configuration }
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o606])
    func aKeyFileOthersMayReadOrWriteIsRefused(mode: Int) throws {
        let file = folder.appendingPathComponent("key-\(mode)")
        try EvaluatorVault.newKeyBase64().write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file.path)
        #expect {
            try EvaluatorVault(keyFile: file.path)
        } throws: { error in
            let refusal = error as? StoreError
            return refusal?.code == .configuration && refusal?.message.contains("chmod 600") == true
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: file.path)
        _ = try EvaluatorVault(keyFile: file.path)
    }
}

extension CaseStore {
    /// `apply` with the record type and digest the gateway stamps on a follow-up as received.
    func applyStamped(
        _ followUp: FollowUp, sourceSystem: String, recordedAt: Date, policy: (String) -> DeadlinePolicy
    ) throws -> FollowUpOutcome {
        try apply(followUp.stamped(), sourceSystem: sourceSystem, recordedAt: recordedAt, policy: policy)
    }
}

extension FollowUp {
    /// As the gateway stores it: with its record type and a content digest.
    func stamped() throws -> FollowUp {
        var stamped = self
        stamped.recordType = "govcase.sources.national.v1.RectificationFeedback"
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        stamped.contentDigest = Data(SHA256.hash(data: try encoder.encode(self)))
        return stamped
    }
}

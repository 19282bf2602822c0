import Foundation
import GRDB
import GovCaseCore
import GovCaseProto
import GovCaseWire
import SwiftProtobuf

/// The store's schema as named migrations, applied in order and recorded by GRDB in `grdb_migrations`.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-cases") { db in
            // One row per (source system, external id): the latest revision. `payload` is the case (JSON in v1, see v2) with
            // the requester's sensitive fields blanked; `sealed_requester` holds them, AES-GCM sealed.
            try db.execute(
                sql: """
                    CREATE TABLE cases (
                        id TEXT PRIMARY KEY NOT NULL,
                        source_system TEXT NOT NULL,
                        external_id TEXT NOT NULL,
                        revision INTEGER NOT NULL,
                        adapter_id TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        region_code TEXT NOT NULL,
                        status TEXT NOT NULL,
                        level INTEGER,
                        received_at REAL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        payload BLOB NOT NULL,
                        sealed_requester BLOB,
                        UNIQUE (source_system, external_id)
                    );
                    CREATE INDEX cases_region_received ON cases (region_code, received_at);
                    CREATE INDEX cases_received ON cases (received_at);
                    """)
        }
        migrator.registerMigration("v1-events") { db in
            // Append-only: the triggers refuse any update or delete. `cursor` orders events for watchers.
            try db.execute(
                sql: """
                    CREATE TABLE case_events (
                        cursor INTEGER PRIMARY KEY AUTOINCREMENT,
                        case_id TEXT NOT NULL REFERENCES cases(id),
                        sequence INTEGER NOT NULL,
                        payload BLOB NOT NULL,
                        UNIQUE (case_id, sequence)
                    );
                    CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
                        BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;
                    CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
                        BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;
                    """)
        }
        migrator.registerMigration("v1-follow-ups") { db in
            // Follow-up records already applied, for idempotency on (source system, external id, revision).
            try db.execute(
                sql: """
                    CREATE TABLE follow_ups (
                        source_system TEXT NOT NULL,
                        external_id TEXT NOT NULL,
                        revision INTEGER NOT NULL,
                        case_id TEXT NOT NULL REFERENCES cases(id),
                        PRIMARY KEY (source_system, external_id, revision)
                    );
                    """)
        }
        migrator.registerMigration("v1-privacy-audit") { db in
            // Every unmasked read of evaluator data: who, which case, when.
            try db.execute(
                sql: """
                    CREATE TABLE privacy_audit (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        case_id TEXT NOT NULL,
                        reader TEXT NOT NULL,
                        purpose TEXT NOT NULL,
                        read_at REAL NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v2-case-payload-protobuf") { db in
            // v1 kept `cases.payload` as JSON (Codable); from v2 it is a serialized `govcase.core.v1.Case`.
            // Events keep their JSON: their table is append-only, and they are written only on transitions.
            var lastRow: Int64 = 0
            while true {
                let rows = try Row.fetchAll(
                    db, sql: "SELECT rowid, id, payload FROM cases WHERE rowid > ? ORDER BY rowid LIMIT 1000",
                    arguments: [lastRow])
                guard let last = rows.last else { break }
                for row in rows {
                    let c = try JSONDecoder().decode(Case.self, from: row["payload"] as Data)
                    try db.execute(
                        sql: "UPDATE cases SET payload = ? WHERE id = ?",
                        arguments: [try CaseStore.payload(of: c), row["id"] as String])
                }
                lastRow = last["rowid"]
            }
        }
        migrator.registerMigration("v3-record-type-and-content-digest") { db in
            // A source record is (source system, record type, external id), no longer (source system, external
            // id): an approval evaluation and a tourism complaint that share an id are two records. Each
            // revision keeps the SHA-256 of the record as received, so a resubmission of the same revision is a
            // duplicate only if its content is the same. SQLite cannot change a table's UNIQUE constraint, so
            // both tables are rebuilt (GRDB checks foreign keys after the migration). Rows stored before this
            // migration have an empty record type (they match any type of their system) and no digest (a
            // resubmission of their revision is refused, never taken as a duplicate).
            try db.execute(
                sql: """
                    CREATE TABLE cases_v3 (
                        id TEXT PRIMARY KEY NOT NULL,
                        source_system TEXT NOT NULL,
                        record_type TEXT NOT NULL,
                        external_id TEXT NOT NULL,
                        revision INTEGER NOT NULL,
                        content_digest BLOB,
                        adapter_id TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        region_code TEXT NOT NULL,
                        status TEXT NOT NULL,
                        level INTEGER,
                        received_at REAL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        payload BLOB NOT NULL,
                        sealed_requester BLOB,
                        UNIQUE (source_system, external_id, record_type)
                    );
                    INSERT INTO cases_v3 (id, source_system, record_type, external_id, revision, adapter_id, kind,
                                          region_code, status, level, received_at, created_at, updated_at, payload,
                                          sealed_requester)
                        SELECT id, source_system, '', external_id, revision, adapter_id, kind, region_code, status,
                               level, received_at, created_at, updated_at, payload, sealed_requester FROM cases;
                    DROP TABLE cases;
                    ALTER TABLE cases_v3 RENAME TO cases;
                    CREATE INDEX cases_region_received ON cases (region_code, received_at);
                    CREATE INDEX cases_received ON cases (received_at);

                    CREATE TABLE follow_ups_v3 (
                        source_system TEXT NOT NULL,
                        record_type TEXT NOT NULL,
                        external_id TEXT NOT NULL,
                        revision INTEGER NOT NULL,
                        content_digest BLOB,
                        case_id TEXT NOT NULL REFERENCES cases(id),
                        PRIMARY KEY (source_system, external_id, record_type, revision)
                    );
                    INSERT INTO follow_ups_v3 (source_system, record_type, external_id, revision, case_id)
                        SELECT source_system, '', external_id, revision, case_id FROM follow_ups;
                    DROP TABLE follow_ups;
                    ALTER TABLE follow_ups_v3 RENAME TO follow_ups;
                    """)
        }
        migrator.registerMigration("v4-events-once-as-protobuf") { db in
            // Events were kept twice: inside each case's payload, and as JSON in `case_events`. From v4 they are
            // kept once, in `case_events`, each a serialized `govcase.core.v1.LifecycleEvent`; case payloads hold
            // none. The append-only triggers are lifted for the rewrite and restored in the same transaction.
            try db.execute(
                sql: "DROP TRIGGER case_events_no_update; DROP TRIGGER case_events_no_delete;")
            var lastCursor: Int64 = 0
            while true {
                let rows = try Row.fetchAll(
                    db, sql: "SELECT cursor, payload FROM case_events WHERE cursor > ? ORDER BY cursor LIMIT 1000",
                    arguments: [lastCursor])
                guard let last = rows.last else { break }
                for row in rows {
                    let event = try JSONDecoder().decode(LifecycleEvent.self, from: row["payload"] as Data)
                    try db.execute(
                        sql: "UPDATE case_events SET payload = ? WHERE cursor = ?",
                        arguments: [try event.proto.serializedData(), row["cursor"] as Int64])
                }
                lastCursor = last["cursor"]
            }
            try db.execute(
                sql: """
                    CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
                        BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;
                    CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
                        BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;
                    """)
            var lastRow: Int64 = 0
            while true {
                let rows = try Row.fetchAll(
                    db, sql: "SELECT rowid, payload FROM cases WHERE rowid > ? ORDER BY rowid LIMIT 1000",
                    arguments: [lastRow])
                guard let last = rows.last else { break }
                for row in rows {
                    var c = try Govcase_Core_V1_Case(serializedBytes: row["payload"] as Data)
                    guard !c.events.isEmpty else { continue }
                    c.events = []
                    try db.execute(
                        sql: "UPDATE cases SET payload = ? WHERE rowid = ?",
                        arguments: [try c.serializedData(), row["rowid"] as Int64])
                }
                lastRow = last["rowid"]
            }
        }
        migrator.registerMigration("v5-origin-evaluation") { db in
            // A request opened from an evaluation (差评工单) names it by external id; the column lets a read find
            // the links both ways without decoding payloads. Cases stored before have none.
            try db.execute(
                sql: """
                    ALTER TABLE cases ADD COLUMN origin_evaluation_id TEXT NOT NULL DEFAULT '';
                    CREATE INDEX cases_origin_evaluation ON cases (origin_evaluation_id) WHERE origin_evaluation_id != '';
                    """)
        }
        migrator.registerMigration("v6-service-nodes") { db in
            // 一事多评: an evaluation names the service node of its matter, and a node has one evaluation. The
            // columns let the store find a node's evaluation without decoding payloads; older cases have none.
            try db.execute(
                sql: """
                    ALTER TABLE cases ADD COLUMN matter_id TEXT NOT NULL DEFAULT '';
                    ALTER TABLE cases ADD COLUMN service_number INTEGER NOT NULL DEFAULT 0;
                    CREATE INDEX cases_service_node ON cases (source_system, matter_id, service_number)
                        WHERE service_number > 0;
                    """)
        }
        migrator.registerMigration("v7-case-links") { db in
            // Links are edges, written with their case: a work order's link to the evaluation it was opened from
            // (差评工单) names an external id of the work order's own source system. They were found at each read
            // by external id alone, across every source system and region. Links stored before are kept as edges
            // within their case's source system; a link to another system's evaluation no longer resolves.
            try db.execute(
                sql: """
                    CREATE TABLE case_links (
                        id INTEGER PRIMARY KEY,
                        case_id TEXT NOT NULL REFERENCES cases(id),
                        kind TEXT NOT NULL,
                        source_system TEXT NOT NULL,
                        target_external_id TEXT NOT NULL,
                        UNIQUE (case_id, kind)
                    );
                    CREATE INDEX case_links_target ON case_links (source_system, kind, target_external_id);
                    INSERT INTO case_links (case_id, kind, source_system, target_external_id)
                        SELECT id, 'origin-evaluation', source_system, origin_evaluation_id FROM cases
                        WHERE origin_evaluation_id != '' ORDER BY created_at, id;
                    DROP INDEX cases_origin_evaluation;
                    """)
        }
        migrator.registerMigration("v8-indexes-for-bound-parameters") { db in
            // Every statement the store runs has an index its plan uses with bound parameters (StoreSQL, checked by
            // QueryPlanTests). The service-node index was partial on `service_number > 0`, which a query with
            // `service_number = ?` cannot prove, so the 一事多评 check inside the writer scanned every row of its
            // source system; it is partial on `matter_id != ''` now, which the statements repeat. A page sorted on
            // (received_at, id) with an index on received_at alone, and the region index no statement can use
            // (regions are prefixes, matched with LIKE), give way to one index a page walks with its region filter.
            // The privacy audit is read by case.
            try db.execute(
                sql: """
                    DROP INDEX cases_service_node;
                    CREATE INDEX cases_service_node ON cases (source_system, matter_id, service_number, kind)
                        WHERE matter_id != '';
                    DROP INDEX cases_received;
                    DROP INDEX cases_region_received;
                    CREATE INDEX cases_received ON cases (received_at, id, region_code);
                    CREATE INDEX privacy_audit_case ON privacy_audit (case_id);
                    """)
        }
        migrator.registerMigration("v9-outbox") { db in
            // What forwarding routes must send (实时上报), written in the transaction that stores its cause, so
            // neither a crash nor a power loss can lose or invent a forward (ARCHITECTURE.md, invariant 9). One
            // row per route and change; its lane is (route, case_id): a case's rows go out in id order, and one
            // that cannot be delivered holds back only its own case. `state`: pending, in_flight, delivered, dead.
            // Delivered rows are pruned after the route's retention; dead ones stay until replayed or discarded.
            try db.execute(
                sql: """
                    CREATE TABLE outbox (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        route TEXT NOT NULL,
                        case_id TEXT NOT NULL,
                        change TEXT NOT NULL,
                        event_sequence INTEGER NOT NULL DEFAULT 0,
                        created_at REAL NOT NULL,
                        state TEXT NOT NULL DEFAULT 'pending',
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at REAL NOT NULL,
                        last_error TEXT NOT NULL DEFAULT '',
                        rejection BLOB,
                        finished_at REAL,
                        upstream_case_ids TEXT NOT NULL DEFAULT ''
                    );
                    CREATE INDEX outbox_state ON outbox (route, state, id);
                    CREATE INDEX outbox_lane ON outbox (route, case_id, id);
                    CREATE INDEX outbox_finished ON outbox (state, finished_at);
                    CREATE TABLE outbox_actions (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at REAL NOT NULL,
                        actor TEXT NOT NULL,
                        action TEXT NOT NULL,
                        route TEXT NOT NULL,
                        row_id INTEGER NOT NULL DEFAULT 0,
                        reason TEXT NOT NULL DEFAULT ''
                    );
                    """)
        }
        migrator.registerMigration("v10-clocks") { db in
            // Durable timers (ARCHITECTURE.md, invariant 9): each clock a case runs (a reminder, an overdue or an
            // escalation of a deadline, a service node's default-rating time) is a row written in the transaction
            // that changes the case, identified by (case, clock, deadline): a moved deadline is a new row, and the
            // replaced one is cancelled, its due time kept in the new row's `original_due_at`. `state`: pending,
            // fired, skipped (a reminder whose deadline had passed when it came due), cancelled.
            try db.execute(
                sql: """
                    CREATE TABLE clocks (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        case_id TEXT NOT NULL,
                        clock_key TEXT NOT NULL,
                        action TEXT NOT NULL,
                        region_code TEXT NOT NULL,
                        deadline_at REAL NOT NULL,
                        due_at REAL NOT NULL,
                        original_due_at REAL,
                        state TEXT NOT NULL DEFAULT 'pending',
                        fired_at REAL,
                        late_seconds REAL NOT NULL DEFAULT 0,
                        event_sequence INTEGER NOT NULL DEFAULT 0,
                        note TEXT NOT NULL DEFAULT '',
                        UNIQUE (case_id, clock_key, deadline_at)
                    );
                    CREATE INDEX clocks_due ON clocks (state, due_at);
                    CREATE INDEX clocks_case ON clocks (case_id, state);
                    """)
        }
        migrator.registerMigration("v11-cases-by-creation") { db in
            // A backfill selects cases by when this gateway stored them (`created_at`), not by the record's own
            // time (`received_at`, which a national evaluation sets to its evaluation time): a receiver that lost
            // what arrived since T needs what arrived late as well.
            try db.execute(sql: "CREATE INDEX cases_created ON cases (created_at, id)")
        }
        migrator.registerMigration("v12-store-settings") { db in
            // What a running gateway says of itself to the commands beside it: the evaluator key id it seals new
            // boxes with (`sealing_key_id`), written at its start, so `govcase keys rotate` declares a rotation
            // complete only once the gateway has been restarted with the new key.
            try db.execute(
                sql: """
                    CREATE TABLE store_settings (
                        name TEXT PRIMARY KEY NOT NULL,
                        value TEXT NOT NULL,
                        updated_at REAL NOT NULL
                    )
                    """)
        }
        migrator.registerMigration("v13-requester-masked-at-rest") { db in
            // From here the payload holds the requester masked (张*, 138****5678), not blanked: a masked read, every
            // page among them, opens no sealed box. Rows written before keep blanks (0) and are masked from their
            // box when read, a row at a time.
            try db.execute(sql: "ALTER TABLE cases ADD COLUMN requester_masked INTEGER NOT NULL DEFAULT 0")
        }
        return migrator
    }
}

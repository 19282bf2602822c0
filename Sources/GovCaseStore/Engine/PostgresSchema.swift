import Foundation
import Logging

/// The store's schema on PostgreSQL, as named migrations recorded in `govcase_migrations`.
///
/// The same tables, columns and constraints as SQLite's schema after its last migration (`Schema`), written
/// once for PostgreSQL: a new PostgreSQL store starts at today's schema, where a SQLite file migrates through
/// its history. Every later change to the store's tables adds a migration to both lists.
///
/// `cases` and `follow_ups` have a `rowid` column, SQLite's implicit one made explicit: the order rows were
/// written in, which statements walk (`nodeCases`, `boxesToReseal`) and `StoreCopy` copies and resumes by.
///
/// Types: SQLite's INTEGER is bigint, REAL double precision, BLOB bytea; text columns use the "C" collation, so
/// text sorts and compares byte by byte as on SQLite (page tokens compare case ids) and a `LIKE 'prefix%'` can
/// use an index.
enum PostgresSchema {
    /// Migrations in order: a name and its statements.
    static let migrations: [(name: String, statements: [String])] = [
        (
            "pg-v1-schema",
            [
                """
                CREATE TABLE cases (
                    rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
                    id text PRIMARY KEY,
                    source_system text NOT NULL,
                    record_type text NOT NULL,
                    external_id text NOT NULL,
                    revision bigint NOT NULL,
                    content_digest bytea,
                    adapter_id text NOT NULL,
                    kind text NOT NULL,
                    region_code text NOT NULL,
                    status text NOT NULL,
                    level bigint,
                    received_at double precision,
                    created_at double precision NOT NULL,
                    updated_at double precision NOT NULL,
                    payload bytea NOT NULL,
                    sealed_requester bytea,
                    origin_evaluation_id text NOT NULL DEFAULT '',
                    matter_id text NOT NULL DEFAULT '',
                    service_number bigint NOT NULL DEFAULT 0,
                    requester_masked bigint NOT NULL DEFAULT 0,
                    UNIQUE (source_system, external_id, record_type)
                )
                """,
                "CREATE INDEX cases_service_node ON cases (source_system, matter_id, service_number, kind) WHERE matter_id != ''",
                "CREATE INDEX cases_received ON cases (received_at, id, region_code)",
                "CREATE INDEX cases_created ON cases (created_at, id)",
                """
                CREATE TABLE case_events (
                    cursor bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    case_id text NOT NULL REFERENCES cases(id),
                    sequence bigint NOT NULL,
                    payload bytea NOT NULL,
                    UNIQUE (case_id, sequence)
                )
                """,
                """
                CREATE FUNCTION govcase_events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'case events are append-only'; END $$
                """,
                """
                CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
                FOR EACH ROW EXECUTE FUNCTION govcase_events_are_append_only()
                """,
                """
                CREATE TABLE follow_ups (
                    rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
                    source_system text NOT NULL,
                    record_type text NOT NULL,
                    external_id text NOT NULL,
                    revision bigint NOT NULL,
                    content_digest bytea,
                    case_id text NOT NULL REFERENCES cases(id),
                    PRIMARY KEY (source_system, external_id, record_type, revision)
                )
                """,
                """
                CREATE TABLE privacy_audit (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    case_id text NOT NULL,
                    reader text NOT NULL,
                    purpose text NOT NULL,
                    read_at double precision NOT NULL
                )
                """,
                "CREATE INDEX privacy_audit_case ON privacy_audit (case_id)",
                """
                CREATE TABLE case_links (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    case_id text NOT NULL REFERENCES cases(id),
                    kind text NOT NULL,
                    source_system text NOT NULL,
                    target_external_id text NOT NULL,
                    UNIQUE (case_id, kind)
                )
                """,
                "CREATE INDEX case_links_target ON case_links (source_system, kind, target_external_id)",
                """
                CREATE TABLE outbox (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    route text NOT NULL,
                    case_id text NOT NULL,
                    change text NOT NULL,
                    event_sequence bigint NOT NULL DEFAULT 0,
                    created_at double precision NOT NULL,
                    state text NOT NULL DEFAULT 'pending',
                    attempts bigint NOT NULL DEFAULT 0,
                    next_attempt_at double precision NOT NULL,
                    last_error text NOT NULL DEFAULT '',
                    rejection bytea,
                    finished_at double precision,
                    upstream_case_ids text NOT NULL DEFAULT ''
                )
                """,
                "CREATE INDEX outbox_state ON outbox (route, state, id)",
                "CREATE INDEX outbox_lane ON outbox (route, case_id, id)",
                "CREATE INDEX outbox_finished ON outbox (state, finished_at)",
                """
                CREATE TABLE outbox_actions (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    at double precision NOT NULL,
                    actor text NOT NULL,
                    action text NOT NULL,
                    route text NOT NULL,
                    row_id bigint NOT NULL DEFAULT 0,
                    reason text NOT NULL DEFAULT ''
                )
                """,
                """
                CREATE TABLE clocks (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    case_id text NOT NULL,
                    clock_key text NOT NULL,
                    action text NOT NULL,
                    region_code text NOT NULL,
                    deadline_at double precision NOT NULL,
                    due_at double precision NOT NULL,
                    original_due_at double precision,
                    state text NOT NULL DEFAULT 'pending',
                    fired_at double precision,
                    late_seconds double precision NOT NULL DEFAULT 0,
                    event_sequence bigint NOT NULL DEFAULT 0,
                    note text NOT NULL DEFAULT '',
                    UNIQUE (case_id, clock_key, deadline_at)
                )
                """,
                "CREATE INDEX clocks_due ON clocks (state, due_at)",
                "CREATE INDEX clocks_case ON clocks (case_id, state)",
                """
                CREATE TABLE store_settings (
                    name text PRIMARY KEY,
                    value text NOT NULL,
                    updated_at double precision NOT NULL
                )
                """,
            ].map(collated)
        )
    ]

    /// Text columns in the "C" collation (byte order, as SQLite compares).
    static func collated(_ statement: String) -> String {
        statement.replacingOccurrences(of: " text NOT NULL", with: " text COLLATE \"C\" NOT NULL")
            .replacingOccurrences(of: " text PRIMARY KEY", with: " text COLLATE \"C\" PRIMARY KEY")
    }

    /// Applies the migrations not yet applied, in one transaction under an advisory lock: the first gateway to start
    /// runs them, any other waits for it and finds them applied. Refuses a database a newer gateway has migrated:
    /// this one would not know how to keep its tables.
    static func migrate(_ session: PostgresSession, logger: Logger) throws {
        try session.transaction(readOnly: false) {
            try session.run("SELECT pg_advisory_xact_lock($1)", [PostgresEngine.migrationLock])
            try session.run(
                """
                CREATE TABLE IF NOT EXISTS govcase_migrations (
                    name text COLLATE "C" PRIMARY KEY, applied_at double precision NOT NULL)
                """)
            let applied = try Self.applied(session)
            let known = migrations.map(\.name)
            let unknown = applied.filter { !known.contains($0) }
            guard unknown.isEmpty else {
                throw StoreError(
                    .configuration,
                    "its schema is newer than this gateway knows (migrations \(unknown.joined(separator: ", ")) were "
                        + "applied by a newer gateway); run that version or newer")
            }
            for migration in migrations where !applied.contains(migration.name) {
                logger.notice("applying a migration of the store", metadata: ["migration": "\(migration.name)"])
                for statement in migration.statements { try session.run(statement) }
                try session.run(
                    "INSERT INTO govcase_migrations (name, applied_at) VALUES ($1, $2)",
                    [migration.name, Date().timeIntervalSince1970])
            }
        }
    }

    /// The names of the migrations applied, in the order they were.
    static func applied(_ session: PostgresSession) throws -> [String] {
        try PostgresSession.rows(of: session.run("SELECT name FROM govcase_migrations ORDER BY applied_at, name"))
            .map { $0["name"] }
    }
}

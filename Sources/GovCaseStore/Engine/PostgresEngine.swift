import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// The engine for several gateways on one PostgreSQL database.
///
/// The store's logic runs synchronously inside a transaction (as it does on SQLite), on the store's own lanes, so
/// a session blocks its lane's thread on each statement's round trip, never a thread of Swift's cooperative pool or
/// of the event loop that carries the connection.
///
/// Every write transaction first takes one transaction-level advisory lock, so the gateways' writes commit one at a
/// time, in the order they took the lock: a record's check-then-write (its stored revision, its node's
/// evaluation) sees every commit before it, and events get cursors in commit order, so a watcher reading "after
/// cursor N" on any replica never skips an event that committed late with a lower cursor. The constraints
/// (uniqueness of a source record, of a case's event sequence) still hold in the database whatever a gateway does.
/// Reads take no lock. What this costs: writes do not run in parallel across gateways (they did not on SQLite
/// either); group commit keeps a transaction's cost shared by many records.
final class PostgresEngine: StoreEngine {
    let connections: PostgresConnections
    let logger: Logger

    /// The advisory lock every write transaction takes.
    static let writeLock: Int64 = 0x676f_7663_6173_6501  // "govcase" + 1
    /// The advisory lock migrations run under.
    static let migrationLock: Int64 = 0x676f_7663_6173_6502

    init(configuration: PostgresStoreConfiguration, logger: Logger) throws {
        self.logger = logger
        connections = try PostgresConnections(configuration: configuration, logger: logger)
        do {
            try connections.withConnection { connection in
                try PostgresSchema.migrate(session(on: connection), logger: logger)
            }
        } catch let error as StoreError {
            connections.close()
            throw StoreError(
                error.code == .unavailable ? .configuration : error.code,
                "cannot open the store on PostgreSQL at \(configuration.host):\(configuration.port)/"
                    + "\(configuration.database): \(error.message)")
        }
    }

    func write<T>(_ body: (any StoreSession) throws -> T) throws -> T {
        try connections.withConnection { connection in
            let session = session(on: connection)
            return try session.transaction(readOnly: false) {
                try session.run("SELECT pg_advisory_xact_lock($1)", [Self.writeLock])
                return try body(session)
            }
        }
    }

    func read<T>(_ body: (any StoreSession) throws -> T) throws -> T {
        try connections.withConnection { connection in
            let session = session(on: connection)
            return try session.transaction(readOnly: true) { try body(session) }
        }
    }

    func session(on connection: PostgresConnection) -> PostgresSession {
        PostgresSession(connection: connection, statementTimeout: connections.configuration.statementTimeout, logger: logger)
    }

    func appliedMigrations() throws -> [String] {
        try connections.withConnection { connection in try PostgresSchema.applied(session(on: connection)) }
    }

    func close() throws { connections.close() }
}

/// The engine's connections: at most `maxConnections`, opened when needed, kept while they work, dropped when they
/// fail, so that a restarted or failed-over server is reconnected to by the next call.
final class PostgresConnections: Sendable {
    let configuration: PostgresStoreConfiguration
    let connectionConfiguration: PostgresConnection.Configuration
    let logger: Logger
    private let idle = Mutex<[PostgresConnection]>([])
    private let slots: DispatchSemaphore
    private let nextID = Atomic<Int>(0)
    private let closed = Atomic<Bool>(false)

    init(configuration: PostgresStoreConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        slots = DispatchSemaphore(value: max(configuration.maxConnections, 1))
        connectionConfiguration = try configuration.connectionConfiguration()
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    /// Runs `body` on a connection of its own; waits while all are in use, at most the statement timeout (then the
    /// call fails UNAVAILABLE, rather than queueing for ever behind calls that hang on a lost server).
    ///
    /// A pooled connection the server has since closed (a restart, a failover, an idle timeout) is found out at
    /// the transaction's first statement, before anything of the call was sent: the call then runs once more on a
    /// new connection, so a server that is back serves the next call rather than failing it.
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        guard !closed.load(ordering: .relaxed) else { throw StoreError(.unavailable, "the store is closed") }
        let wait = configuration.statementTimeout
        guard slots.wait(timeout: .now() + .milliseconds(Int(Self.milliseconds(wait)))) == .success else {
            throw StoreError(
                .unavailable, "all \(configuration.maxConnections) connections to PostgreSQL stayed busy for \(wait)")
        }
        defer { slots.signal() }
        var retried = false
        while true {
            let pooled = idle.withLock { idle in
                // Closed ones are dropped here; the newest idle connection is the likeliest to be alive.
                while let last = idle.last, last.isClosed { idle.removeLast() }
                return idle.popLast()
            }
            let connection = try pooled ?? connect()
            do {
                let result = try body(connection)
                putBack(connection)
                return result
            } catch let lost as PostgresSession.LostBeforeBegin where pooled != nil && !retried {
                discard(connection)
                retried = true
                logger.debug("a pooled connection was closed by the server; trying a new one", metadata: ["error": "\(lost)"])
            } catch let lost as PostgresSession.LostBeforeBegin {
                discard(connection)
                throw lost.error
            } catch let error as StoreError where error.code == .unavailable {
                // The connection may be mid-transaction or broken: never handed out again.
                discard(connection)
                throw error
            } catch {
                putBack(connection)
                throw error
            }
        }
    }

    /// A connection that still works goes back for the next call; a closed one (the server restarted, a timeout
    /// ended it) is dropped, and the next call opens a new one.
    private func putBack(_ connection: PostgresConnection) {
        if connection.isClosed || closed.load(ordering: .relaxed) {
            discard(connection)
        } else {
            idle.withLock { $0.append(connection) }
        }
    }

    private func discard(_ connection: PostgresConnection) {
        // The closure holds the connection until the close completes: postgres-nio requires a connection to be
        // closed before it is released.
        connection.close().whenComplete { _ in _ = connection }
    }

    func connect() throws -> PostgresConnection {
        do {
            return try PostgresSession.wait(
                for: PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.any(), configuration: connectionConfiguration,
                    id: nextID.wrappingAdd(1, ordering: .relaxed).oldValue, logger: logger),
                atMost: configuration.connectTimeout + .seconds(1), closing: nil)
        } catch {
            throw PostgresSession.storeError(error, doing: "connect")
        }
    }

    /// A store dropped without `close()` (a test's, a failed start's) still gives its connections back to the server.
    /// (Each closure holds its connection until the close completes: postgres-nio requires a connection to be
    /// closed before it is released.)
    deinit {
        for connection in idle.withLock({ $0 }) { connection.close().whenComplete { _ in _ = connection } }
    }

    func close() {
        closed.store(true, ordering: .relaxed)
        let connections = idle.withLock { connections in
            defer { connections = [] }
            return connections
        }
        for connection in connections { try? connection.close().wait() }
    }
}

/// A PostgreSQL connection inside one transaction.
final class PostgresSession: StoreSession {
    let connection: PostgresConnection
    let logger: Logger
    let statementTimeout: Duration
    private var savepoints = 0
    private var channels: Set<StoreChannel> = []

    init(connection: PostgresConnection, statementTimeout: Duration, logger: Logger) {
        self.connection = connection
        self.statementTimeout = statementTimeout
        self.logger = logger
    }

    /// The connection failed at a transaction's first statement (BEGIN), so nothing of the call reached the server:
    /// the call may run again on another connection.
    struct LostBeforeBegin: Error {
        var error: StoreError
    }

    /// Runs `body` between BEGIN and COMMIT, sending the notifications it asked for just before the commit (they
    /// are delivered only if it commits); a throw rolls back. A failed COMMIT, or a connection lost before it
    /// answered, throws: the caller acknowledges nothing, though the transaction may have committed (its answer
    /// was lost); a retry of a record finds it stored, by content.
    func transaction<T>(readOnly: Bool, _ body: () throws -> T) throws -> T {
        do {
            try run(readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN ISOLATION LEVEL READ COMMITTED")
        } catch let error as StoreError where error.code == .unavailable {
            throw LostBeforeBegin(error: error)
        }
        let result: T
        do {
            result = try body()
            for channel in channels.sorted(by: { $0.rawValue < $1.rawValue }) {
                try run("SELECT pg_notify($1, '')", [channel.rawValue])
            }
        } catch {
            if !connection.isClosed { _ = try? run("ROLLBACK") }
            throw error
        }
        // PostgreSQL answers COMMIT with ROLLBACK, and no error, for a transaction a failed statement aborted: a
        // statement whose failure was caught and not rethrown must not pass for a commit.
        let tag = try run("COMMIT").metadata.command
        guard tag == "COMMIT" else {
            throw StoreError(.corrupt, "PostgreSQL rolled the transaction back (it answered \(tag) to COMMIT)")
        }
        return result
    }

    func execute(_ statement: StoreSQL, _ arguments: StoreArguments) throws -> Int {
        try run(statement.postgresSQL, arguments).metadata.rows ?? 0
    }

    func rows(_ statement: StoreSQL, _ arguments: StoreArguments) throws -> [StoreRow] {
        try Self.rows(of: run(statement.postgresSQL, arguments))
    }

    func rows(sql: String, _ arguments: StoreArguments) throws -> [StoreRow] {
        try Self.rows(of: run(StoreSQL.postgresPlaceholders(sql), arguments))
    }

    func execute(sql: String, _ arguments: StoreArguments) throws -> Int {
        try run(StoreSQL.postgresPlaceholders(sql), arguments).metadata.rows ?? 0
    }

    func savepoint<T>(_ body: () throws -> T) throws -> T {
        savepoints += 1
        let name = "record_\(savepoints)"
        try run("SAVEPOINT \(name)")
        do {
            let result = try body()
            try run("RELEASE SAVEPOINT \(name)")
            return result
        } catch {
            // Undo the record's own writes and keep the transaction for the others; if the connection itself
            // failed, the rollback fails too and the whole transaction fails with it, as it must.
            try run("ROLLBACK TO SAVEPOINT \(name)")
            try run("RELEASE SAVEPOINT \(name)")
            throw error
        }
    }

    func notifyOnCommit(_ channel: StoreChannel) { channels.insert(channel) }

    @discardableResult
    func run(_ sql: String, _ arguments: StoreArguments = []) throws -> PostgresQueryResult {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument?.storeValue ?? .null {
            case .null: bindings.appendNull()
            case .integer(let int): bindings.append(int)
            case .real(let real): bindings.append(real)
            case .text(let text): bindings.append(text)
            case .blob(let data): bindings.append(ByteBuffer(bytes: data))
            case .boolean(let bool): bindings.append(bool)
            }
        }
        do {
            return try Self.wait(
                for: connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger),
                atMost: answerWait, closing: connection)
        } catch {
            throw Self.storeError(error, doing: sql)
        }
    }

    /// How long a statement's answer may take: the server cancels a statement after `statement_timeout`; past
    /// that and a margin, the connection itself is taken as lost.
    var answerWait: Duration { statementTimeout + .seconds(5) }

    /// The future's result, waiting on this (non-event-loop) thread at most `limit`. A connection the server
    /// dropped (a restart, a failover) must fail its call, not hold the lane, and with it the callers queued
    /// behind, forever: past the limit the connection is closed and the call fails UNAVAILABLE.
    static func wait<T: Sendable>(
        for future: EventLoopFuture<T>, atMost limit: Duration, closing connection: PostgresConnection?
    ) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<T, any Error>?>(nil)
        future.whenComplete { outcome in
            result.withLock { $0 = outcome }
            done.signal()
        }
        let nanoseconds = limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000
        guard done.wait(timeout: .now() + .nanoseconds(Int(nanoseconds))) == .success else {
            if let connection { connection.close().whenComplete { _ in _ = connection } }
            throw StoreError(.unavailable, "PostgreSQL did not answer within \(limit)")
        }
        return try result.withLock { $0! }.get()
    }

    static func rows(of result: PostgresQueryResult) throws -> [StoreRow] {
        var columns: [String]?
        var rows: [StoreRow] = []
        for row in result.rows {
            if columns == nil { columns = row.map(\.columnName) }
            rows.append(StoreRow(columns: columns!, values: try row.map(Self.value)))
        }
        return rows
    }

    /// A cell as the store's value type: the schema's column types only (`PostgresSchema`).
    static func value(_ cell: PostgresCell) throws -> StoreValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int8: return .integer(try cell.decode(Int64.self))
        case .int4: return .integer(Int64(try cell.decode(Int32.self)))
        case .int2: return .integer(Int64(try cell.decode(Int16.self)))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .float8, .float4: return .real(try cell.decode(Double.self))
        case .text, .varchar, .name, .bpchar: return .text(try cell.decode(String.self))
        case .bytea:
            return .blob(Data(try cell.decode(ByteBuffer.self).readableBytesView))
        default:
            throw StoreError(.corrupt, "column \(cell.columnName) has a type the store does not use (\(cell.dataType))")
        }
    }

    /// What a failure of PostgreSQL means to a caller. Lost connections, a server shutting down, timeouts,
    /// serialization failures and a lack of resources are UNAVAILABLE: nothing committed, the call may be retried.
    /// A unique constraint is ALREADY_EXISTS. Anything else is the gateway's fault, reported as such.
    static func storeError(_ error: any Error, doing what: String) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let error = error as? PSQLError else {
            return StoreError(.unavailable, "PostgreSQL: \(what): \(error)")
        }
        let state = error.serverInfo?[.sqlState] ?? ""
        let message = error.serverInfo?[.message] ?? "\(error.code)"
        switch error.code {
        case .server:
            if state == "23505" {
                return StoreError(
                    .alreadyExists, "already stored (\(error.serverInfo?[.constraintName] ?? "a unique constraint"))")
            }
            if state == "42501" || state.hasPrefix("28") || state.hasPrefix("3D") {
                return StoreError(.configuration, "PostgreSQL refused the gateway (\(state)): \(message)")
            }
            // 25006: a read-only transaction, what a server demoted in a failover (or a standby behind the
            // primary's address) answers a write; 55P03: a lock not available in time.
            if ["08", "40", "53", "57", "58"].contains(String(state.prefix(2))) || state == "25006" || state == "55P03" {
                return StoreError(.unavailable, "PostgreSQL gave up on the call (\(state)): \(message)")
            }
            // 22021, 22P05: text PostgreSQL cannot keep (a NUL character), which SQLite would have stored.
            if state == "22021" || state == "22P05" {
                return StoreError(.badRequest, "PostgreSQL cannot store this text (\(state)): \(message)")
            }
            return StoreError(.corrupt, "PostgreSQL refused a statement of the store (\(state)): \(message)")
        case .tooManyParameters:
            return StoreError(.corrupt, "a statement of the store has more parameters than PostgreSQL takes")
        case .sslUnsupported, .failedToAddSSLHandler, .unsupportedAuthMechanism, .authMechanismRequiresPassword,
            .saslError:
            return StoreError(.configuration, "PostgreSQL: cannot connect: \(error.code)")
        default:
            return StoreError(.unavailable, "PostgreSQL: the connection failed (\(error.code))")
        }
    }
}

extension PostgresStoreConfiguration {
    /// postgres-nio's settings for a connection as the store makes it: TLS verified against the configured CA (the
    /// server's name must match `host`), the timeouts set at start-up. The benchmark's and the tests' plain
    /// clients connect with them too.
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let c = self
        var tls = PostgresConnection.Configuration.TLS.disable
        if let settings = c.tls {
            var client = TLSConfiguration.makeClientConfiguration()
            client.minimumTLSVersion = .tlsv12
            client.certificateVerification = .fullVerification
            do {
                client.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(settings.caFile))
                if let certificate = settings.certificateFile, let key = settings.keyFile {
                    client.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
                    client.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
                }
                tls = .require(try NIOSSLContext(configuration: client))
            } catch {
                throw StoreError(.configuration, "store.postgres.tls: \(error)")
            }
        }
        var configuration = PostgresConnection.Configuration(
            host: c.host, port: c.port, username: c.user, password: c.password, database: c.database, tls: tls)
        configuration.options.connectTimeout = .seconds(max(c.connectTimeout.components.seconds, 1))
        // Set at start-up, before any statement: no transaction of the gateway can hold the server's vacuum back for
        // longer than these (`SHOW` reads them back from the live connection; PostgresEngineTests does).
        configuration.options.additionalStartupParameters = [
            ("application_name", "govcase-gateway"),
            ("statement_timeout", "\(PostgresConnections.milliseconds(c.statementTimeout))"),
            ("idle_in_transaction_session_timeout", "\(PostgresConnections.milliseconds(c.idleInTransactionTimeout))"),
            // Waits for a row lock are bounded by statement_timeout, whatever the server or role sets.
            ("lock_timeout", "0"),
            ("TimeZone", "UTC"),
        ]
        return configuration
    }
}

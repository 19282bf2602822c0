import Foundation

/// Where the store's PostgreSQL database is, and how the gateway's connections to it behave.
///
/// `store: { postgres: { host, port, database, user, password_file, tls: { ca, certificate, key } } }` in the
/// gateway's configuration; the password is read from its file, never written inline.
public struct PostgresStoreConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var database: String
    public var user: String
    /// Read from `password_file`; nil for a server that asks none (certificate authentication).
    public var password: String?
    /// TLS to the server: nil connects in clear, which only a server on loopback should accept.
    public var tls: TLS?
    /// The most connections one gateway opens (each of the store's lanes and its group commit holds one while it
    /// runs a transaction; a watcher's wake-ups use one more, outside this count).
    public var maxConnections: Int
    /// How long one statement may run before the server cancels it; the call then fails UNAVAILABLE. Bounds how
    /// long any transaction of the gateway can hold back the server's vacuum (its xmin horizon).
    public var statementTimeout: Duration
    /// How long a connection may sit idle inside a transaction before the server ends it: a gateway stopped
    /// mid-transaction (a pause, a hung thread) cannot hold locks and old row versions for longer.
    public var idleInTransactionTimeout: Duration
    /// How long connecting may take.
    public var connectTimeout: Duration

    public struct TLS: Sendable, Hashable {
        /// The CA certificates (PEM) that sign the server's certificate; the server's name must match `host`.
        public var caFile: String
        /// A client certificate and key (PEM), for a server that authenticates the gateway by certificate.
        public var certificateFile: String?
        public var keyFile: String?

        public init(caFile: String, certificateFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
        }
    }

    public init(
        host: String, port: Int = 5432, database: String, user: String, password: String? = nil, tls: TLS? = nil,
        maxConnections: Int = 8, statementTimeout: Duration = .seconds(30),
        idleInTransactionTimeout: Duration = .seconds(60), connectTimeout: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
        self.tls = tls
        self.maxConnections = maxConnections
        self.statementTimeout = statementTimeout
        self.idleInTransactionTimeout = idleInTransactionTimeout
        self.connectTimeout = connectTimeout
    }

    /// Settings from a libpq-style line (`host=… port=… user=… dbname=… password_file=… sslrootcert=…`), as
    /// `scripts/postgres-test-server.sh` writes it for the tests and the benchmark; the password is read from its
    /// file.
    public init(connectionLine line: String) throws {
        var settings: [String: String] = [:]
        for pair in line.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { settings[parts[0]] = parts[1] }
        }
        let password = try settings["password_file"].map {
            try String(contentsOfFile: $0, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        self.init(
            host: settings["host"] ?? "127.0.0.1", port: Int(settings["port"] ?? "") ?? 5432,
            database: settings["dbname"] ?? "govcase", user: settings["user"] ?? "govcase", password: password,
            tls: settings["sslrootcert"].map { TLS(caFile: $0) })
    }
}

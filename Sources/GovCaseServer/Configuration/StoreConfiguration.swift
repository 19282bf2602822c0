import Foundation
import Logging
import GovCaseCore
import GovCasePolicy
import GovCaseStore

/// A refusal naming `key` under the object being decoded: thrown as a decoding error so that the configuration's
/// error names the whole path (`store.postgres.port`).
private func refusal(_ container: KeyedDecodingContainer<some CodingKey>, _ key: some CodingKey, _ message: String)
    -> DecodingError
{
    .dataCorrupted(.init(codingPath: container.codingPath + [key], debugDescription: message))
}

extension GatewayConfiguration {
    /// Where cases are kept: a SQLite file (the embedded default), or a PostgreSQL database that several gateways
    /// share.
    ///
    /// ```yaml
    /// store: { path: cases.sqlite, evaluator_key: evaluator.key }
    /// store:
    ///   postgres: { host: db.example.cn, port: 5432, database: govcase, user: govcase,
    ///               password_file: postgres.password, tls: { ca: db-ca.pem, certificate: …, key: … },
    ///               max_connections: 8, statement_timeout_seconds: 30, idle_in_transaction_timeout_seconds: 60 }
    ///   state_directory: state          # this gateway's own files (plugin registrations)
    ///   evaluator_key: evaluator.key
    /// ```
    public struct Store: Sendable, Hashable, Decodable {
        /// SQLite file; created with its folder if missing. Empty when `postgres` is set.
        public var path: String
        /// The PostgreSQL database, instead of `path`.
        public var postgres: Postgres?
        /// The folder of this gateway's own files: `state_directory`, required with `postgres`; the SQLite file's
        /// folder when not given.
        public var stateDirectory: String {
            get { explicitStateDirectory ?? (path as NSString).deletingLastPathComponent }
            set { explicitStateDirectory = newValue }
        }
        private var explicitStateDirectory: String?
        /// File holding the 256-bit AES-GCM key that seals evaluator identity, raw or base64.
        public var evaluatorKey: String
        /// Keys that sealed evaluator data before a rotation: they only open it, until `govcase keys rotate`
        /// has re-sealed everything with `evaluatorKey`.
        public var previousEvaluatorKeys: [String]

        public init(path: String, evaluatorKey: String, previousEvaluatorKeys: [String] = []) {
            self.path = path
            self.postgres = nil
            self.evaluatorKey = evaluatorKey
            self.previousEvaluatorKeys = previousEvaluatorKeys
        }

        public init(
            postgres: Postgres, stateDirectory: String, evaluatorKey: String, previousEvaluatorKeys: [String] = []
        ) {
            self.path = ""
            self.postgres = postgres
            self.explicitStateDirectory = stateDirectory
            self.evaluatorKey = evaluatorKey
            self.previousEvaluatorKeys = previousEvaluatorKeys
        }

        /// The vault of these keys.
        public func vault() throws -> EvaluatorVault {
            try EvaluatorVault(keyFile: evaluatorKey, previousKeyFiles: previousEvaluatorKeys)
        }

        /// Opens the store these settings name, with `vault` (these settings' own when nil).
        public func open(
            vault: EvaluatorVault? = nil, routes: [RouteSelector] = [], clocks: ClockRules? = nil, logger: Logger
        ) throws -> CaseStore {
            let vault = try vault ?? self.vault()
            if let postgres {
                return try CaseStore(
                    postgres: postgres.storeConfiguration(), vault: vault, routes: routes, clocks: clocks,
                    logger: logger)
            }
            try FileManager.default.createDirectory(
                at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            return try CaseStore(path: path, vault: vault, routes: routes, clocks: clocks, logger: logger)
        }

        /// Where the store is, for logs: the file, or the database's address (never its password).
        public var location: String {
            guard let postgres else { return path }
            return "postgresql://\(postgres.user)@\(postgres.host):\(postgres.port)/\(postgres.database)"
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case path, postgres
            case stateDirectory = "state_directory"
            case evaluatorKey = "evaluator_key"
            case previousEvaluatorKeys = "previous_evaluator_keys"
        }

        public init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            postgres = try c.decodeIfPresent(Postgres.self, forKey: .postgres)
            let path = try c.decodeIfPresent(String.self, forKey: .path)
            let stateDirectory = try c.decodeIfPresent(String.self, forKey: .stateDirectory)
            switch (path, postgres) {
            case (let path?, nil):
                self.path = path
                self.explicitStateDirectory = stateDirectory
            case (nil, _?):
                guard let stateDirectory else {
                    throw refusal(
                        c, CodingKeys.stateDirectory,
                        "required with store.postgres: the folder of this gateway's own files")
                }
                self.path = ""
                self.explicitStateDirectory = stateDirectory
            case (_?, _?):
                throw refusal(c, CodingKeys.path, "give store.path (SQLite) or store.postgres, not both")
            case (nil, nil):
                throw refusal(c, CodingKeys.path, "required: store.path (SQLite) or store.postgres")
            }
            evaluatorKey = try c.decode(String.self, forKey: .evaluatorKey)
            previousEvaluatorKeys = try c.decodeIfPresent([String].self, forKey: .previousEvaluatorKeys) ?? []
        }

        mutating func resolvePaths(_ resolve: (inout String) -> Void) {
            if !path.isEmpty { resolve(&path) }
            if var directory = explicitStateDirectory {
                resolve(&directory)
                explicitStateDirectory = directory
            }
            resolve(&evaluatorKey)
            for index in previousEvaluatorKeys.indices { resolve(&previousEvaluatorKeys[index]) }
            postgres?.resolvePaths(resolve)
        }
    }

    /// `store.postgres`: the database several gateways share. The password is read from `password_file`, never
    /// written in the configuration.
    public struct Postgres: Sendable, Hashable, Decodable {
        public var host: String
        public var port: Int
        public var database: String
        public var user: String
        /// A file holding the password (its first line); absent for a server that asks none.
        public var passwordFile: String?
        public var tls: TLS?
        /// At least 6: the store's four lanes and its group commit each hold one while they run a transaction.
        public var maxConnections: Int
        public var statementTimeoutSeconds: Int
        public var idleInTransactionTimeoutSeconds: Int

        /// `store.postgres.tls`: the CA that signs the server's certificate, and a client certificate if the server
        /// asks for one.
        public struct TLS: Sendable, Hashable, Decodable {
            public var ca: String
            public var certificate: String?
            public var key: String?

            enum CodingKeys: String, CodingKey, CaseIterable { case ca, certificate, key }

            public init(from decoder: any Decoder) throws {
                try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
                let c = try decoder.container(keyedBy: CodingKeys.self)
                ca = try c.decode(String.self, forKey: .ca)
                certificate = try c.decodeIfPresent(String.self, forKey: .certificate)
                key = try c.decodeIfPresent(String.self, forKey: .key)
                guard (certificate == nil) == (key == nil) else {
                    throw refusal(
                        c, certificate == nil ? CodingKeys.certificate : CodingKeys.key,
                        "certificate and key go together: give both or neither")
                }
            }
        }

        public init(
            host: String, port: Int = 5432, database: String, user: String, passwordFile: String?, tls: TLS? = nil,
            maxConnections: Int = 8, statementTimeoutSeconds: Int = 30, idleInTransactionTimeoutSeconds: Int = 60
        ) {
            self.host = host
            self.port = port
            self.database = database
            self.user = user
            self.passwordFile = passwordFile
            self.tls = tls
            self.maxConnections = maxConnections
            self.statementTimeoutSeconds = statementTimeoutSeconds
            self.idleInTransactionTimeoutSeconds = idleInTransactionTimeoutSeconds
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case host, port, database, user, tls
            case passwordFile = "password_file"
            case maxConnections = "max_connections"
            case statementTimeoutSeconds = "statement_timeout_seconds"
            case idleInTransactionTimeoutSeconds = "idle_in_transaction_timeout_seconds"
        }

        public init(from decoder: any Decoder) throws {
            // `password` is refused like any unknown key: secrets live in files.
            try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            host = try c.decode(String.self, forKey: .host)
            port = try c.decodeIfPresent(Int.self, forKey: .port) ?? 5432
            database = try c.decode(String.self, forKey: .database)
            user = try c.decode(String.self, forKey: .user)
            passwordFile = try c.decodeIfPresent(String.self, forKey: .passwordFile)
            tls = try c.decodeIfPresent(TLS.self, forKey: .tls)
            maxConnections = try c.decodeIfPresent(Int.self, forKey: .maxConnections) ?? 8
            statementTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .statementTimeoutSeconds) ?? 30
            idleInTransactionTimeoutSeconds =
                try c.decodeIfPresent(Int.self, forKey: .idleInTransactionTimeoutSeconds) ?? 60
            // In clear only on this machine: a password and every evaluator's sealed box would otherwise cross
            // the network readable.
            if tls == nil, !["127.0.0.1", "::1", "localhost"].contains(host) {
                throw refusal(
                    c, CodingKeys.tls, "required for a server not on loopback (\(host)): give tls.ca, the CA of its certificate")
            }
            for (key, value, range) in [
                (CodingKeys.port, port, 1...65_535), (.maxConnections, maxConnections, 6...1_000),
                (.statementTimeoutSeconds, statementTimeoutSeconds, 1...3_600),
                (.idleInTransactionTimeoutSeconds, idleInTransactionTimeoutSeconds, 1...3_600),
            ] where !range.contains(value) {
                throw refusal(c, key, "\(value) is outside \(range.lowerBound)…\(range.upperBound)")
            }
        }

        mutating func resolvePaths(_ resolve: (inout String) -> Void) {
            if var file = passwordFile {
                resolve(&file)
                passwordFile = file
            }
            if var tls {
                resolve(&tls.ca)
                if var certificate = tls.certificate {
                    resolve(&certificate)
                    tls.certificate = certificate
                }
                if var key = tls.key {
                    resolve(&key)
                    tls.key = key
                }
                self.tls = tls
            }
        }

        /// The store's settings, with the password read from its file. Errors name the key.
        public func storeConfiguration() throws(ConfigurationError) -> PostgresStoreConfiguration {
            var password: String?
            if let passwordFile {
                do {
                    let text = try String(contentsOfFile: passwordFile, encoding: .utf8)
                    password = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
                } catch {
                    throw ConfigurationError(
                        key: "store.postgres.password_file", message: "cannot read \(passwordFile): \(error)")
                }
                guard password?.isEmpty == false else {
                    throw ConfigurationError(key: "store.postgres.password_file", message: "\(passwordFile) is empty")
                }
            }
            return PostgresStoreConfiguration(
                host: host, port: port, database: database, user: user, password: password,
                tls: tls.map { .init(caFile: $0.ca, certificateFile: $0.certificate, keyFile: $0.key) },
                maxConnections: maxConnections, statementTimeout: .seconds(statementTimeoutSeconds),
                idleInTransactionTimeout: .seconds(idleInTransactionTimeoutSeconds))
        }
    }
}

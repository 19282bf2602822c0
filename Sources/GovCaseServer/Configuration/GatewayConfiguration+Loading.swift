import Foundation
import GovCaseAdapters
import GovCaseCore
import GovCasePolicy
import GovCaseStore
import GovCaseTrust
import SwiftASN1
import X509
import Yams

extension GatewayConfiguration {
    /// Reads, resolves and checks a configuration file as a whole before anything starts: an unknown key, a
    /// bad value, a missing or unreadable file or an unknown adapter is an error naming its key.
    public static func load(path: String) throws(ConfigurationError) -> GatewayConfiguration {
        var configuration = try parse(yaml: try text(of: path))
        configuration.resolvePaths(against: URL(fileURLWithPath: path).deletingLastPathComponent())
        try configuration.check()
        return configuration
    }

    /// Reads a configuration for its rules alone (deadlines, code overrides, clock skew), checking those, without
    /// reading the keys, certificates or manifests it names: what `govcase translate --config` needs, run by an
    /// integrator who may not read the gateway's secrets.
    public static func loadRules(path: String) throws(ConfigurationError) -> GatewayConfiguration {
        let configuration = try parse(yaml: try text(of: path))
        try configuration.checkCodeOverrides()
        return configuration
    }

    private static func text(of path: String) throws(ConfigurationError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(key: "", message: "cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// Decodes YAML, without touching the files it names.
    public static func parse(yaml: String) throws(ConfigurationError) -> GatewayConfiguration {
        do {
            return try YAMLDecoder().decode(GatewayConfiguration.self, from: yaml)
        } catch let error as DecodingError {
            throw ConfigurationError(decoding: error)
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(key: "", message: "not valid YAML: \(error)")
        }
    }

    /// Makes every relative path relative to `folder`.
    mutating func resolvePaths(against folder: URL) {
        func resolve(_ path: inout String) {
            if !path.hasPrefix("/") { path = folder.appendingPathComponent(path).standardizedFileURL.path }
        }
        resolve(&tls.certificatePath)
        resolve(&tls.keyPath)
        resolve(&tls.clientCAPath)
        for index in tls.crlPaths.indices { resolve(&tls.crlPaths[index]) }
        store.resolvePaths(resolve)
        if var manifests = plugins.manifests {
            resolve(&manifests)
            plugins.manifests = manifests
        }
        forwarding.resolvePaths(resolve)
    }

    /// Checks what decoding cannot: that the files exist and hold what they should, and that overrides name
    /// adapters the gateway has.
    public func check() throws(ConfigurationError) {
        func pemDocuments(_ key: String, _ path: String) throws(ConfigurationError) -> [PEMDocument] {
            do {
                let documents = try PEMDocument.parseMultiple(pemString: String(contentsOfFile: path, encoding: .utf8))
                guard !documents.isEmpty else { throw ConfigurationError(key: key, message: "\(path) holds no PEM") }
                return documents
            } catch let error as ConfigurationError {
                throw error
            } catch {
                throw ConfigurationError(key: key, message: "cannot read PEM from \(path): \(error)")
            }
        }
        func certificates(_ key: String, _ path: String) throws(ConfigurationError) {
            for document in try pemDocuments(key, path) {
                do {
                    _ = try Certificate(pemDocument: document)
                } catch {
                    throw ConfigurationError(key: key, message: "\(path) holds something that is not a certificate")
                }
            }
        }
        try certificates("tls.certificate", tls.certificatePath)
        try certificates("tls.client_ca", tls.clientCAPath)
        do {
            _ = try ClientTrust.load(clientTrustSources)
        } catch {
            let key =
                switch error.file {
                case .caBundle: "tls.client_ca"
                case .crl: "tls.crls"
                case .missingCRL: "tls.require_crl"
                }
            throw ConfigurationError(key: key, message: "\(error)")
        }
        guard let key = try pemDocuments("tls.key", tls.keyPath).first,
            (try? Certificate.PrivateKey(pemDocument: key)) != nil
        else {
            throw ConfigurationError(key: "tls.key", message: "\(tls.keyPath) holds no private key")
        }
        do {
            _ = try store.vault()
        } catch {
            throw ConfigurationError(key: "store.evaluator_key", message: "\(error)")
        }
        if let postgres = store.postgres {
            _ = try postgres.storeConfiguration()
            if let tls = postgres.tls { try certificates("store.postgres.tls.ca", tls.ca) }
        } else {
            let folder = URL(fileURLWithPath: store.path).deletingLastPathComponent().path
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), !isFolder.boolValue {
                throw ConfigurationError(key: "store.path", message: "\(folder) is not a folder")
            }
        }
        try checkCodeOverrides()
        _ = try plugins.declared(builtInAdapters: builtInAdapters)
        try forwarding.check(builtInAdapters: builtInAdapters)
    }

    /// Each override names a known adapter, a table that adapter has, a non-empty code and a value the table
    /// maps to (a core value by its name, e.g. `windowDevice`); anything else is an error naming its key, since
    /// a mistyped override would otherwise refuse every record that uses the code.
    public func checkCodeOverrides() throws(ConfigurationError) {
        let adapters = Dictionary(uniqueKeysWithValues: BuiltInAdapters.all().map { ($0.info.id, $0) })
        for (adapterID, systems) in codeOverrides.sorted(by: { $0.key < $1.key }) {
            guard let adapter = adapters[adapterID] else {
                throw ConfigurationError(
                    key: "code_overrides.\(adapterID)",
                    message: "no adapter \"\(adapterID)\"; known: \(adapters.keys.sorted().joined(separator: ", "))")
            }
            let defaults = adapter.codeTable.tables
            for (system, tables) in systems.sorted(by: { $0.key < $1.key }) {
                for (table, codes) in tables.sorted(by: { $0.key < $1.key }) {
                    let key = "code_overrides.\(adapterID).\(system).\(table)"
                    if table.hasPrefix(CodeTable.detailListPrefix), adapterID == "national-platform" {
                        try Self.checkDetailList(
                            codes, version: String(table.dropFirst(CodeTable.detailListPrefix.count)), key: key)
                        continue
                    }
                    guard let shipped = defaults[table] else {
                        throw ConfigurationError(
                            key: key,
                            message: "\(adapterID) has no code table \"\(table)\"; its tables: "
                                + defaults.keys.sorted().joined(separator: ", "))
                    }
                    let values = Set(shipped.values)
                    for (code, value) in codes.sorted(by: { $0.key < $1.key }) {
                        guard !code.trimmingCharacters(in: .whitespaces).isEmpty else {
                            throw ConfigurationError(key: key, message: "a code is empty")
                        }
                        // A table of names (the deployment's units): what can be checked is the key.
                        if CodeTable.namedValueTables.contains(table) {
                            guard shipped[code] != nil else {
                                throw ConfigurationError(
                                    key: "\(key).\(code)",
                                    message: "\(table) has no key \"\(code)\"; its keys: "
                                        + shipped.keys.sorted().joined(separator: ", "))
                            }
                            guard !value.trimmingCharacters(in: .whitespaces).isEmpty else {
                                throw ConfigurationError(key: "\(key).\(code)", message: "the unit's name is empty")
                            }
                            continue
                        }
                        guard values.contains(value) else {
                            throw ConfigurationError(
                                key: "\(key).\(code)",
                                message: "\"\(value)\" is not a value of \(table); values: "
                                    + values.sorted().joined(separator: ", "))
                        }
                    }
                }
            }
        }
    }

    /// A detail-code list (评价指标) of one version: level-scoped codes (digits, the first one the level 1–5), each
    /// with its label.
    static func checkDetailList(_ codes: [String: String], version: String, key: String) throws(ConfigurationError) {
        guard !version.isEmpty else {
            throw ConfigurationError(
                key: key, message: "a detail list is named detailItems.<version>, e.g. detailItems.2023")
        }
        guard !codes.isEmpty else { throw ConfigurationError(key: key, message: "the list is empty") }
        for (code, label) in codes.sorted(by: { $0.key < $1.key }) {
            guard let first = code.first, code.allSatisfy({ $0.isASCII && $0.isNumber }), ("1"..."5").contains(first)
            else {
                throw ConfigurationError(
                    key: "\(key).\(code)", message: "a detail code is digits whose first digit is its level, 1–5")
            }
            guard !label.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ConfigurationError(key: "\(key).\(code)", message: "the code has no label")
            }
        }
    }

    /// The files client trust is read from, with what the TLS section requires of them (`tls.require_crl`).
    public var clientTrustSources: ClientTrustSources { tls.clientTrustSources }

    /// How many identities the policy names: its distinct system patterns.
    public var identityCount: Int { Set(policy.grants.flatMap(\.systems)).count }
}

import Foundation
import X509

/// The files `govcase pki init` writes: a development CA, a server certificate for localhost and 127.0.0.1,
/// and one client certificate per example identity.
public struct DevelopmentPKI: Sendable {
    /// One example caller.
    public struct Client: Sendable, Hashable {
        /// File stem and common name, e.g. `national-sc`.
        public var name: String
        /// Its SPIFFE id.
        public var spiffeID: String
        /// What it stands for.
        public var role: String
    }

    /// The trust domain of the example identities.
    public var trustDomain: String
    /// The example callers: one per source system, a handler, a privacy reader, and one outside its region.
    public var clients: [Client]

    public init(trustDomain: String = "dev.govcase.local") {
        self.trustDomain = trustDomain
        func client(_ name: String, region: String, _ role: String) -> Client {
            Client(name: name, spiffeID: "spiffe://\(trustDomain)/region/\(region)/system/\(name)", role: role)
        }
        clients = [
            client("national-sc", region: "510000", "national platform 好差评 system, Sichuan"),
            client("culture-tourism-sc", region: "510000", "culture and tourism market platform, Sichuan"),
            client("culture-tourism-cq", region: "500000", "culture and tourism market platform, Chongqing"),
            client("hotline-tongnan", region: "500151", "12345 hotline of Tongnan district, Chongqing"),
            client("handler-jinjiang", region: "510104", "case handler, Jinjiang district, Chengdu"),
            client("auditor-sc", region: "510000", "privacy reader, Sichuan"),
            client("operator-sc", region: "510000", "gateway operator (admin): registers plugin adapters"),
            client("hotline-shenzhen", region: "440300", "a caller outside every grant's region"),
        ]
    }

    /// Paths of what was written.
    public struct Files: Sendable {
        /// CA certificate, the bundle the server trusts.
        public var caCertificate: String
        /// CA private key.
        public var caKey: String
        /// Server certificate and key.
        public var serverCertificate: String, serverKey: String
        /// Client certificate and key paths by client name.
        public var clients: [String: (certificate: String, key: String)]
    }

    /// Mints everything and writes it under `directory` (keys readable by the owner only).
    public func write(to directory: URL, now: Date = Date()) throws -> Files {
        let fm = FileManager.default
        try fm.createDirectory(at: directory.appendingPathComponent("clients"), withIntermediateDirectories: true)
        func save(_ text: String, _ name: String, secret: Bool = false) throws -> String {
            let url = directory.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            if secret { try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path) }
            return url.path
        }
        let ca = try CertificateAuthority(commonName: "GovCase development CA (\(trustDomain))", notBefore: now)
        let server = try ca.issueServer(
            commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1", "::1"], notBefore: now)
        var files = Files(
            caCertificate: try save(ca.root.certificatePEM(), "ca.pem"),
            caKey: try save(ca.root.keyPEM(), "ca-key.pem", secret: true),
            serverCertificate: try save(server.certificatePEM(), "server.pem"),
            serverKey: try save(server.keyPEM(), "server-key.pem", secret: true),
            clients: [:])
        for client in clients {
            let issued = try ca.issueClient(commonName: client.name, uri: client.spiffeID, notBefore: now)
            files.clients[client.name] = (
                try save(issued.certificatePEM(), "clients/\(client.name).pem"),
                try save(issued.keyPEM(), "clients/\(client.name)-key.pem", secret: true)
            )
        }
        return files
    }
}

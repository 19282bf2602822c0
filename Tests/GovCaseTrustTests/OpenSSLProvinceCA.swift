import Foundation
import SwiftASN1
import Testing
import X509

/// A province CA run with the openssl CLI at test time, as a province's CA team runs one: `openssl ca` issues,
/// revokes and writes CRLs (numbered from its `crlnumber` file), and a renewal is `openssl req -x509` with the same
/// key and subject, a new serial and a new validity.
struct OpenSSLProvinceCA {
    let folder: URL
    static let subject = "/C=CN/O=Guangdong/CN=Guangdong Province Root CA"

    /// A new CA whose certificate (`ca-original.pem`, serial 1) is valid for `days` from now.
    static func make(days: Int) async throws -> OpenSSLProvinceCA {
        let folder = try ExternalTool.temporaryFolder("openssl-ca")
        let ca = OpenSSLProvinceCA(folder: folder)
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("newcerts"), withIntermediateDirectories: true)
        try "".write(to: folder.appendingPathComponent("index.txt"), atomically: true, encoding: .utf8)
        try "1000\n".write(to: folder.appendingPathComponent("serial"), atomically: true, encoding: .utf8)
        try "01\n".write(to: folder.appendingPathComponent("crlnumber"), atomically: true, encoding: .utf8)
        try configuration(folder).write(to: folder.appendingPathComponent("ca.cnf"), atomically: true, encoding: .utf8)
        try await ca.openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "ca-key.pem"])
        try await ca.selfSign(serial: 1, days: days, to: "ca-original.pem")
        return ca
    }

    /// Renews the CA certificate: same key, same subject, serial 2, valid for `days` from now (`ca-renewed.pem`).
    func renew(days: Int) async throws {
        try await selfSign(serial: 2, days: days, to: "ca-renewed.pem")
    }

    /// A client certificate issued by the original CA certificate, valid for 30 days.
    func issue(_ name: String) async throws -> Certificate {
        try await openssl([
            "req", "-config", "ca.cnf", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(name)-key.pem",
            "-subj", "/C=CN/O=Guangdong/CN=\(name)", "-out", "\(name).csr",
        ])
        try await openssl([
            "ca", "-config", "ca.cnf", "-batch", "-cert", "ca-original.pem", "-extensions", "leaf", "-notext",
            "-in", "\(name).csr", "-out", "\(name).pem",
        ])
        return try certificate("\(name).pem")
    }

    /// Marks a client certificate revoked in the CA's database: CRLs written from now on list it.
    func revoke(_ name: String) async throws {
        try await openssl([
            "ca", "-config", "ca.cnf", "-cert", "ca-original.pem", "-revoke", "\(name).pem", "-crl_reason",
            "keyCompromise",
        ])
    }

    /// Writes a CRL signed with the CA's key, issued as `certificate`, to `file`: the next number from `crlnumber`, or
    /// `number` when given (a CA team restoring a backup); thisUpdate now, or `lastUpdate`; nextUpdate in 30
    /// days, or `nextUpdate`.
    @discardableResult
    func writeCRL(
        to file: String, certificate: String = "ca-original.pem", number: Int? = nil, lastUpdate: Date? = nil,
        nextUpdate: Date? = nil
    ) async throws -> String {
        if let number {
            try String(format: "%02X\n", number).write(
                to: folder.appendingPathComponent("crlnumber"), atomically: true, encoding: .utf8)
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss'Z'"
        var arguments = ["ca", "-config", "ca.cnf", "-gencrl", "-cert", certificate, "-out", file]
        if let lastUpdate { arguments += ["-crl_lastupdate", formatter.string(from: lastUpdate)] }
        if let nextUpdate { arguments += ["-crl_nextupdate", formatter.string(from: nextUpdate)] }
        try await openssl(arguments)
        return path(file)
    }

    func path(_ file: String) -> String { folder.appendingPathComponent(file).path }

    func certificate(_ file: String) throws -> Certificate {
        try Certificate(pemEncoded: String(contentsOfFile: path(file), encoding: .utf8))
    }

    /// Writes the CA certificates named, in order, into one PEM bundle `file`.
    func bundle(_ files: [String], to file: String) throws -> String {
        let text = try files.map { try String(contentsOfFile: path($0), encoding: .utf8) }.joined()
        try text.write(toFile: path(file), atomically: true, encoding: .utf8)
        return path(file)
    }

    private func selfSign(serial: Int, days: Int, to file: String) async throws {
        try await openssl([
            "req", "-config", "ca.cnf", "-x509", "-new", "-key", "ca-key.pem", "-subj", Self.subject,
            "-set_serial", "\(serial)", "-days", "\(days)", "-extensions", "v3_ca", "-out", file,
        ])
    }

    private func openssl(_ arguments: [String]) async throws {
        try await ExternalTool.run(["openssl"] + arguments, in: folder)
    }

    /// `openssl ca`'s database and policy, and the extensions openssl's own example configuration gives a CA,
    /// a client certificate and a CRL (key identifiers included, as most CA teams leave them).
    private static func configuration(_ folder: URL) -> String {
        """
        [ req ]
        distinguished_name = dn
        [ dn ]
        [ v3_ca ]
        basicConstraints = critical,CA:TRUE
        keyUsage = critical,keyCertSign,cRLSign
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid:always
        [ ca ]
        default_ca = province
        [ province ]
        dir = \(folder.path)
        database = $dir/index.txt
        new_certs_dir = $dir/newcerts
        serial = $dir/serial
        crlnumber = $dir/crlnumber
        private_key = $dir/ca-key.pem
        default_md = sha256
        default_days = 30
        default_crl_days = 30
        crl_extensions = crl_ext
        policy = anything
        [ anything ]
        commonName = supplied
        [ leaf ]
        basicConstraints = CA:FALSE
        keyUsage = critical,digitalSignature,keyEncipherment
        extendedKeyUsage = clientAuth
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid:always
        [ crl_ext ]
        authorityKeyIdentifier = keyid:always
        """
    }
}

import Crypto
import Foundation
import SwiftASN1
import X509

/// A certificate and its private key.
public struct IssuedCertificate: Sendable {
    /// The certificate.
    public let certificate: Certificate
    /// Its private key.
    public let key: Certificate.PrivateKey

    /// The certificate as PEM.
    public func certificatePEM() throws -> String { try certificate.serializeAsPEM().pemString }
    /// The private key as PEM (PKCS #8).
    public func keyPEM() throws -> String { try key.serializeAsPEM().pemString }
}

/// A certificate authority that mints the gateway's server and client certificates (ECDSA P-256), with
/// swift-certificates: no openssl needed. For development and tests; a province brings its own PKI.
public struct CertificateAuthority: Sendable {
    /// The CA's own certificate and key.
    public let root: IssuedCertificate

    /// A new self-signed CA valid from `notBefore` for `validity`.
    public init(commonName: String, notBefore: Date = Date(), validity: TimeInterval = 10 * 365 * 86_400) throws {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let name = try DistinguishedName {
            OrganizationName("GovCase Gateway development")
            CommonName(commonName)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: notBefore.addingTimeInterval(-60), notValidAfter: notBefore.addingTimeInterval(validity),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: key.publicKey)
            },
            issuerPrivateKey: key)
        root = IssuedCertificate(certificate: certificate, key: key)
    }

    /// An existing CA, from its certificate and private key in PEM (e.g. a test CA a target trusts for a
    /// conformance session).
    public init(certificatePEM: String, keyPEM: String) throws {
        root = IssuedCertificate(
            certificate: try Certificate(pemEncoded: certificatePEM),
            key: try Certificate.PrivateKey(pemEncoded: keyPEM))
    }

    /// A server certificate for the DNS names and IP addresses given.
    public func issueServer(
        commonName: String, dnsNames: [String], ipAddresses: [String], notBefore: Date = Date(),
        validity: TimeInterval = 825 * 86_400
    ) throws -> IssuedCertificate {
        let names = dnsNames.map { GeneralName.dnsName($0) } + ipAddresses.compactMap(Self.ipAddress)
        return try issue(
            commonName: commonName, alternativeNames: names, usage: .serverAuth, notBefore: notBefore,
            validity: validity)
    }

    /// A client certificate whose URI SAN is `uri` (a SPIFFE id, for the gateway's callers).
    public func issueClient(
        commonName: String, uri: String, notBefore: Date = Date(), validity: TimeInterval = 825 * 86_400
    ) throws -> IssuedCertificate {
        try issueClient(commonName: commonName, uris: [uri], notBefore: notBefore, validity: validity)
    }

    /// A client certificate with these URI SANs, e.g. several, to test that the gateway refuses it.
    public func issueClient(
        commonName: String, uris: [String], notBefore: Date = Date(), validity: TimeInterval = 825 * 86_400
    ) throws -> IssuedCertificate {
        try issue(
            commonName: commonName, alternativeNames: uris.map { .uniformResourceIdentifier($0) }, usage: .clientAuth,
            notBefore: notBefore, validity: validity)
    }

    private func issue(
        commonName: String, alternativeNames: [GeneralName], usage: ExtendedKeyUsage.Usage, notBefore: Date,
        validity: TimeInterval
    ) throws -> IssuedCertificate {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: notBefore.addingTimeInterval(-60), notValidAfter: notBefore.addingTimeInterval(validity),
            issuer: root.certificate.subject,
            subject: try DistinguishedName { CommonName(commonName) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([usage])
                SubjectAlternativeNames(alternativeNames)
                AuthorityKeyIdentifier(
                    keyIdentifier: try root.certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
            },
            issuerPrivateKey: root.key)
        return IssuedCertificate(certificate: certificate, key: key)
    }

    /// The SAN for an IPv4 or IPv6 literal.
    static func ipAddress(_ text: String) -> GeneralName? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return .ipAddress(ASN1OctetString(contentBytes: withUnsafeBytes(of: &v4) { ArraySlice($0) }))
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return .ipAddress(ASN1OctetString(contentBytes: withUnsafeBytes(of: &v6) { ArraySlice($0) }))
        }
        return nil
    }
}

import Foundation
import SwiftASN1
import X509

/// Where the gateway's trust in client certificates comes from: the province's CA bundle and the revocation
/// lists its CAs publish, by file.
public struct ClientTrustSources: Sendable, Hashable {
    /// CA bundle (PEM) that client certificates must chain to. The system trust store is never used.
    public var caBundlePath: String
    /// CRLs (PEM or DER), at most one per CA in the bundle.
    public var crlPaths: [String]
    /// What an out-of-date CRL (past its `nextUpdate`) means for the certificates its CA issued.
    public var expiredCRLs: ExpiredCRLHandling
    /// Whether every CA of the bundle must have a CRL: a CA without one makes the files unusable (at start, the
    /// gateway does not start), rather than a warning that its certificates are not checked for revocation.
    public var requireCRL: Bool

    public init(
        caBundlePath: String, crlPaths: [String] = [], expiredCRLs: ExpiredCRLHandling = .refuse,
        requireCRL: Bool = false
    ) {
        self.caBundlePath = caBundlePath
        self.crlPaths = crlPaths
        self.expiredCRLs = expiredCRLs
        self.requireCRL = requireCRL
    }

    /// Every file, in a stable order: what a reload reads.
    var paths: [String] { [caBundlePath] + crlPaths }
}

/// What an out-of-date CRL means.
public enum ExpiredCRLHandling: String, Sendable, Hashable, CaseIterable {
    /// Fail closed (the default): the CA's certificates are refused until a current CRL is in place, since a
    /// certificate revoked after the list was issued would otherwise get in.
    case refuse
    /// Keep using the old list, logging a warning for the handshakes it lets through: at most one line per CA a
    /// minute, with the number of such handshakes not logged since the last line (`ExpiredCRLWarnings`).
    case accept
}

/// The CAs and CRLs in force, read and checked together: every CRL is signed by a CA of the bundle, and applies
/// to every certificate issued under that CA's name with that CA's key (`RevocationAuthority`).
public struct ClientTrust: Sendable {
    /// A CRL with the file it came from and whose list it is.
    struct RevocationList: Sendable {
        let list: CertificateRevocationList
        let path: String
        /// The name and key that signed it: any CA certificate of the bundle with both (a renewal) is covered.
        let authority: RevocationAuthority
    }

    /// The CAs client certificates must chain to.
    public let authorities: [Certificate]
    let revocationLists: [RevocationList]
    let expiredCRLs: ExpiredCRLHandling

    /// Reads and checks the files; any problem is an error naming the file.
    public static func load(_ sources: ClientTrustSources) throws(TrustError) -> ClientTrust {
        try load(sources, contents: read(sources))
    }

    /// Checks files already read (`contents` in the order of `sources.paths`).
    static func load(_ sources: ClientTrustSources, contents: [[UInt8]]) throws(TrustError) -> ClientTrust {
        let authorities: [Certificate]
        do {
            let documents = try PEMDocument.parseMultiple(pemString: String(decoding: contents[0], as: UTF8.self))
            authorities = try documents.map { try Certificate(pemDocument: $0) }
        } catch {
            throw TrustError(
                file: .caBundle, path: sources.caBundlePath, reason: "not a PEM bundle of certificates: \(error)")
        }
        guard !authorities.isEmpty else {
            throw TrustError(file: .caBundle, path: sources.caBundlePath, reason: "holds no certificate")
        }
        var lists: [RevocationList] = []
        for (path, bytes) in zip(sources.crlPaths, contents.dropFirst()) {
            let list: CertificateRevocationList
            do {
                list = try CertificateRevocationList(bytes: bytes)
            } catch {
                throw TrustError(file: .crl, path: path, reason: "not a usable CRL: \(error)")
            }
            // Any CA certificate of that name and key will do: a renewed one verifies it as well as the old.
            guard let signer = authorities.first(where: { list.isSigned(by: $0) }) else {
                throw TrustError(
                    file: .crl, path: path,
                    reason: "issued by \(list.issuer), which is not a CA in \(sources.caBundlePath) whose key "
                        + "signed it; a CRL is accepted only from a CA the gateway trusts")
            }
            let authority = RevocationAuthority(signer)
            if let other = lists.first(where: { $0.authority == authority }) {
                throw TrustError(file: .crl, path: path, reason: "\(other.path) is already the CRL of \(authority)")
            }
            lists.append(RevocationList(list: list, path: path, authority: authority))
        }
        let trust = ClientTrust(authorities: authorities, revocationLists: lists, expiredCRLs: sources.expiredCRLs)
        let uncovered = trust.authoritiesWithoutCRL
        if sources.requireCRL, !uncovered.isEmpty {
            let names = uncovered.map {
                "\(RevocationAuthority($0)) (serial \($0.serialNumber.hexText), valid until \($0.notValidAfter))"
            }
            throw TrustError(
                file: .missingCRL, path: sources.caBundlePath,
                reason: "no CRL of the CA \(names.joined(separator: "; the CA ")) is given, and a CRL is required "
                    + "for every CA (tls.require_crl: true): add its CRL to tls.crls, or the CA leaves the bundle")
        }
        return trust
    }

    /// Every file's bytes, in the order of `sources.paths`.
    static func read(_ sources: ClientTrustSources) throws(TrustError) -> [[UInt8]] {
        var contents: [[UInt8]] = []
        for (index, path) in sources.paths.enumerated() {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TrustError(file: index == 0 ? .caBundle : .crl, path: path, reason: "cannot be read")
            }
            contents.append(Array(data))
        }
        return contents
    }

    /// CRLs out of date at `time`, with their files: for the log.
    public func expiredLists(at time: Date) -> [(path: String, nextUpdate: Date?)] {
        revocationLists.filter { $0.list.isExpired(at: time) }.map { ($0.path, $0.list.nextUpdate) }
    }

    /// CAs of the bundle without a CRL of their name and key: certificates they issue are not checked for
    /// revocation.
    public var authoritiesWithoutCRL: [Certificate] {
        authorities.filter { revocationList(of: $0) == nil }
    }

    /// The CRL that covers what `issuer` issued: the one its name and key signed, whichever CA certificate of
    /// that name and key the bundle held when the CRL was loaded.
    func revocationList(of issuer: Certificate) -> RevocationList? {
        let authority = RevocationAuthority(issuer)
        return revocationLists.first { $0.authority == authority }
    }

    /// Why `chain` (the leaf first, a CA of the bundle last) must be refused at `time`, or nil: a certificate
    /// its issuer's CRL revokes, or, unless configured otherwise, an issuer whose CRL is out of date.
    public func revocationProblem(chain: [Certificate], at time: Date) -> String? {
        for (certificate, issuer) in zip(chain, chain.dropFirst()) {
            guard let entry = revocationList(of: issuer) else { continue }
            if entry.list.revokes(certificate) {
                return
                    "certificate serial \(certificate.serialNumber.hexText) (\(certificate.subject)) is revoked by the CRL "
                    + "of \(issuer.subject) (\(entry.path))"
            }
            if entry.list.isExpired(at: time), expiredCRLs == .refuse {
                let when = entry.list.nextUpdate.map { "since \($0)" } ?? "(it has no nextUpdate)"
                return "the CRL of \(issuer.subject) (\(entry.path)) is out of date \(when): certificates it "
                    + "covers are refused until a current CRL is in place (tls.expired_crl: refuse)"
            }
        }
        return nil
    }

    /// The CRLs out of date at `time` that `chain` (already verified) got through under `expired_crl: accept`:
    /// what the handshake log must say it let through.
    func expiredListsAccepted(chain: [Certificate], at time: Date) -> [RevocationList] {
        guard expiredCRLs == .accept else { return [] }
        return zip(chain, chain.dropFirst()).compactMap { _, issuer in
            revocationList(of: issuer).flatMap { $0.list.isExpired(at: time) ? $0 : nil }
        }
    }

    /// The CRLs of this trust that are older than the ones `inForce` holds for the same CA (same name and key),
    /// with the lists they would replace: a reload must not take them, since they un-revoke certificates.
    public func staleLists(comparedWith inForce: ClientTrust) -> [StaleRevocationList] {
        revocationLists.compactMap { offered in
            guard let current = inForce.revocationLists.first(where: { $0.authority == offered.authority }),
                offered.list.isOlder(than: current.list)
            else { return nil }
            return StaleRevocationList(
                authority: offered.authority, path: offered.path, list: offered.list, inForcePath: current.path,
                inForce: current.list)
        }
    }
}

/// A trust file that cannot be used, and why.
public struct TrustError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which file is at fault: the CA bundle, a CRL, or the bundle for a CA without a CRL when one is required
    /// (`ClientTrustSources.requireCRL`).
    public enum File: Sendable, Hashable { case caBundle, crl, missingCRL }
    public let file: File
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

extension Certificate.SerialNumber {
    /// The serial as `openssl x509 -serial` and CA consoles print it (two hex digits per byte, leading zero
    /// bytes dropped), so an operator can find it in the CA's records; swift-certificates' own description
    /// drops each byte's leading zero.
    public var hexText: String {
        let significant = bytes.drop { $0 == 0 }
        return significant.isEmpty ? "00" : significant.map { String(format: "%02X", $0) }.joined()
    }
}

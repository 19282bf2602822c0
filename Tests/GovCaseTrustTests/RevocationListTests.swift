import Foundation
import GovCaseTrust
import Logging
import SwiftASN1
import Testing
import X509

/// CRLs made outside the project (`openssl ca -gencrl`, Python `cryptography`; see Fixtures/make_fixtures.sh)
/// read, checked and applied as RFC 5280 says.
@Suite struct RevocationListTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static func path(_ name: String) -> String { fixtures.appendingPathComponent(name).path }
    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }
    static func certificate(_ name: String) throws -> Certificate {
        try Certificate(pemEncoded: String(decoding: bytes(name), as: UTF8.self))
    }

    @Test func anOpenSSLCRLInPEMOrDERListsTheRevokedSerialAndVerifiesAgainstItsCA() throws {
        let authority = try Self.certificate("openssl-ca.pem")
        let revoked = try Self.certificate("openssl-revoked.pem")
        let kept = try Self.certificate("openssl-kept.pem")
        for name in ["openssl-ca.crl.pem", "openssl-ca.crl.der"] {
            let list = try CertificateRevocationList(bytes: Self.bytes(name))
            #expect(list.issuer == authority.subject, "\(name)")
            #expect(list.isSigned(by: authority), "\(name)")
            #expect(list.revokes(revoked), "\(name)")
            #expect(!list.revokes(kept), "\(name)")
            // openssl wrote nextUpdate 100 years on: a GeneralizedTime, read as such.
            #expect(!list.isExpired(at: Date()), "\(name)")
            #expect(list.isExpired(at: Date(timeIntervalSinceNow: 101 * 365 * 86_400)), "\(name)")
        }
    }

    @Test func aPythonCryptographyCRLVerifiesWithAnECKeyAndNotWithAnImpostorOfTheSameName() throws {
        let authority = try Self.certificate("python-ca.pem")
        let list = try CertificateRevocationList(bytes: Self.bytes("python-ca.crl.pem"))
        #expect(list.isSigned(by: authority))
        #expect(
            list.revokedSerialNumbers == [
                Certificate.SerialNumber(bytes: [0x12, 0x34]),
                Certificate.SerialNumber(bytes: [0x00, 0xAB, 0xCD, 0xEF, 0x01, 0x23]),
            ])
        let impostor = try CertificateRevocationList(bytes: Self.bytes("python-impostor.crl.pem"))
        #expect(impostor.issuer == authority.subject, "same name, other key")
        #expect(!impostor.isSigned(by: authority))
        let tampered = try CertificateRevocationList(bytes: Self.bytes("python-ca-tampered.crl.der"))
        #expect(!tampered.isSigned(by: authority))
    }

    @Test func aDeltaCRLAndGarbageAreRefusedWithTheReason() throws {
        #expect(throws: CRLError.self) { try CertificateRevocationList(bytes: Self.bytes("python-ca-delta.crl.pem")) }
        do {
            _ = try CertificateRevocationList(bytes: Self.bytes("python-ca-delta.crl.pem"))
        } catch {
            #expect("\(error)".contains("delta CRL"))
        }
        #expect(throws: CRLError.self) { try CertificateRevocationList(bytes: Array("not a CRL".utf8)) }
        // A certificate is not a CRL either.
        #expect(throws: CRLError.self) { try CertificateRevocationList(bytes: Self.bytes("openssl-ca.pem")) }
        // Every truncation of a valid CRL is an error, never a crash or a shorter list.
        let der = try Self.bytes("openssl-ca.crl.der")
        for length in 0..<der.count {
            #expect(throws: CRLError.self) { try CertificateRevocationList(derEncoded: Array(der[..<length])) }
        }
    }

    @Test func theTrustLoadsOnlyCRLsSignedByItsCAsOneEach() throws {
        func load(_ crls: [String], ca: String = "python-ca.pem") throws(TrustError) -> ClientTrust {
            try ClientTrust.load(
                ClientTrustSources(caBundlePath: Self.path(ca), crlPaths: crls.map(Self.path)))
        }
        #expect(try load(["python-ca.crl.pem"]).authoritiesWithoutCRL.isEmpty)
        for bad in ["python-impostor.crl.pem", "python-ca-tampered.crl.der", "openssl-ca.crl.pem"] {
            do {
                _ = try load([bad])
                Issue.record("\(bad) was accepted")
            } catch {
                #expect(error.path == Self.path(bad))
                #expect(error.reason.contains("not a CA in"), "\(error)")
            }
        }
        #expect(throws: TrustError.self) { try load(["python-ca.crl.pem", "python-ca-expired.crl.pem"]) }
        #expect(throws: TrustError.self) { try load([], ca: "python-ca.crl.pem") }
        #expect(throws: TrustError.self) { try load(["no-such.crl"]) }
    }

    @Test func aRevokedLeafOrAnOutOfDateCRLRefusesTheChainUnlessConfiguredToAccept() throws {
        let authority = try Self.certificate("openssl-ca.pem")
        let revoked = try Self.certificate("openssl-revoked.pem")
        let kept = try Self.certificate("openssl-kept.pem")
        let trust = try ClientTrust.load(
            ClientTrustSources(caBundlePath: Self.path("openssl-ca.pem"), crlPaths: [Self.path("openssl-ca.crl.der")]))
        let problem = try #require(trust.revocationProblem(chain: [revoked, authority], at: Date()))
        #expect(problem.contains("revoked") && problem.contains("serial 1000 "), "\(problem)")
        #expect(trust.revocationProblem(chain: [kept, authority], at: Date()) == nil)

        let python = try Self.certificate("python-ca.pem")
        let someLeaf = try Self.certificate("openssl-kept.pem")
        for (handling, refused) in [(ExpiredCRLHandling.refuse, true), (.accept, false)] {
            let trust = try ClientTrust.load(
                ClientTrustSources(
                    caBundlePath: Self.path("python-ca.pem"), crlPaths: [Self.path("python-ca-expired.crl.pem")],
                    expiredCRLs: handling))
            let problem = trust.revocationProblem(chain: [someLeaf, python], at: Date())
            #expect((problem != nil) == refused, "\(handling): \(problem ?? "none")")
            if let problem { #expect(problem.contains("python-ca-expired.crl.pem") && problem.contains("out of date")) }
        }
    }

    @Test func aReloadTakesANewCRLAndKeepsTheOldTrustWhenTheNewFileIsBad() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("trust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let ca = folder.appendingPathComponent("ca.pem")
        let crl = folder.appendingPathComponent("ca.crl")
        try Data(Self.bytes("python-ca.pem")).write(to: ca)
        try Data(Self.bytes("python-ca-expired.crl.pem")).write(to: crl)
        let store = try ClientTrustStore(
            sources: ClientTrustSources(caBundlePath: ca.path, crlPaths: [crl.path]), logger: Logger(label: "test"))
        let authority = try Self.certificate("python-ca.pem")
        let leaf = try Self.certificate("openssl-kept.pem")
        #expect(store.trust.revocationProblem(chain: [leaf, authority], at: Date()) != nil)
        #expect(!store.reload(), "nothing changed")

        try Data(Self.bytes("python-ca.crl.pem")).write(to: crl)
        #expect(store.reload())
        #expect(store.trust.revocationProblem(chain: [leaf, authority], at: Date()) == nil)

        // A truncated file, then an impostor's CRL: refused, and the current CRL stays in force.
        try Data(Self.bytes("python-ca-expired.crl.pem").prefix(100)).write(to: crl)
        #expect(!store.reload())
        try Data(Self.bytes("python-impostor.crl.pem")).write(to: crl)
        #expect(!store.reload())
        #expect(store.trust.revocationProblem(chain: [leaf, authority], at: Date()) == nil)
        try FileManager.default.removeItem(at: crl)
        #expect(!store.reload())
        #expect(store.trust.authorities == [authority])
    }
}

import Foundation
import GovCaseTrust
import Logging
import GovCaseTestSupport
import Testing
import X509

/// A CRL older than the one in force (a stale mirror, a restored backup) would silently un-revoke what was revoked
/// since: a reload refuses it, keeps the newer list and says so in the log. CRLs written by `openssl ca -gencrl`.
@Suite(.heavy) struct CRLFreshnessTests {
    @Test func aReloadRefusesAnOlderCRLKeepsTheNewerOneAndLogsItOnce() async throws {
        let ca = try await OpenSSLProvinceCA.make(days: 30)
        defer { try? FileManager.default.removeItem(at: ca.folder) }
        let early = try await ca.issue("revoked-early")
        let late = try await ca.issue("revoked-late")
        try await ca.revoke("revoked-early")
        let first = try await ca.writeCRL(to: "crl-1.pem")
        try await ca.revoke("revoked-late")
        let second = try await ca.writeCRL(to: "crl-2.pem")
        let secondList = try CertificateRevocationList(bytes: Array(Data(contentsOf: URL(fileURLWithPath: second))))
        // A reissue of number 2 an hour earlier (a backup of a list the CA later reissued), and a minute later.
        let earlier = try await ca.writeCRL(
            to: "crl-2-earlier.pem", number: 2, lastUpdate: secondList.thisUpdate - 3600)
        let later = try await ca.writeCRL(to: "crl-2-later.pem", number: 2, lastUpdate: secondList.thisUpdate + 60)
        let third = try await ca.writeCRL(to: "crl-3.pem")
        let lists = try [first, second, earlier, later, third].map {
            try CertificateRevocationList(bytes: Array(Data(contentsOf: URL(fileURLWithPath: $0))))
        }
        #expect(lists.map(\.number) == [UInt64(1), 2, 2, 2, 3].map { Optional(CRLNumber($0)) })
        #expect(lists[0].isOlder(than: lists[1]) && !lists[1].isOlder(than: lists[0]))
        #expect(lists[2].isOlder(than: lists[1]) && lists[1].isOlder(than: lists[3]))
        #expect(!lists[1].isOlder(than: lists[1]), "the same list is not older than itself")

        let crl = ca.folder.appendingPathComponent("in-force.crl")
        func offer(_ path: String) throws {
            try Data(contentsOf: URL(fileURLWithPath: path)).write(to: crl, options: .atomic)
        }
        try offer(second)
        let log = CapturedLog()
        let authority = try ca.certificate("ca-original.pem")
        let store = try ClientTrustStore(
            sources: ClientTrustSources(caBundlePath: ca.path("ca-original.pem"), crlPaths: [crl.path]),
            logger: log.logger)
        func revokesLate() -> Bool { store.trust.revocationProblem(chain: [late, authority], at: Date()) != nil }
        #expect(revokesLate())

        // Number 1, a stale mirror: refused, number 2 stays in force, and one line says why.
        try offer(first)
        #expect(!store.reload())
        #expect(revokesLate(), "the newer list stays in force")
        #expect(store.trust.revocationProblem(chain: [early, authority], at: Date()) != nil)
        let refusals = log.lines(containing: "older than the one in force")
        try #require(refusals.count == 1)
        #expect(refusals[0].level == .error)
        #expect(refusals[0].metadata["crl"] == crl.path)
        #expect(refusals[0].metadata["crl.number"] == "1" && refusals[0].metadata["crl.in_force.number"] == "2")
        #expect(refusals[0].metadata["ca.subject"]?.contains("Guangdong Province Root CA") == true)
        #expect(refusals[0].metadata["crl.in_force.this_update"] == "\(secondList.thisUpdate)")
        #expect(!store.reload(), "still stale")
        #expect(log.lines(containing: "older than the one in force").count == 1, "logged once per content")

        // The same number issued earlier: refused too.
        try offer(earlier)
        #expect(!store.reload())
        #expect(log.lines(containing: "older than the one in force").last?.metadata["crl.number"] == "2")
        #expect(log.lines(containing: "older than the one in force").count == 2)

        // The same number issued later (a reissue), then a higher number: both taken.
        try offer(later)
        #expect(store.reload())
        try offer(third)
        #expect(store.reload())
        #expect(revokesLate())
        // Now number 2 is behind: refused even though it was in force a moment ago.
        try offer(second)
        #expect(!store.reload())

        // A restart has no list in force to compare with: it takes what the file holds, as documented.
        #expect(
            try ClientTrustStore(
                sources: ClientTrustSources(caBundlePath: ca.path("ca-original.pem"), crlPaths: [crl.path]),
                logger: Logger(label: "test")
            ).trust.revocationProblem(chain: [late, authority], at: Date()) != nil)
    }

    @Test func aRenewalsCRLIsComparedWithTheOneInForceForTheSameNameAndKey() async throws {
        // The list in force was loaded through the original certificate; the older one offered verifies with the
        // renewal (the same key). Both belong to one CA, so the older one is refused.
        let ca = try await OpenSSLProvinceCA.make(days: 30)
        defer { try? FileManager.default.removeItem(at: ca.folder) }
        try await ca.renew(days: 30)
        let older = try await ca.writeCRL(to: "crl-1.pem", certificate: "ca-renewed.pem")
        let newer = try await ca.writeCRL(to: "crl-2.pem", certificate: "ca-original.pem")
        let inForce = try ClientTrust.load(
            ClientTrustSources(caBundlePath: ca.path("ca-original.pem"), crlPaths: [newer]))
        let offered = try ClientTrust.load(
            ClientTrustSources(
                caBundlePath: ca.bundle(["ca-renewed.pem", "ca-original.pem"], to: "bundle.pem"), crlPaths: [older]))
        let stale = offered.staleLists(comparedWith: inForce)
        try #require(stale.count == 1)
        #expect(stale[0].path == older && stale[0].inForcePath == newer)
        #expect(stale[0].list.number == CRLNumber(1) && stale[0].inForce.number == CRLNumber(2))
        #expect(inForce.staleLists(comparedWith: offered).isEmpty, "the newer list is not stale")
    }
}

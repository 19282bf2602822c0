import Foundation
import GovCaseTrust
import Logging
import GovCaseTestSupport
import Testing
import X509

/// `requireCRL` (`tls.require_crl`): a CA of the bundle without a CRL makes the trust unusable, naming the CA; a
/// renewal of a CA that has one is covered by it.
@Suite(.heavy) struct RequireCRLTests {
    @Test func aCAWithoutACRLIsAnErrorNamingItOnlyWhenACRLIsRequired() async throws {
        let ca = try await OpenSSLProvinceCA.make(days: 30)
        defer { try? FileManager.default.removeItem(at: ca.folder) }
        try await ca.renew(days: 30)
        let crl = try await ca.writeCRL(to: "ca.crl.pem")
        // Another province's CA, whose CRL is not given (a fixture of RevocationListTests).
        let fujian = RevocationListTests.path("python-ca.pem")
        let renewal = try ca.bundle(["ca-original.pem", "ca-renewed.pem"], to: "renewal.pem")
        let both = try ca.bundle(["ca-original.pem", "ca-renewed.pem"], to: "both.pem")
        try (String(contentsOfFile: both, encoding: .utf8) + String(contentsOfFile: fujian, encoding: .utf8))
            .write(toFile: both, atomically: true, encoding: .utf8)

        // The renewal is covered by the CRL its key signed: nothing is missing.
        #expect(
            try ClientTrust.load(ClientTrustSources(caBundlePath: renewal, crlPaths: [crl], requireCRL: true))
                .authoritiesWithoutCRL.isEmpty)
        // Not required: the CA without a CRL is loaded (and the store warns about it).
        let lenient = try ClientTrust.load(ClientTrustSources(caBundlePath: both, crlPaths: [crl]))
        let fujianSubject = try RevocationListTests.certificate("python-ca.pem").subject
        #expect(lenient.authoritiesWithoutCRL.map(\.subject) == [fujianSubject])
        // Required: an error naming the CA, by name and key, and what to do.
        do {
            _ = try ClientTrust.load(ClientTrustSources(caBundlePath: both, crlPaths: [crl], requireCRL: true))
            Issue.record("a CA without a CRL was accepted with requireCRL")
        } catch {
            #expect(error.file == .missingCRL && error.path == both)
            #expect(error.reason.contains("Fujian Province Root CA") && error.reason.contains("key "), "\(error)")
            #expect(!error.reason.contains("Guangdong"), "the CA with a CRL is not named: \(error)")
            #expect(error.reason.contains("tls.require_crl"), "\(error)")
        }

        // A reload that adds a CA without a CRL is refused the same way; the trust in force stays.
        let bundle = ca.folder.appendingPathComponent("client-ca.pem")
        try Data(contentsOf: URL(fileURLWithPath: renewal)).write(to: bundle)
        let store = try ClientTrustStore(
            sources: ClientTrustSources(caBundlePath: bundle.path, crlPaths: [crl], requireCRL: true),
            logger: Logger(label: "test"))
        try Data(contentsOf: URL(fileURLWithPath: both)).write(to: bundle, options: .atomic)
        #expect(!store.reload())
        #expect(store.trust.authorities.count == 2)
    }
}

import Foundation
import GovCasePKI
import GovCasePolicy
import GovCaseServer
import GovCaseStore
import GovCaseTrust
import Testing

/// `tls.require_crl`: off by default; on, a client CA without a CRL stops the start with an error naming the key
/// and the CA.
@Suite struct RequireCRLConfigurationTests {
    @Test func aClientCAWithoutACRLStopsTheStartOnlyWhenACRLIsRequired() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("govcase-require-crl-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = try DevelopmentPKI().write(to: folder)
        let key = folder.appendingPathComponent("evaluator.key").path
        try EvaluatorVault.newKeyBase64().write(toFile: key, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
        func configuration(_ requireCRL: String?) throws(ConfigurationError) -> GatewayConfiguration {
            try GatewayConfiguration.parse(
                yaml: """
                    listen: { host: 127.0.0.1, port: 0 }
                    tls:
                      certificate: \(files.serverCertificate)
                      key: \(files.serverKey)
                      client_ca: \(files.caCertificate)
                    \(requireCRL.map { "  require_crl: \($0)" } ?? "")
                    store: { path: \(folder.path)/cases.sqlite, evaluator_key: \(key) }
                    policy: { trust_domain: dev.govcase.local, grants: [] }
                    """)
        }

        let byDefault = try configuration(nil)
        #expect(!byDefault.requireCRL)
        try byDefault.check()
        try configuration("false").check()

        let required = try configuration("true")
        #expect(required.requireCRL)
        // The running trust store reads its sources from `tls` (GatewayTLSMaterial), so reloads hold to it too.
        #expect(required.tls.clientTrustSources.requireCRL)
        do {
            try required.check()
            Issue.record("a client CA without a CRL passed with tls.require_crl: true")
        } catch {
            #expect(error.key == "tls.require_crl")
            #expect(error.message.contains("GovCase development CA") && error.message.contains("no CRL"), "\(error)")
        }

        do {
            _ = try configuration("maybe")
            Issue.record("require_crl: maybe was accepted")
        } catch {
            #expect(error.key == "tls.require_crl", "\(error)")
        }
    }
}

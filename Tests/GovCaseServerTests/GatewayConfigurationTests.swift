import Foundation
import GovCasePKI
import GovCasePolicy
import GovCaseServer
import GovCaseStore
import Testing

/// The configuration file as documented: the README's example parses as written, and keys are checked.
@Suite struct GatewayConfigurationTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("README.md")

    @Test func theREADMEExampleIsAValidConfiguration() throws {
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        let start = try #require(text.range(of: "```yaml\n"))
        let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        let configuration = try GatewayConfiguration.parse(yaml: String(text[start.upperBound..<end.lowerBound]))
        #expect(configuration.listen.port == 8443)
        #expect(configuration.limits == GatewayLimits(), "the README lists the defaults")
        #expect(configuration.policy.trustDomain == "zwfw.sc.gov.cn")
        #expect(
            configuration.codeOverrides["national-platform"]?["national-sc"]?["documentType"]?["10"] == "residentIDCard"
        )
    }

    /// What `check()` finds beyond decoding, on real files: each error names its key.
    @Test func checkingNamesTheKeyOfAMissingFileOrAnUnknownAdapter() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("govcase-config-\(UUID())")
        let files = try DevelopmentPKI().write(to: folder)
        let key = folder.appendingPathComponent("evaluator.key").path
        try EvaluatorVault.newKeyBase64().write(toFile: key, atomically: true, encoding: .utf8)
        var configuration = try GatewayConfiguration.parse(
            yaml: """
                listen: { host: 127.0.0.1, port: 0 }
                tls: { certificate: \(files.serverCertificate), key: \(files.serverKey), client_ca: \(files.caCertificate) }
                store: { path: \(folder.path)/cases.sqlite, evaluator_key: \(key) }
                policy: { trust_domain: dev.govcase.local, grants: [] }
                """)
        try configuration.check()

        func faultyKey(_ configuration: GatewayConfiguration) -> String? {
            do {
                try configuration.check()
                return nil
            } catch { return error.key }
        }
        var broken = configuration
        broken.codeOverrides = ["provincial-x": [:]]
        #expect(faultyKey(broken) == "code_overrides.provincial-x")
        broken = configuration
        broken.tls.keyPath = files.serverCertificate
        #expect(faultyKey(broken) == "tls.key")
        broken = configuration
        broken.tls.clientCAPath = folder.appendingPathComponent("none.pem").path
        #expect(faultyKey(broken) == "tls.client_ca")
        broken = configuration
        broken.store.evaluatorKey = files.caCertificate
        #expect(faultyKey(broken) == "store.evaluator_key")
        configuration.tls.certificatePath = key
        #expect(faultyKey(configuration) == "tls.certificate")
    }
}

import Foundation
import GovCasePKI
import GovCaseStore

/// A development deployment in one folder: the development PKI, an evaluator key and a `gateway.yaml` whose
/// policy grants each example identity what its role needs. `govcase pki init` writes it; `govcase demo`
/// runs it.
struct DevelopmentDeployment {
    /// The folder everything is written to.
    var folder: URL
    var trustDomain: String
    var port: Int

    /// The configuration file's path.
    var configurationPath: String { folder.appendingPathComponent("gateway.yaml").path }

    /// Writes the PKI, a new evaluator key and the configuration, replacing what was there.
    @discardableResult
    func write() throws -> DevelopmentPKI.Files {
        let pki = DevelopmentPKI(trustDomain: trustDomain)
        let files = try pki.write(to: folder)
        let key = folder.appendingPathComponent("evaluator.key")
        try EvaluatorVault.newKeyBase64().write(to: key, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key.path)
        try configuration.write(toFile: configurationPath, atomically: true, encoding: .utf8)
        return files
    }

    /// `gateway.yaml`; paths are relative to the file, so the folder can move.
    var configuration: String {
        """
        # A development deployment written by `govcase pki init` or `govcase demo`; run it with
        #   govcase serve --config \(configurationPath)
        # Paths are relative to this file. A province replaces the certificates with its own PKI.
        listen:
          host: 127.0.0.1
          port: \(port)
        tls:
          certificate: server.pem
          key: server-key.pem
          client_ca: ca.pem
        store:
          path: cases.sqlite
          evaluator_key: evaluator.key
        limits:
          max_message_bytes: 4194304
          max_batch_records: 1000
          max_concurrent_streams: 256
        policy:
          trust_domain: \(trustDomain)
          # A grant's `regions` are the records' regions its systems may act for; the region in a system's
          # certificate says who it is and must lie inside them too (the national platform, 100000, granted
          # only "51" is refused for everything). A grant with no regions grants none. `admin` implies every
          # role but privacy-reader, which is granted by name only.
          grants:
            # Source systems submit to their own adapter, for their own region, and read what they sent.
            - systems: [national-sc]
              regions: ["51"]
              adapters: [national-platform, province-json]
              roles: [submitter, reader]
            - systems: [culture-tourism-sc]
              regions: ["51"]
              adapters: [culture-tourism]
              roles: [submitter, reader]
            - systems: [culture-tourism-cq]
              regions: ["50"]
              adapters: [culture-tourism]
              roles: [submitter, reader]
            - systems: [hotline-tongnan]
              regions: ["500151"]
              adapters: [hotline-12345]
              roles: [submitter, reader]
            # Jinjiang district's handler moves its cases through the bad-review loop.
            - systems: [handler-jinjiang]
              regions: ["510104"]
              roles: [handler, reader]
            # The auditor reads evaluator identity, every read audited.
            - systems: [auditor-sc]
              regions: ["51", "50"]
              roles: [reader, privacy-reader]
            # The operator registers, removes and releases plugin adapters (govcase adapters ...).
            - systems: [operator-sc]
              regions: ["51"]
              roles: [admin]
            # hotline-shenzhen has no grant: every call it makes is refused.

        """
    }
}

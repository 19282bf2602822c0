import ArgumentParser
import Foundation
import GovCasePKI

/// `govcase pki init`: a development PKI, minted without openssl.
struct PKICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki", abstract: "Development certificates.", subcommands: [Init.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Creates a development CA, a server certificate for localhost and 127.0.0.1, client "
                + "certificates for example identities, an evaluator key and a gateway.yaml that uses them.")

        @Option(help: "Folder to write into (created if missing).")
        var out: String

        @Option(help: "Trust domain of the example identities.")
        var trustDomain = "dev.govcase.local"

        @Option(help: "Port the written gateway.yaml listens on.")
        var port = 8443

        func run() throws {
            let pki = DevelopmentPKI(trustDomain: trustDomain)
            let deployment = DevelopmentDeployment(
                folder: URL(fileURLWithPath: out), trustDomain: trustDomain, port: port)
            let files = try deployment.write()
            print("Development PKI written to \(out) (trust domain \(trustDomain)):")
            print("  CA certificate (the bundle the gateway trusts): \(files.caCertificate)")
            print("  CA key (keep it; it signs more clients):        \(files.caKey)")
            print(
                "  server certificate and key (localhost, 127.0.0.1, ::1): \(files.serverCertificate), \(files.serverKey)"
            )
            print("  client certificates, one per example identity:")
            for client in pki.clients {
                print("    \(client.name): \(client.spiffeID)\n        \(client.role)")
            }
            print(
                """

                Use them:
                  serve:    govcase serve --config \(deployment.configurationPath)   (evaluator key and policy included)
                  grpcurl:  grpcurl -cacert \(files.caCertificate) -cert \(out)/clients/auditor-sc.pem \
                -key \(out)/clients/auditor-sc-key.pem localhost:\(port) list
                  inspect:         openssl x509 -in \(out)/clients/national-sc.pem -noout -text
                These certificates are for development only; a province uses its own PKI.
                """)
        }
    }
}

import ArgumentParser
import Foundation
import GovCasePKI

/// `govcase pki init`: a development PKI, minted without openssl.
struct PKICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki", abstract: "Development certificates.", subcommands: [Init.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Creates a development CA, a server certificate for localhost and 127.0.0.1, and client "
                + "certificates for example identities.")

        @Option(help: "Folder to write into (created if missing).")
        var out: String

        @Option(help: "Trust domain of the example identities.")
        var trustDomain = "dev.govcase.local"

        func run() throws {
            let pki = DevelopmentPKI(trustDomain: trustDomain)
            let files = try pki.write(to: URL(fileURLWithPath: out))
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
                  gateway config:  tls: { certificate: \(files.serverCertificate), key: \(files.serverKey), \
                client_ca: \(files.caCertificate) }
                  grpcurl:         grpcurl -cacert \(files.caCertificate) -cert \(out)/clients/national-sc.pem \
                -key \(out)/clients/national-sc-key.pem localhost:8443 list
                  inspect:         openssl x509 -in \(out)/clients/national-sc.pem -noout -text
                These certificates are for development only; a province uses its own PKI.
                """)
        }
    }
}

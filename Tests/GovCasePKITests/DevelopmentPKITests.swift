import Foundation
import GovCasePKI
import SwiftASN1
import Testing
import X509

@Suite struct DevelopmentPKITests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("govcase-pki-\(UUID())")

    func certificate(_ path: String) throws -> Certificate {
        try Certificate(pemEncoded: String(contentsOfFile: path, encoding: .utf8))
    }

    @Test func everyCertificateChainsToTheCAAndNamesItsIdentity() async throws {
        let pki = DevelopmentPKI(trustDomain: "gov.test")
        let files = try pki.write(to: folder)
        let ca = try certificate(files.caCertificate)
        #expect(try ca.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))

        let server = try certificate(files.serverCertificate)
        let serverNames = try #require(try server.extensions.subjectAlternativeNames)
        #expect(serverNames.contains(.dnsName("localhost")))
        #expect(
            serverNames.contains {
                if case .ipAddress(let ip) = $0 { Array(ip.bytes) == [127, 0, 0, 1] } else { false }
            })
        #expect(await Self.verify(server, ca: ca))

        for client in pki.clients {
            let paths = try #require(files.clients[client.name])
            let cert = try certificate(paths.certificate)
            #expect(
                try cert.extensions.subjectAlternativeNames.map(Array.init) == [
                    .uniformResourceIdentifier(client.spiffeID)
                ])
            #expect(client.spiffeID.hasPrefix("spiffe://gov.test/region/"))
            #expect(await Self.verify(cert, ca: ca))
            let keyMode = try FileManager.default.attributesOfItem(atPath: paths.key)[.posixPermissions] as? Int
            #expect(keyMode == 0o600)
        }
    }

    @Test func anotherCAsCertificatesDoNotVerify() async throws {
        let ours = try CertificateAuthority(commonName: "ours")
        let theirs = try CertificateAuthority(commonName: "theirs")
        let client = try theirs.issueClient(commonName: "x", uri: "spiffe://gov.test/region/510104/system/x")
        #expect(await !Self.verify(client.certificate, ca: ours.root.certificate))
    }

    @Test func anExpiredCertificateDoesNotVerify() async throws {
        let ca = try CertificateAuthority(commonName: "ca", notBefore: Date().addingTimeInterval(-400 * 86_400))
        let old = try ca.issueClient(
            commonName: "old", uri: "spiffe://gov.test/region/510104/system/old",
            notBefore: Date().addingTimeInterval(-400 * 86_400), validity: 30 * 86_400)
        #expect(await !Self.verify(old.certificate, ca: ca.root.certificate))
    }

    @Test func opensslReadsAndVerifiesThem() throws {
        let files = try DevelopmentPKI().write(to: folder)
        for leaf in [files.serverCertificate, files.clients["national-sc"]!.certificate] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = ["verify", "-CAfile", files.caCertificate, leaf]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "openssl verify \(leaf)")
        }
    }

    static func verify(_ leaf: Certificate, ca: Certificate) async -> Bool {
        var verifier = Verifier(rootCertificates: CertificateStore([ca])) { RFC5280Policy(validationTime: Date()) }
        if case .validCertificate = await verifier.validate(leaf: leaf, intermediates: CertificateStore()) {
            return true
        }
        return false
    }
}

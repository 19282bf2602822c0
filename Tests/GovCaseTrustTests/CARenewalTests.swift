import Foundation
import GovCaseTrust
import Logging
import SwiftASN1
import GovCaseTestSupport
import Testing
import X509

/// A province renews its CA certificate the usual way (same subject, same key, a new serial and validity) and
/// appends it to `client_ca`, the old one first. Once the old one expires, chains build through the renewal;
/// the CRL the key signs must still apply to them. Before, the CRL was bound to the old certificate object, the
/// lookup for the renewal found none, and the revoked client got in.
@Suite(.heavy) struct CARenewalTests {
    /// Who made the PKI: the two ways province CA teams renew a CA.
    enum Tool: String, CaseIterable, Sendable { case openssl, pythonCryptography }

    /// A renewed CA's files, minted at test time, and a moment at which the original has expired while the
    /// renewal, the client certificates and the CRL are valid.
    struct Renewal {
        let folder: URL
        let original: Certificate
        let renewed: Certificate
        let revoked: Certificate
        let kept: Certificate
        let crl: String
        let time: Date

        func path(_ file: String) -> String { folder.appendingPathComponent(file).path }

        /// The CA bundle with the CA certificates named, in this order.
        func bundle(_ files: [String]) throws -> String {
            let name = files.joined(separator: "+")
            let text = try files.map { try String(contentsOfFile: path($0), encoding: .utf8) }.joined()
            try text.write(toFile: path(name), atomically: true, encoding: .utf8)
            return path(name)
        }
    }

    static func renewal(by tool: Tool) async throws -> Renewal {
        func certificate(_ folder: URL, _ file: String) throws -> Certificate {
            try Certificate(
                pemEncoded: String(contentsOfFile: folder.appendingPathComponent(file).path, encoding: .utf8))
        }
        switch tool {
        case .openssl:
            // The original is valid for a day; the handshake is judged two days on (the verifier's time).
            let ca = try await OpenSSLProvinceCA.make(days: 1)
            let revoked = try await ca.issue("revoked")
            let kept = try await ca.issue("kept")
            try await ca.renew(days: 30)
            try await ca.revoke("revoked")
            let crl = try await ca.writeCRL(to: "ca.crl.pem", certificate: "ca-renewed.pem")
            return Renewal(
                folder: ca.folder, original: try ca.certificate("ca-original.pem"),
                renewed: try ca.certificate("ca-renewed.pem"), revoked: revoked, kept: kept, crl: crl,
                time: Date(timeIntervalSinceNow: 2 * 86_400))
        case .pythonCryptography:
            // The original expired yesterday: the handshake is judged now.
            let folder = try ExternalTool.temporaryFolder("python-ca")
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Fixtures/renewed_ca.py")
            try await ExternalTool.run(["python3", script.path, folder.path], in: folder)
            return Renewal(
                folder: folder, original: try certificate(folder, "ca-original.pem"),
                renewed: try certificate(folder, "ca-renewed.pem"), revoked: try certificate(folder, "revoked.pem"),
                kept: try certificate(folder, "kept.pem"), crl: folder.appendingPathComponent("ca.crl.pem").path,
                time: Date())
        }
    }

    @Test(arguments: Tool.allCases)
    func aRevokedClientIsRefusedThroughTheRenewedCAAndAnUnrevokedOneIsAccepted(_ tool: Tool) async throws {
        let renewal = try await Self.renewal(by: tool)
        defer { try? FileManager.default.removeItem(at: renewal.folder) }
        // The renewal as the issue describes it: same name and key, another serial; the original has expired.
        #expect(renewal.renewed.subject == renewal.original.subject)
        #expect(renewal.renewed.publicKey == renewal.original.publicKey)
        #expect(renewal.renewed.serialNumber != renewal.original.serialNumber)
        #expect(renewal.original.notValidAfter < renewal.time)
        #expect(renewal.renewed.notValidBefore <= renewal.time && renewal.time <= renewal.renewed.notValidAfter)

        for order in [["ca-original.pem", "ca-renewed.pem"], ["ca-renewed.pem", "ca-original.pem"]] {
            let bundle = try renewal.bundle(order)
            let store = try ClientTrustStore(
                sources: ClientTrustSources(caBundlePath: bundle, crlPaths: [renewal.crl]),
                logger: Logger(label: "test"))
            #expect(store.trust.authoritiesWithoutCRL.isEmpty, "one CRL covers both certificates of the CA")
            let verifier = ClientCertificateVerifier(store: store, logger: Logger(label: "test"))

            switch await verifier.verdict(on: [renewal.revoked], at: renewal.time) {
            case .verified(let chain): Issue.record("\(tool) \(order): the revoked client got in through \(chain)")
            case .refused(let reason):
                #expect(reason.contains("revoked by the CRL"), "\(tool) \(order): \(reason)")
                #expect(reason.contains(renewal.revoked.serialNumber.hexText), "\(reason)")
            }
            switch await verifier.verdict(on: [renewal.kept], at: renewal.time) {
            case .verified(let chain):
                // Through the renewal: the original has expired, so no chain through it is valid.
                #expect(chain == [renewal.kept, renewal.renewed], "\(tool) \(order)")
            case .refused(let reason): Issue.record("\(tool) \(order): the unrevoked client was refused: \(reason)")
            }
        }

        // Without the CRL, the same revoked client is accepted at the same moment: the refusal above is the CRL's.
        let unchecked = try ClientTrustStore(
            sources: ClientTrustSources(caBundlePath: renewal.bundle(["ca-original.pem", "ca-renewed.pem"])),
            logger: Logger(label: "test"))
        let verifier = ClientCertificateVerifier(store: unchecked, logger: Logger(label: "test"))
        guard case .verified = await verifier.verdict(on: [renewal.revoked], at: renewal.time) else {
            Issue.record("\(tool): without a CRL the revoked client should chain through the renewal")
            return
        }
    }

    @Test(arguments: Tool.allCases)
    func theCRLAppliesToTheChainWhicheverCertificateOfTheCAItGoesThrough(_ tool: Tool) async throws {
        let renewal = try await Self.renewal(by: tool)
        defer { try? FileManager.default.removeItem(at: renewal.folder) }
        let trust = try ClientTrust.load(
            ClientTrustSources(
                caBundlePath: renewal.bundle(["ca-original.pem", "ca-renewed.pem"]), crlPaths: [renewal.crl]))
        for authority in [renewal.original, renewal.renewed] {
            let problem = trust.revocationProblem(chain: [renewal.revoked, authority], at: renewal.time)
            #expect(problem?.contains("revoked") == true, "\(tool) through serial \(authority.serialNumber)")
            #expect(trust.revocationProblem(chain: [renewal.kept, authority], at: renewal.time) == nil)
        }
        // Listed twice, the CRL is still one CA's: refused, naming the CA by name and key.
        let bundle = try renewal.bundle(["ca-original.pem", "ca-renewed.pem"])
        do {
            _ = try ClientTrust.load(
                ClientTrustSources(caBundlePath: bundle, crlPaths: [renewal.crl, renewal.crl]))
            Issue.record("\(tool): the same CRL listed twice was accepted")
        } catch {
            #expect(error.file == .crl)
            #expect(error.reason.contains("is already the CRL of") && error.reason.contains("key"), "\(error)")
        }
    }
}

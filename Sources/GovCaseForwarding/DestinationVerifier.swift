import Foundation
import NIOCore
import NIOSSL
import Synchronization
import SwiftASN1
import X509

/// Checks, during the TLS handshake, that a route's destination is who the route says: its chain leads to the
/// route's CA (RFC 5280, at the handshake's time), its leaf may serve TLS, and it carries the route's DNS name or
/// SPIFFE id. A gateway forwarding evaluators' data must know whom it talks to; a refusal ends the handshake
/// before a byte of a record is sent.
///
/// The last refusal is kept until a handshake passes, so that the forwarder can tell "the destination is not who
/// it must be" (the route is misconfigured: it pauses) from a network that fails (an outage: it retries), also
/// for the calls that fail on a channel the refused handshake left in its reconnection backoff.
final class DestinationVerifier: Sendable {
    let identity: Route.Identity
    let caPath: String
    private let lastRefusal = Mutex<String?>(nil)

    init(identity: Route.Identity, caPath: String) {
        self.identity = identity
        self.caPath = caPath
    }

    /// The reason of the last handshake, if it was refused.
    var refusal: String? { lastRefusal.withLock { $0 } }

    var callback: @Sendable ([NIOSSLCertificate], EventLoopPromise<NIOSSLVerificationResultWithMetadata>) -> Void {
        { presented, promise in promise.completeWithTask { await self.verify(presented) } }
    }

    func verify(_ presented: [NIOSSLCertificate], at time: Date = Date()) async -> NIOSSLVerificationResultWithMetadata {
        switch await verdict(on: presented, at: time) {
        case .success(let chain):
            lastRefusal.withLock { $0 = nil }
            return .certificateVerified(VerificationMetadata(ValidatedCertificateChain(chain)))
        case .failure(let refusal):
            lastRefusal.withLock { $0 = refusal.reason }
            return .failed
        }
    }

    struct Refusal: Error { var reason: String }

    func verdict(on presented: [NIOSSLCertificate], at time: Date) async -> Result<[NIOSSLCertificate], Refusal> {
        do {
            let certificates = try presented.map { try Certificate(derEncoded: $0.toDERBytes()) }
            guard let leaf = certificates.first else { return .failure(Refusal(reason: "no server certificate")) }
            let roots = try Self.certificates(inPEMFile: caPath)
            var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
                RFC5280Policy(validationTime: time)
                DestinationIdentityPolicy(identity: identity)
            }
            switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(certificates.dropFirst())) {
            case .validCertificate:
                return .success(presented)
            case .couldNotValidate(let failures):
                let reasons = Set(failures.map { "\($0.policyFailureReason)" }).sorted()
                return .failure(
                    Refusal(
                        reason: "the destination's certificate (\(leaf.subject)) is refused: "
                            + (reasons.isEmpty ? "it does not chain to a CA in \(caPath)" : reasons.joined(separator: "; "))))
            }
        } catch {
            return .failure(Refusal(reason: "the destination's certificate cannot be checked: \(error)"))
        }
    }

    static func certificates(inPEMFile path: String) throws -> [Certificate] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try PEMDocument.parseMultiple(pemString: text).map { try Certificate(pemDocument: $0) }
    }
}

/// The destination's leaf must carry the route's identity and may serve TLS.
struct DestinationIdentityPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
        .X509ExtensionID.subjectAlternativeName, .X509ExtensionID.extendedKeyUsage,
    ]
    let identity: Route.Identity

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        guard let leaf = chain.first else { return .failsToMeetPolicy(reason: "empty chain") }
        do {
            if let usage = try leaf.extensions.extendedKeyUsage, !usage.contains(.serverAuth), !usage.contains(.any) {
                return .failsToMeetPolicy(reason: "its extended key usage (\(usage)) does not include server authentication")
            }
            let names = try leaf.extensions.subjectAlternativeNames.map(Array.init) ?? []
            let matches =
                switch identity {
                case .dnsName(let expected):
                    names.contains { if case .dnsName(let name) = $0 { name.lowercased() == expected.lowercased() } else { false } }
                case .spiffeID(let expected):
                    names.contains { if case .uniformResourceIdentifier(let uri) = $0 { uri == expected } else { false } }
                }
            guard matches else {
                return .failsToMeetPolicy(reason: "it does not carry the route's \(identity); it carries \(names)")
            }
            return .meetsPolicy
        } catch {
            return .failsToMeetPolicy(reason: "its names cannot be read: \(error)")
        }
    }
}

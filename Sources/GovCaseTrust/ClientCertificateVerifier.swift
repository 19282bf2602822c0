import Foundation
import Logging
import NIOCore
import NIOSSL
import SwiftASN1
@_spi(FixedExpiryValidationTime) import X509

/// Verifies a client's certificate chain during the TLS handshake, replacing BoringSSL's own check: the chain
/// must lead to a CA of the trust in force (which may have been reloaded since the listener opened), every
/// certificate must be valid now (RFC 5280), none revoked by its issuer's CRL, and the leaf, if it limits its
/// use, must allow client authentication. A refusal ends the handshake; the log names the subject, serial and
/// reason, so an operator can tell a province's engineers what to fix. A handshake let through under an
/// out-of-date CRL (`expired_crl: accept`) is logged too, at most once a minute per CA.
public struct ClientCertificateVerifier: Sendable {
    let store: ClientTrustStore
    let logger: Logger
    let expiredCRLWarnings: ExpiredCRLWarnings

    public init(store: ClientTrustStore, logger: Logger) {
        self.store = store
        self.logger = logger
        expiredCRLWarnings = ExpiredCRLWarnings(logger: logger)
    }

    /// The callback for the server's TLS configuration (`customVerificationCallback`).
    public var callback: @Sendable ([NIOSSLCertificate], EventLoopPromise<NIOSSLVerificationResultWithMetadata>) -> Void
    {
        { presented, promise in promise.completeWithTask { await self.verify(presented) } }
    }

    /// The TLS verdict on a presented chain (the leaf first), at `time` (now, but for tests).
    public func verify(
        _ presented: [NIOSSLCertificate], at time: Date = Date()
    ) async -> NIOSSLVerificationResultWithMetadata {
        let certificates: [Certificate]
        do {
            certificates = try presented.map { try Certificate(derEncoded: $0.toDERBytes()) }
        } catch {
            refused(nil, "a presented certificate cannot be parsed: \(error)")
            return .failed
        }
        guard case .verified(let chain) = await verdict(on: certificates, at: time) else { return .failed }
        do {
            let verified = try chain.map { try NIOSSLCertificate(bytes: derBytes($0), format: .der) }
            return .certificateVerified(VerificationMetadata(ValidatedCertificateChain(verified)))
        } catch {
            refused(chain.first, "the verified chain cannot be handed to TLS: \(error)")
            return .failed
        }
    }

    /// The verdict on presented certificates (the leaf first) at `time`; a refusal is logged with its reason.
    ///
    /// Validity and revocation are judged at the same instant, so a CA certificate that expires and the CRLs
    /// that apply are seen as of one moment (and a test can move that moment).
    public func verdict(on certificates: [Certificate], at time: Date = Date()) async -> ClientCertificateVerdict {
        guard let leaf = certificates.first else { return refused(nil, "no client certificate") }
        let trust = store.trust
        var verifier = Verifier(rootCertificates: CertificateStore(trust.authorities)) {
            RFC5280Policy(fixedExpiryValidationTime: time)
            ClientCertificatePolicy(trust: trust, time: time)
        }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(certificates.dropFirst())) {
        case .validCertificate(let chain):
            let chain = Array(chain)
            for entry in trust.expiredListsAccepted(chain: chain, at: time) {
                expiredCRLWarnings.record(entry, leaf: leaf)
            }
            return .verified(chain)
        case .couldNotValidate(let failures):
            let reasons = Set(failures.map { "\($0.policyFailureReason)" }).sorted()
            return refused(
                leaf,
                reasons.isEmpty
                    ? "it does not chain to a CA in \(store.sources.caBundlePath)" : reasons.joined(separator: "; "))
        }
    }

    private func derBytes(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    /// Logs a refusal, for the operator, and returns it.
    @discardableResult
    private func refused(_ leaf: Certificate?, _ reason: String) -> ClientCertificateVerdict {
        logger.warning(
            "client certificate refused at the TLS handshake",
            metadata: [
                "certificate.subject": "\(leaf.map { "\($0.subject)" } ?? "none")",
                "certificate.serial": "\(leaf.map(\.serialNumber.hexText) ?? "none")", "reason": "\(reason)",
            ])
        return .refused(reason: reason)
    }
}

/// The gateway's rules beyond RFC 5280 path validation: revocation, and what a client certificate is for.
struct ClientCertificatePolicy: VerifierPolicy {
    /// The SAN carries the caller's SPIFFE id, read after the handshake (an X.509-SVID with an empty subject
    /// marks it critical); extended key usage is checked below.
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
        .X509ExtensionID.subjectAlternativeName, .X509ExtensionID.extendedKeyUsage,
    ]
    let trust: ClientTrust
    let time: Date

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        let certificates = Array(chain)
        if let problem = trust.revocationProblem(chain: certificates, at: time) {
            return .failsToMeetPolicy(reason: problem)
        }
        guard let leaf = certificates.first else { return .failsToMeetPolicy(reason: "empty chain") }
        do {
            if let usage = try leaf.extensions.extendedKeyUsage, !usage.contains(.clientAuth), !usage.contains(.any) {
                return .failsToMeetPolicy(
                    reason: "its extended key usage (\(usage)) does not include client authentication")
            }
        } catch {
            return .failsToMeetPolicy(reason: "its extended key usage cannot be read: \(error)")
        }
        return .meetsPolicy
    }
}

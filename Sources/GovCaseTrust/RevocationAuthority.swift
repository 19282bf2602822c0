import Foundation
import X509

/// Whose revocations a CRL carries: a CA's name together with its key, rather than one certificate of that CA.
///
/// A province renews its CA certificate with the same name and the same key (a new serial and validity, as
/// `openssl req -x509 -key` or Python `cryptography` make it) and appends it to the bundle. Both certificates
/// certify the same issued certificates, and a chain builds through whichever is valid at the handshake, so a
/// CRL signed by that key must apply to every certificate issued under that name by that key, whichever CA
/// certificate the chain went through.
///
/// The key itself, the one that verified the CRL's signature, is the identity. Key identifiers (the AKI of a CRL
/// or a leaf, the SKI of a CA) are derived from the key by methods that differ between tools (RFC 5280 §4.2.1.2,
/// RFC 7093), and a renewal made by another tool may carry another SKI for the same key; matching on them would
/// lose the CRL again, and an absent AKI would need the key anyway. `keyIdentifier` is for operators only.
public struct RevocationAuthority: Sendable, Hashable, CustomStringConvertible {
    /// The CA's name: the CRL's issuer, the subject of the CA certificates, the issuer of what they issue.
    public let name: DistinguishedName
    /// The CA's public key: what signs the CRL and the certificates it covers.
    public let publicKey: Certificate.PublicKey

    /// The authority a CA certificate speaks for: its subject and its key.
    public init(_ certificate: Certificate) {
        name = certificate.subject
        publicKey = certificate.publicKey
    }

    /// The key's identifier as `openssl x509 -text` shows an SKI made by openssl or `cryptography` (the SHA-1 of
    /// the key, RFC 5280 §4.2.1.2 method 1), in hex: to tell keys of the same name apart in logs and errors.
    public var keyIdentifier: String {
        SubjectKeyIdentifier(hash: publicKey).keyIdentifier.map { String(format: "%02X", $0) }.joined(separator: ":")
    }

    public var description: String { "\(name) (key \(keyIdentifier))" }
}

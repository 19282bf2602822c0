import X509

/// What the handshake's check made of a client's certificates. A refusal is an expected outcome, so a value
/// rather than an error; the reason is the one the log gives.
public enum ClientCertificateVerdict: Sendable {
    /// The chain that was verified: the leaf first, a CA of the bundle last.
    case verified([Certificate])
    /// Why the certificates were refused.
    case refused(reason: String)
}

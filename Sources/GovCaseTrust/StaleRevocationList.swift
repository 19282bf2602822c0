/// A CRL a reload offers that is older than the one in force for the same CA (a lower CRL number, or the same
/// number and an earlier `thisUpdate`): a stale mirror, a restored backup. Taking it would silently un-revoke the
/// certificates revoked since, so the reload is refused and the newer list stays in force. A value, not an
/// error: the files are readable, they are just behind.
public struct StaleRevocationList: Sendable {
    /// The CA both lists belong to.
    public let authority: RevocationAuthority
    /// The file offering the older list, and the list.
    public let path: String
    public let list: CertificateRevocationList
    /// The file the list in force came from, and the list.
    public let inForcePath: String
    public let inForce: CertificateRevocationList
}

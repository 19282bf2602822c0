/// A caller, as its client certificate names it: the URI SAN
/// `spiffe://<trust-domain>/region/<6-digit region code>/system/<system id>`.
public struct CallerIdentity: Sendable, Hashable, CustomStringConvertible {
    /// Trust domain, e.g. `gov.sc.example`.
    public var trustDomain: String
    /// The caller's region (GB/T 2260).
    public var regionCode: String
    /// The caller's system id, e.g. `hotline-sc`. Cases it submits carry it as their source system.
    public var systemID: String

    public init(trustDomain: String, regionCode: String, systemID: String) {
        self.trustDomain = trustDomain
        self.regionCode = regionCode
        self.systemID = systemID
    }

    /// The SPIFFE id.
    public var description: String { "spiffe://\(trustDomain)/region/\(regionCode)/system/\(systemID)" }

    /// The identity a certificate's URI SANs name for `trustDomain`, or why they name none.
    ///
    /// SPIFFE's X.509-SVID rule: a client certificate carries exactly one URI SAN, its SPIFFE id. Zero or
    /// several URI SANs (of any scheme) are refused rather than chosen among: which one the certificate's
    /// issuer meant would be a guess.
    public static func from(uriSANs: [String], trustDomain: String) -> Result<CallerIdentity, AccessDenial> {
        guard let uri = uriSANs.first else {
            return .failure(
                .unauthenticated(
                    "the certificate has no URI SAN; it needs exactly one, spiffe://\(trustDomain)/region/<code>/system/<id>"
                ))
        }
        guard uriSANs.count == 1 else {
            return .failure(
                .unauthenticated(
                    "the certificate has \(uriSANs.count) URI SANs (\(uriSANs.joined(separator: ", "))); an X.509-SVID "
                        + "carries exactly one, its spiffe:// id"))
        }
        guard uri.hasPrefix("spiffe://") else {
            return .failure(.unauthenticated("the certificate's URI SAN \(uri) is not a spiffe:// id"))
        }
        switch parse(uri) {
        case .success(let identity) where identity.trustDomain == trustDomain: return .success(identity)
        case .success(let identity):
            return .failure(.unauthenticated("trust domain \(identity.trustDomain) is not \(trustDomain)"))
        case .failure(let problem): return .failure(problem)
        }
    }

    /// Parses one SPIFFE id of the expected shape.
    static func parse(_ uri: String) -> Result<CallerIdentity, AccessDenial> {
        let parts = uri.dropFirst("spiffe://".count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[1] == "region", parts[3] == "system", !parts[0].isEmpty else {
            return .failure(.unauthenticated("\(uri) is not spiffe://<trust-domain>/region/<code>/system/<id>"))
        }
        let region = String(parts[2])
        let system = String(parts[4])
        guard region.count == 6, region.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return .failure(.unauthenticated("\(uri): the region must be a 6-digit division code"))
        }
        guard !system.isEmpty, system.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        else {
            return .failure(.unauthenticated("\(uri): the system id must be letters, digits, '-', '_' or '.'"))
        }
        return .success(CallerIdentity(trustDomain: String(parts[0]), regionCode: region, systemID: system))
    }
}

/// Why a caller is refused: UNAUTHENTICATED (who are you?) or PERMISSION_DENIED (not allowed), with the reason.
public enum AccessDenial: Error, Sendable, Hashable, CustomStringConvertible {
    /// The certificate does not name an acceptable identity.
    case unauthenticated(String)
    /// The identity is not allowed to do this.
    case permissionDenied(String)

    /// The reason alone.
    public var reason: String {
        switch self {
        case .unauthenticated(let reason), .permissionDenied(let reason): reason
        }
    }

    public var description: String {
        switch self {
        case .unauthenticated(let reason): "unauthenticated: \(reason)"
        case .permissionDenied(let reason): "permission denied: \(reason)"
        }
    }
}

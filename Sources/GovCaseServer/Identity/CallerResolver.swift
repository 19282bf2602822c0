import GRPCCore
import GRPCNIOTransportHTTP2Posix
import GovCasePolicy
import GovCaseTrust
import Logging
import X509

/// Finds who is calling. The gateway's callers are certificates: the verified client certificate's SPIFFE
/// URI SAN, admitted by the policy. Tests of service logic may use a fixed identity instead.
public protocol CallerResolver: Sendable {
    /// The caller of an RPC, or why it is refused.
    func caller(of context: ServerContext) throws(AccessDenial) -> CallerIdentity
}

/// Reads the caller from the client certificate that the TLS handshake verified against the configured CA.
public struct CertificateCallerResolver: CallerResolver {
    let policy: AccessPolicy
    let logger: Logger

    public init(policy: AccessPolicy, logger: Logger) {
        self.policy = policy
        self.logger = logger
    }

    public func caller(of context: ServerContext) throws(AccessDenial) -> CallerIdentity {
        guard let certificate = (context.transportSpecific as? HTTP2ServerTransport.Posix.Context)?.peerCertificate
        else {
            throw refuse(.unauthenticated("no verified client certificate"), certificate: nil)
        }
        let uris =
            ((try? certificate.extensions.subjectAlternativeNames) ?? nil)?.compactMap { name -> String? in
                if case .uniformResourceIdentifier(let uri) = name { return uri }
                return nil
            } ?? []
        do {
            let identity = try CallerIdentity.from(uriSANs: uris, trustDomain: policy.trustDomain).get()
            try policy.admit(identity)
            return identity
        } catch let denial as AccessDenial {
            throw refuse(denial, certificate: certificate)
        } catch {
            throw refuse(.unauthenticated("\(error)"), certificate: certificate)
        }
    }

    /// Logs a refusal with the certificate's subject and serial (never any evaluator data).
    private func refuse(_ denial: AccessDenial, certificate: Certificate?) -> AccessDenial {
        logger.warning(
            "caller refused",
            metadata: [
                "refusal": "\(denial)",
                "certificate.subject": "\(certificate.map { "\($0.subject)" } ?? "none")",
                "certificate.serial": "\(certificate.map(\.serialNumber.hexText) ?? "none")",
            ])
        return denial
    }
}

/// A fixed caller, for in-process tests of service logic and for `--insecure-loopback` development.
public struct FixedCallerResolver: CallerResolver {
    let identity: CallerIdentity
    let policy: AccessPolicy

    public init(identity: CallerIdentity, policy: AccessPolicy) {
        self.identity = identity
        self.policy = policy
    }

    public func caller(of context: ServerContext) throws(AccessDenial) -> CallerIdentity {
        try policy.admit(identity)
        return identity
    }
}

extension AccessDenial {
    /// The gRPC error a caller sees: UNAUTHENTICATED or PERMISSION_DENIED with the reason.
    var rpcError: RPCError { RPCError(code: rpcErrorCode, message: rpcErrorMessage) }
}

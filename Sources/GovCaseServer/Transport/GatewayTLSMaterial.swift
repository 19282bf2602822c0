import Logging
import NIOCertificateReloading
import ServiceLifecycle
import GovCaseTrust
import Synchronization
import X509

/// The TLS material a listener serves with, kept current while the gateway runs: the server certificate and
/// key (swift-nio-extras' `TimedCertificateReloader`) and the client trust (CA bundle and CRLs). Each is
/// re-read every `tls.reload_seconds`; new connections use what is in force, open ones keep theirs, and a bad
/// new file keeps the old material in force and says why in the log.
public struct GatewayTLSMaterial: Service {
    public let serverCertificate: TimedCertificateReloader
    public let clientTrust: ClientTrustStore
    public let verifier: ClientCertificateVerifier
    let interval: Duration

    /// Reads every file; at start a problem is an error, since there is no old material to keep.
    public init(tls: GatewayTLS, logger: Logger) throws {
        interval = .seconds(tls.reloadSeconds)
        let lastFailure = Mutex<String?>(nil)
        serverCertificate = try TimedCertificateReloader.makeReloaderValidatingSources(
            configuration: .init(
                refreshInterval: interval,
                certificateSource: .init(location: .file(path: tls.certificatePath), format: .pem),
                privateKeySource: .init(location: .file(path: tls.keyPath), format: .pem)
            ) {
                // The reloader reads the files every interval and reports every read: log changes only.
                $0.onCertificateLoaded = { diff in
                    lastFailure.withLock { $0 = nil }
                    guard let previous = diff.previousX509CertificateChain,
                        previous != diff.currentX509CertificateChain
                    else { return }
                    logger.info(
                        "server certificate reloaded: new connections use it",
                        metadata: [
                            "certificate": "\(tls.certificatePath)",
                            "certificate.serial":
                                "\(diff.currentX509CertificateChain.first.map(\.serialNumber.hexText) ?? "")",
                        ])
                }
                $0.onCertificateLoadFailed = { failure in
                    let reason = "\(failure.error)"
                    guard
                        lastFailure.withLock({ last in
                            defer { last = reason }; return last != reason
                        })
                    else { return }
                    logger.error(
                        "server certificate NOT reloaded: the one in force stays until the files are fixed",
                        metadata: [
                            "certificate": "\(tls.certificatePath)", "key": "\(tls.keyPath)", "reason": "\(reason)",
                        ])
                }
            })
        clientTrust = try ClientTrustStore(sources: tls.clientTrustSources, logger: logger)
        verifier = ClientCertificateVerifier(store: clientTrust, logger: logger)
    }

    /// Re-reads the files until the gateway stops.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await serverCertificate.run() }
            group.addTask { await ClientTrustReloader(store: clientTrust, interval: interval).run() }
        }
    }
}

import Logging
import Synchronization
import X509

/// The warnings for handshakes that `expired_crl: accept` lets through: a certificate checked against a CRL past
/// its `nextUpdate`, so revocations since then are not seen. Logged so the operator knows the gateway is running
/// on an old list, but at most one line per CA a minute: every handshake of a busy province would otherwise log.
/// Each line counts the handshakes held back since the previous one.
final class ExpiredCRLWarnings: Sendable {
    private let logger: Logger
    private let limiter: Mutex<LogRateLimiter<RevocationAuthority>>

    init(logger: Logger, interval: Duration = .seconds(60)) {
        self.logger = logger
        limiter = Mutex(LogRateLimiter(interval: interval))
    }

    /// Records that `leaf`'s handshake was let through despite `entry` being out of date.
    func record(_ entry: ClientTrust.RevocationList, leaf: Certificate, at now: ContinuousClock.Instant = .now) {
        let (decision, interval) = limiter.withLock { ($0.decide(entry.authority, at: now), $0.interval) }
        guard case .log(let suppressed) = decision else { return }
        logger.warning(
            "client certificate accepted under an out-of-date CRL (tls.expired_crl: accept)",
            metadata: [
                "ca.subject": "\(entry.authority.name)", "ca.key_id": "\(entry.authority.keyIdentifier)",
                "crl": "\(entry.path)", "crl.next_update": "\(entry.list.nextUpdate.map { "\($0)" } ?? "none")",
                "certificate.subject": "\(leaf.subject)", "certificate.serial": "\(leaf.serialNumber.hexText)",
                "log.suppressed": "\(suppressed)", "log.interval_seconds": "\(interval.components.seconds)",
            ])
    }
}

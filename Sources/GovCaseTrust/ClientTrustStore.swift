import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import X509

/// The client trust in force, replaceable while the gateway runs: a province rotates its CA bundle or
/// publishes a new CRL, and the next handshake uses it, with no restart and no effect on open connections.
///
/// A reload reads every file; if none changed it does nothing. If the new files do not make a usable trust
/// (a CRL signed by no CA of the bundle, a truncated file, ...), the old trust stays in force and the log says
/// why, once per distinct bad content. So it does if a CRL is older than the one in force for its CA (a stale
/// mirror, a restored backup), since taking it would un-revoke certificates; only a restart takes such a file.
public final class ClientTrustStore: Sendable {
    public let sources: ClientTrustSources
    let logger: Logger
    private let state: Mutex<State>

    struct State {
        var trust: ClientTrust
        /// The files' bytes the trust was read from, and the last bytes that failed: to act on changes only.
        var loaded: [[UInt8]]
        var lastFailure: [[UInt8]]?
    }

    /// Reads the files; at start a problem is an error, since there is no old trust to keep.
    public init(sources: ClientTrustSources, logger: Logger) throws(TrustError) {
        self.sources = sources
        self.logger = logger
        let contents = try ClientTrust.read(sources)
        let trust = try ClientTrust.load(sources, contents: contents)
        state = Mutex(State(trust: trust, loaded: contents))
        report(trust, event: "client trust loaded")
    }

    /// The trust for a handshake starting now.
    public var trust: ClientTrust { state.withLock { $0.trust } }

    /// Reads the files again. Returns whether a new trust took effect.
    @discardableResult
    public func reload() -> Bool {
        let contents: [[UInt8]]
        do {
            contents = try ClientTrust.read(sources)
        } catch {
            logFailure(error, contents: nil)
            return false
        }
        guard state.withLock({ $0.loaded != contents && $0.lastFailure != contents }) else { return false }
        let trust: ClientTrust
        do {
            trust = try ClientTrust.load(sources, contents: contents)
        } catch {
            logFailure(error, contents: contents)
            return false
        }
        // Compared with the trust in force and replacing it in one step, so no other reload slips in between.
        let stale = state.withLock { state in
            let stale = trust.staleLists(comparedWith: state.trust)
            if stale.isEmpty { state = State(trust: trust, loaded: contents) } else { state.lastFailure = contents }
            return stale
        }
        guard stale.isEmpty else {
            for list in stale { logStale(list) }
            return false
        }
        report(trust, event: "client trust reloaded: new handshakes use it")
        return true
    }

    private func logStale(_ stale: StaleRevocationList) {
        logger.error(
            "client trust NOT reloaded: a CRL older than the one in force would un-revoke certificates",
            metadata: [
                "crl": "\(stale.path)", "ca.subject": "\(stale.authority.name)",
                "ca.key_id": "\(stale.authority.keyIdentifier)",
                "crl.number": "\(stale.list.number.map { "\($0)" } ?? "none")",
                "crl.this_update": "\(stale.list.thisUpdate)", "crl.in_force": "\(stale.inForcePath)",
                "crl.in_force.number": "\(stale.inForce.number.map { "\($0)" } ?? "none")",
                "crl.in_force.this_update": "\(stale.inForce.thisUpdate)",
            ])
    }

    private func logFailure(_ error: TrustError, contents: [[UInt8]]?) {
        let isNew = state.withLock { state in
            defer { state.lastFailure = contents }
            return contents == nil || state.lastFailure != contents
        }
        guard isNew else { return }
        logger.error(
            "client trust NOT reloaded: the trust in force stays until the files are fixed",
            metadata: ["file": "\(error.path)", "reason": "\(error.reason)"])
    }

    private func report(_ trust: ClientTrust, event: String) {
        logger.info(
            "\(event)",
            metadata: [
                "client_ca": "\(sources.caBundlePath)", "authorities": "\(trust.authorities.count)",
                "crls": "\(sources.crlPaths.count)",
            ])
        for authority in trust.authoritiesWithoutCRL where !sources.crlPaths.isEmpty {
            logger.warning(
                "no CRL for a trusted CA: revocation of the certificates it issues is not checked",
                metadata: [
                    "ca.subject": "\(authority.subject)", "ca.serial": "\(authority.serialNumber.hexText)",
                    "ca.key_id": "\(RevocationAuthority(authority).keyIdentifier)",
                ])
        }
        for (path, nextUpdate) in trust.expiredLists(at: Date()) {
            logger.warning(
                "CRL out of date",
                metadata: [
                    "crl": "\(path)", "crl.next_update": "\(nextUpdate.map { "\($0)" } ?? "none")",
                    "tls.expired_crl": "\(sources.expiredCRLs.rawValue)",
                ])
        }
    }
}

/// Re-reads the client trust files every `interval` until the gateway stops.
public struct ClientTrustReloader: Service {
    let store: ClientTrustStore
    let interval: Duration

    public init(store: ClientTrustStore, interval: Duration) {
        self.store = store
        self.interval = interval
    }

    public func run() async {
        // Ends at once when a graceful shutdown begins, or when cancelled.
        try? await cancelWhenGracefulShutdown { [store, interval] in
            while true {
                try await Task.sleep(for: interval)
                store.reload()
            }
        }
    }
}

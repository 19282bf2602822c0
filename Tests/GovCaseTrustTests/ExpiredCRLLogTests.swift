import Foundation
import GovCaseTrust
import Logging
import GovCaseTestSupport
import Testing
import X509

/// `expired_crl: accept` lets handshakes through on a CRL past its `nextUpdate`; each is logged, at most one line
/// per CA a minute, counting the ones held back.
@Suite(.heavy) struct ExpiredCRLLogTests {
    /// One key's events at the seconds given, and what the limiter decides for each, in order.
    static let timeline: [(seconds: Double, key: String, decision: LogRateLimiter<String>.Decision)] = [
        (0, "sichuan", .log(suppressedSinceLastLine: 0)),
        (1, "sichuan", .suppress),
        (1, "fujian", .log(suppressedSinceLastLine: 0)),  // another CA has its own minute
        (30, "sichuan", .suppress),
        (59.9, "sichuan", .suppress),
        (60, "sichuan", .log(suppressedSinceLastLine: 3)),  // a minute on: the line counts the three held back
        (61, "sichuan", .suppress),
        (61, "fujian", .log(suppressedSinceLastLine: 0)),
        (500, "sichuan", .log(suppressedSinceLastLine: 1)),
        (500.5, "sichuan", .suppress),
    ]

    @Test func theLimiterWritesOneLinePerKeyAMinuteAndCountsTheOthers() {
        var limiter = LogRateLimiter<String>(interval: .seconds(60))
        let start = ContinuousClock.now
        for event in Self.timeline {
            let decision = limiter.decide(event.key, at: start.advanced(by: .seconds(event.seconds)))
            #expect(decision == event.decision, "\(event.key) at \(event.seconds) s")
        }
    }

    @Test func handshakesLetThroughByAnOutOfDateCRLAreLoggedOnceAMinuteAndRevocationsStillHold() async throws {
        let ca = try await OpenSSLProvinceCA.make(days: 30)
        defer { try? FileManager.default.removeItem(at: ca.folder) }
        let kept = try await ca.issue("kept")
        let revoked = try await ca.issue("revoked")
        try await ca.revoke("revoked")
        let crl = try await ca.writeCRL(
            to: "expired.crl.pem", lastUpdate: Date(timeIntervalSinceNow: -7200),
            nextUpdate: Date(timeIntervalSinceNow: -3600))

        for handling in ExpiredCRLHandling.allCases {
            let log = CapturedLog()
            let store = try ClientTrustStore(
                sources: ClientTrustSources(
                    caBundlePath: ca.path("ca-original.pem"), crlPaths: [crl], expiredCRLs: handling),
                logger: Logger(label: "test"))
            let verifier = ClientCertificateVerifier(store: store, logger: log.logger)
            var verified = 0
            for _ in 0..<3 {
                if case .verified = await verifier.verdict(on: [kept], at: Date()) { verified += 1 }
            }
            // The out-of-date list still revokes: accepting it is not ignoring it.
            guard case .refused(let reason) = await verifier.verdict(on: [revoked], at: Date()) else {
                Issue.record("\(handling): the revoked client got in")
                continue
            }
            #expect(reason.contains("revoked"), "\(handling): \(reason)")
            let accepted = log.lines(containing: "accepted under an out-of-date CRL")
            switch handling {
            case .refuse:
                #expect(verified == 0, "the CA's certificates are refused until a current CRL is in place")
                #expect(accepted.isEmpty)
            case .accept:
                #expect(verified == 3)
                try #require(accepted.count == 1, "three handshakes, one line")
                #expect(accepted[0].level == .warning)
                #expect(accepted[0].metadata["crl"] == crl)
                #expect(accepted[0].metadata["ca.subject"]?.contains("Guangdong Province Root CA") == true)
                #expect(accepted[0].metadata["certificate.serial"] == kept.serialNumber.hexText)
                #expect(accepted[0].metadata["log.suppressed"] == "0")
                #expect(accepted[0].metadata["log.interval_seconds"] == "60")
            }
        }
    }
}

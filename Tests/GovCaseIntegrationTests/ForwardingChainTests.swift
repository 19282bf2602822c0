import Foundation
import GovCaseTestSupport
import Testing

/// Forwarding from outside: `Tests/Interop/forwarding_chain.py` runs three `govcase serve` processes in a chain
/// (county → city → province, each with its own PKI), takes the province down and brings it back, kills the city
/// with SIGKILL mid-delivery, and checks through Python grpcio and `govcase outbox` alone that every valid record
/// arrived once and in per-case order, that the records the province refuses sit in dead letters with its
/// reason, that an outage made no dead letter, and that a destination with the wrong identity pauses its route.
@Suite(.heavy) struct ForwardingChainTests {
    @Test func aCountyCityProvinceChainDeliversOnceInOrderThroughAnOutageAndAKill() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("govcase-chain-\(UUID())")
        let (status, text) = try await ExternalProgram.python(
            PythonInteropTests.repository.appendingPathComponent("Tests/Interop/forwarding_chain.py"),
            ["--govcase", GatewayProcess.executable("govcase").path, "--work", work.path])
        #expect(status == 0, "\(text)")
        #expect(text.contains("forwarding chain: all checks passed"), "\(text)")
        #expect(text.contains("ok  an outage is never a dead letter"), "\(text)")
        #expect(text.contains("ok  the kill left rows in flight"), "\(text)")
        try? FileManager.default.removeItem(at: work)
    }
}

/// Forwarding against a receiver that is not ours: `Tests/Interop/outside_receiver.py`, written from
/// docs/forwarding.md and Proto/ alone (its own PKI, its own store), with faults switched on while a real
/// `govcase serve` forwards to it: refusals, outages, pushback, slow answers, short acknowledgements, kill -9 and
/// SIGTERM mid-delivery, whole-call refusals, a certificate without the route's identity or of another CA, backfill.
@Suite(.heavy) struct OutsideReceiverTests {
    @Test func aGatewayForwardsToAReceiverWrittenFromTheDocsThroughEveryFault() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("govcase-outside-\(UUID())")
        let (status, text) = try await ExternalProgram.python(
            PythonInteropTests.repository.appendingPathComponent("Tests/Interop/outside_receiver_probe.py"),
            ["--govcase", GatewayProcess.executable("govcase").path, "--work", work.path])
        #expect(status == 0, "\(text)")
        #expect(text.contains("PASS  overall"), "\(text)")
        #expect(!text.contains("FAIL "), "\(text)")
        try? FileManager.default.removeItem(at: work)
    }
}

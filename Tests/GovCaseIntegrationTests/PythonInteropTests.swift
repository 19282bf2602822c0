import Foundation
import GovCaseTestSupport
import Testing

/// A non-Swift province system: `Tests/Interop/interop_client.py`, Python grpcio from PyPI with stubs
/// generated from `Proto/`, against `govcase serve` over mutual TLS. `scripts/test.sh` installs its packages.
@Suite(.heavy) struct PythonInteropTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func aPythonGrpcioClientSubmitsStreamsAndReadsBack() async throws {
        let deployment = try await Deployment.make()
        let gateway = try deployment.serve()
        let port = try await gateway.servingPort()
        defer { gateway.send(SIGTERM) }

        let (status, text) = try await ExternalProgram.python(
            Self.repository.appendingPathComponent("Tests/Interop/interop_client.py"),
            [
                "--target", "127.0.0.1:\(port)", "--pki", deployment.folder.path,
                "--protos", Self.repository.appendingPathComponent("Proto").path,
                // 100k records in one client stream: its summary must stay under grpcio's 4 MiB receive limit.
                "--long-stream", "100000",
            ])
        #expect(status == 0, "\(text)")
        #expect(text.contains("interop: all checks passed"), "\(text)")
        #expect(text.contains("ok  bidirectional SubmitStream"))
        #expect(text.contains("ok  its summary is bounded"), "\(text)")
    }
}

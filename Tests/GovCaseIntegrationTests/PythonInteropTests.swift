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

    /// Default ratings from outside (`Tests/Interop/default_rating_client.py`): a district where the gateway makes
    /// them and one where the source does, nodes served ten days ago, the default read back, linked and named in
    /// its event, and the source's evaluation after it refused (ALREADY_EXISTS) where the gateway made one only.
    @Test func defaultRatingsMadeByTheGatewayAsAnIntegratorSeesThem() async throws {
        let deployment = try await Deployment.make()
        try deployment.editConfiguration {
            $0 + "deadlines:\n  regions:\n    \"510105\": { default_rating_made_by: gateway }\n"
        }
        let gateway = try deployment.serve()
        let port = try await gateway.servingPort()
        defer { gateway.send(SIGTERM) }
        let (status, text) = try await ExternalProgram.python(
            Self.repository.appendingPathComponent("Tests/Interop/default_rating_client.py"),
            ["--target", "127.0.0.1:\(port)", "--pki", deployment.folder.path, "--repo", Self.repository.path])
        #expect(status == 0, "\(text)\n--- gateway log ---\n\(gateway.text)")
        #expect(text.contains("default-rating session passed"), "\(text)")
    }
}

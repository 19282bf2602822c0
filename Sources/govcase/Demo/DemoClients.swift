import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GovCaseProto
import SwiftProtobuf

/// The demo's callers: each a separate mutual-TLS connection presenting one example identity's certificate
/// from the development PKI, as a province system would.
struct DemoClients {
    /// The deployment folder holding `ca.pem` and `clients/<name>.pem`.
    let folder: URL
    let host: String
    let port: Int

    /// Runs `body` with a client connected as `name` (e.g. `national-sc`).
    func connect<Result: Sendable>(
        as name: String, _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
    ) async throws -> Result {
        let clients = folder.appendingPathComponent("clients")
        var config = HTTP2ClientTransport.Posix.Config.defaults
        // The development server certificate names localhost and 127.0.0.1.
        config.http2.authority = "localhost"
        let transport = try HTTP2ClientTransport.Posix(
            target: .ipv4(address: host, port: port),
            transportSecurity: .mTLS(
                certificateChain: [.file(path: clients.appendingPathComponent("\(name).pem").path, format: .pem)],
                privateKey: .file(path: clients.appendingPathComponent("\(name)-key.pem").path, format: .pem)
            ) {
                $0.trustRoots = .certificates([.file(path: folder.appendingPathComponent("ca.pem").path, format: .pem)])
            },
            config: config)
        return try await withGRPCClient(transport: transport) { try await body($0) }
    }
}

extension RPCError {
    /// The field violations the gateway sends in its `govcase-rejection-bin` trailer.
    var fieldViolations: [Govcase_Core_V1_FieldViolation] {
        guard let bytes = metadata[binaryValues: "govcase-rejection-bin"].first(where: { _ in true }) else { return [] }
        return (try? Govcase_Core_V1_Rejection(serializedBytes: bytes))?.violations ?? []
    }
}

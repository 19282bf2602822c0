import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GovCaseClient
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
        try await withGatewayClient(host: host, port: port, as: .development(name, in: folder), body)
    }
}

extension RPCError {
    /// The field violations the gateway sends in its `govcase-rejection-bin` trailer.
    var fieldViolations: [Govcase_Core_V1_FieldViolation] {
        guard let bytes = metadata[binaryValues: "govcase-rejection-bin"].first(where: { _ in true }) else { return [] }
        return (try? Govcase_Core_V1_Rejection(serializedBytes: bytes))?.violations ?? []
    }
}

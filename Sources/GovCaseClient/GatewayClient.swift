import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2

/// How a Swift province system connects to the gateway: mutual TLS with its own certificate, trusting only
/// the gateway's CA (never the system store), over a gRPC client for the generated service clients.
public struct GatewayClientIdentity: Sendable, Hashable {
    /// The client's certificate chain, PEM.
    public var certificatePath: String
    /// Its private key, PEM.
    public var keyPath: String
    /// The CA bundle the gateway's certificate must chain to, PEM.
    public var trustRootsPath: String

    public init(certificatePath: String, keyPath: String, trustRootsPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.trustRootsPath = trustRootsPath
    }

    /// An example identity of a development deployment (`govcase pki init`): `clients/<name>.pem` under `folder`.
    public static func development(_ name: String, in folder: URL) -> GatewayClientIdentity {
        let clients = folder.appendingPathComponent("clients")
        return GatewayClientIdentity(
            certificatePath: clients.appendingPathComponent("\(name).pem").path,
            keyPath: clients.appendingPathComponent("\(name)-key.pem").path,
            trustRootsPath: folder.appendingPathComponent("ca.pem").path)
    }
}

/// Runs `body` with a client connected to `host:port` as `identity`; `serverName` is the name the gateway's
/// certificate must carry.
public func withGatewayClient<Result: Sendable>(
    host: String, port: Int, as identity: GatewayClientIdentity, serverName: String = "localhost",
    _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
) async throws -> Result {
    var config = HTTP2ClientTransport.Posix.Config.defaults
    config.http2.authority = serverName
    let transport = try HTTP2ClientTransport.Posix(
        target: .ipv4(address: host, port: port),
        transportSecurity: .mTLS(
            certificateChain: [.file(path: identity.certificatePath, format: .pem)],
            privateKey: .file(path: identity.keyPath, format: .pem)
        ) {
            $0.trustRoots = .certificates([.file(path: identity.trustRootsPath, format: .pem)])
        },
        config: config)
    return try await withGRPCClient(transport: transport) { try await body($0) }
}

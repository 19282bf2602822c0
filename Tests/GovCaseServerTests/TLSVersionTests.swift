import GRPCNIOTransportCore
import GovCasePKI
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Testing

/// The gateway speaks TLS 1.2 or later: a client offering at most TLS 1.1 is refused in the handshake, while
/// the same client allowed TLS 1.2 completes it (so the refusal is the version's, not the certificate's).
extension MutualTLSTests {
    @Test(arguments: [(TLSVersion.tlsv11, false), (.tlsv12, true), (.tlsv13, true)])
    func handshakesBelowTLS12AreRefused(maximum: TLSVersion, completes: Bool) async throws {
        let client = try ca.issueClient(commonName: "national-sc", uri: Self.spiffe("national-sc"))
        try await withRunningGateway { address in
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv1
            configuration.maximumTLSVersion = maximum
            configuration.certificateVerification = .none
            configuration.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(client.certificatePEM().utf8))
                .map { .certificate($0) }
            configuration.privateKey = .privateKey(
                try NIOSSLPrivateKey(bytes: Array(client.keyPEM().utf8), format: .pem))
            let completed = try await Self.handshake(
                host: address.host, port: address.port, context: NIOSSLContext(configuration: configuration))
            #expect(completed == completes, "TLS at most \(maximum)")
        }
    }

    /// Whether a TLS handshake with `context` completes.
    static func handshake(host: String, port: Int, context: NIOSSLContext) async throws -> Bool {
        let outcome = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Bool.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            NIOSSLClientHandler(context: context, serverHostname: nil), HandshakeOutcome(outcome))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            outcome.fail(error)
            throw error
        }
        let completed = try await outcome.futureResult.get()
        try? await channel.close()
        return completed
    }

    /// Completes `outcome` with true on the handshake's completion, false on an error or a close before it
    /// (a promise completed twice keeps its first result).
    final class HandshakeOutcome: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let outcome: EventLoopPromise<Bool>
        init(_ outcome: EventLoopPromise<Bool>) { self.outcome = outcome }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case TLSUserEvent.handshakeCompleted = event { outcome.succeed(true) }
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { outcome.succeed(false) }
        func channelInactive(context: ChannelHandlerContext) { outcome.succeed(false) }
    }
}

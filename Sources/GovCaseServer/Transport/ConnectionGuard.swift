import Logging
import NIOCore
import NIOSSL
import NIOTLS
import Synchronization

/// Keeps connections that hold a socket without doing gRPC from locking valid callers out.
///
/// Probed from outside, 1,000 TCP connections that never sent a ClientHello stayed open indefinitely, and with
/// the common limit of 1,024 open files they locked every new client out. The guard runs on every accepted
/// connection before its TLS handshake: it refuses a connection past the total or per-address limit at once,
/// and closes one whose handshake has not completed within `handshakeTimeout`. Idle connections after the
/// handshake are the transport's `maxIdleTime`. Every refusal is counted; the first and then every hundredth
/// is logged with the count, so an attack cannot flood the log either.
///
/// It also drains: the transport's own graceful shutdown asks each connection to go away with a GOAWAY and a
/// PING, and waits for the client's answer; grpcio channels with no call open never answered, so 20 idle
/// channels kept the gateway running until their owners hung up. `drain()` closes every connection with no call
/// in flight at once, and every other one as soon as its last call ends.
final class ConnectionGuard: Sendable {
    struct Limits: Sendable, Hashable {
        var handshakeTimeout: TimeAmount
        var maxConnections: Int
        var maxConnectionsPerPeer: Int
    }

    /// What the guard has refused so far.
    struct Counts: Sendable, Hashable {
        var open = 0
        var refusedOverLimit = 0
        var handshakeTimeouts = 0
    }

    let limits: Limits
    let usesTLS: Bool
    let logger: Logger
    private let state = Mutex(State())

    struct State {
        var counts = Counts()
        var perPeer: [String: Int] = [:]
        /// Open connections and the calls in flight on each.
        var connections: [ObjectIdentifier: (channel: any Channel, calls: Int)] = [:]
        var draining = false
    }

    init(limits: Limits, usesTLS: Bool, logger: Logger) {
        self.limits = limits
        self.usesTLS = usesTLS
        self.logger = logger
    }

    convenience init(limits: GatewayLimits, usesTLS: Bool, logger: Logger) {
        self.init(
            limits: Limits(
                handshakeTimeout: .seconds(Int64(limits.handshakeTimeoutSeconds)),
                maxConnections: limits.maxConnections, maxConnectionsPerPeer: limits.maxConnectionsPerPeer),
            usesTLS: usesTLS, logger: logger)
    }

    var counts: Counts { state.withLock { $0.counts } }

    /// The transport's `onAcceptTCPConnection`: admits or closes `channel`, and arms its handshake deadline.
    @Sendable func accept(_ channel: any Channel) -> EventLoopFuture<Void> {
        let peer = channel.remoteAddress?.ipAddress ?? "unknown"
        let refused: Int? = state.withLock { state in
            guard state.counts.open < limits.maxConnections,
                state.perPeer[peer, default: 0] < limits.maxConnectionsPerPeer
            else {
                state.counts.refusedOverLimit += 1
                return state.counts.refusedOverLimit
            }
            state.counts.open += 1
            state.perPeer[peer, default: 0] += 1
            state.connections[ObjectIdentifier(channel)] = (channel, 0)
            return nil
        }
        if let refused {
            report(
                "connection refused: too many open", count: refused,
                metadata: [
                    "peer": "\(peer)", "limit.total": "\(limits.maxConnections)",
                    "limit.per_peer": "\(limits.maxConnectionsPerPeer)",
                ])
            channel.close(promise: nil)
            return channel.eventLoop.makeSucceededVoidFuture()
        }
        channel.closeFuture.whenComplete { _ in
            self.state.withLock { state in
                state.counts.open -= 1
                state.perPeer[peer, default: 1] -= 1
                if state.perPeer[peer] == 0 { state.perPeer[peer] = nil }
                state.connections[ObjectIdentifier(channel)] = nil
            }
        }
        guard usesTLS else { return channel.eventLoop.makeSucceededVoidFuture() }
        return channel.eventLoop.makeCompletedFuture {
            let deadline = HandshakeDeadline(timeout: limits.handshakeTimeout) { [self] in
                let count = state.withLock { state in
                    state.counts.handshakeTimeouts += 1
                    return state.counts.handshakeTimeouts
                }
                report(
                    "connection closed: no TLS handshake in time", count: count,
                    metadata: ["peer": "\(peer)", "timeout": "\(limits.handshakeTimeout)"])
            }
            let tls = try channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self)
            try channel.pipeline.syncOperations.addHandler(deadline, position: .after(tls))
        }
    }

    /// The transport's `onAcceptHTTP2Stream`: counts the call in flight on its connection until it ends.
    @Sendable func acceptStream(_ stream: any Channel) -> EventLoopFuture<Void> {
        guard let connection = stream.parent else { return stream.eventLoop.makeSucceededVoidFuture() }
        let id = ObjectIdentifier(connection)
        state.withLock { $0.connections[id]?.calls += 1 }
        stream.closeFuture.whenComplete { _ in
            let idle: (any Channel)? = self.state.withLock { state in
                guard var entry = state.connections[id] else { return nil }
                entry.calls -= 1
                state.connections[id] = entry
                return state.draining && entry.calls == 0 ? entry.channel : nil
            }
            idle?.close(promise: nil)
        }
        return stream.eventLoop.makeSucceededVoidFuture()
    }

    /// Closes every connection with no call in flight now, and every other one when its last call ends.
    func drain() {
        let idle = state.withLock { state in
            state.draining = true
            return state.connections.values.filter { $0.calls == 0 }.map(\.channel)
        }
        if !idle.isEmpty {
            logger.info("draining: closing idle connections", metadata: ["connections.idle": "\(idle.count)"])
        }
        for channel in idle { channel.close(promise: nil) }
    }

    private func report(_ message: Logger.Message, count: Int, metadata: Logger.Metadata) {
        guard count == 1 || count % 100 == 0 else { return }
        logger.warning(message, metadata: metadata.merging(["count": "\(count)"]) { $1 })
    }
}

/// Closes its connection unless the TLS handshake completes within `timeout`.
final class HandshakeDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    let timeout: TimeAmount
    let onTimeout: @Sendable () -> Void
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount, onTimeout: @escaping @Sendable () -> Void) {
        self.timeout = timeout
        self.onTimeout = onTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        let onTimeout = self.onTimeout
        timer = context.eventLoop.scheduleTask(in: timeout) {
            onTimeout()
            channel.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) { timer?.cancel() }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            timer?.cancel()
            timer = nil
        }
        context.fireUserInboundEventTriggered(event)
    }
}

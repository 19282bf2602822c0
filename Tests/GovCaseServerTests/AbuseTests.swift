import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GovCaseProto
import GovCaseServer
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP connection that never speaks TLS: what a scanner or a slowloris attacker leaves open.
final class SilentConnection {
    let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw CocoaError(.fileReadUnknown) }
    }

    /// Whether the gateway closed the connection within `seconds` (a read returns end of file).
    func isClosedByPeer(within seconds: Int) -> Bool {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        return recv(socket, &byte, 1, 0) == 0
    }

    deinit { close(socket) }
}

/// Abuse reproduced on loopback, bounded, with a valid client served throughout.
extension MutualTLSTests {
    @Test func connectionsThatNeverHandshakeAreClosedAndAValidClientIsServed() async throws {
        var limits = GatewayLimits()
        // Short, but not so short that the valid client's own handshake misses it on a loaded CI machine (at
        // 1 s it did, with the whole suite running beside it).
        limits.handshakeTimeoutSeconds = 3
        let client = try client("national-sc", region: "510000")
        try await withRunningGateway(limits: limits) { address in
            let silent = try (0..<50).map { _ in try SilentConnection(port: address.port) }
            try await connect(to: address, as: client) { grpc in
                let ack = try await Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc)
                    .submit(Self.evaluation("PJ-while-silent"))
                #expect(ack.outcome == .accepted)
            }
            let closed = silent.filter { $0.isClosedByPeer(within: 8) }.count
            #expect(closed == 50, "\(50 - closed) connections without a handshake were still open")
        }
    }

    @Test func connectionsOverTheLimitPerAddressAreClosedAtOnce() async throws {
        var limits = GatewayLimits()
        limits.maxConnectionsPerPeer = 3
        limits.handshakeTimeoutSeconds = 60
        let client = try client("national-sc", region: "510000")
        try await withRunningGateway(limits: limits) { address in
            // Four at once: the gateway admits three and closes one (which one depends on which event loop
            // accepts first).
            var held = try (0..<4).map { _ in try SilentConnection(port: address.port) }
            let closed = held.filter { $0.isClosedByPeer(within: 2) }.count
            #expect(closed == 1, "\(closed) of four connections from one address were closed; the limit is three")
            held.removeAll()  // the held slots are freed as the sockets close
            try await Task.sleep(for: .milliseconds(200))
            try await connect(to: address, as: client) { grpc in
                let ack = try await Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc)
                    .submit(Self.evaluation("PJ-after-limit"))
                #expect(ack.outcome == .accepted)
            }
        }
    }
}

import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GovCaseAdapters
import GovCaseCore
import GovCasePlugins
import Synchronization
import UnixSignals

/// Serves a Swift adapter as a plugin executable (docs/plugins.md): refuses to run unless the gateway
/// launched it, serves gRPC on the gateway's socket with health and `AdapterPluginService`, writes the one
/// handshake line, and stops gracefully on SIGTERM or SIGINT. Logs go to stderr; stdout carries the
/// handshake only.
public enum PluginMain {
    /// Protocol versions this kit speaks, oldest first.
    public static let protocolVersions = ProtocolVersions.gateway

    /// Runs until the gateway stops the plugin; exits the process with 1 if it was not launched by one.
    /// `descriptorSet` (a serialized `FileDescriptorSet`, e.g. `protoc --include_imports --descriptor_set_out`)
    /// defines the plugin's own record types: Describe gives it, with the files of any contract types the adapter
    /// accepts, so the gateway's reflection, grpcurl and the conformance kit can read its records.
    /// `translateStreams` is how many `TranslateStream` streams Describe offers (0: `TranslateBatch` calls only).
    public static func serve(
        _ adapter: AnySourceAdapter, descriptorSet: Data? = nil, translateStreams: Int = 256
    ) async throws {
        let environment = ProcessInfo.processInfo.environment
        guard environment[HandshakeEnvironment.cookieName] == HandshakeEnvironment.cookieValue else {
            FileHandle.standardError.write(
                Data(
                    ("\(adapter.info.id) \(adapter.info.version) is a GovCase Gateway adapter plugin; the gateway starts it.\n"
                        + "Register its manifest: govcase adapters register <manifest.yaml> --gateway <address>\n").utf8
                ))
            exit(1)
        }
        let offered = (environment[HandshakeEnvironment.protocolVersionsName] ?? "").split(separator: ",").map(
            String.init)
        guard let socket = environment[HandshakeEnvironment.socketName], !socket.isEmpty,
            let chosen = ProtocolVersions.common(gateway: offered, plugin: protocolVersions).last
        else {
            FileHandle.standardError.write(
                Data(
                    "no common protocol version (gateway speaks \(offered.joined(separator: ",")); this plugin speaks \(protocolVersions.joined(separator: ",")))\n"
                        .utf8))
            exit(1)
        }
        var config = HTTP2ServerTransport.Posix.Config.defaults
        config.rpc.maxRequestPayloadSize = 64 << 20
        let transport = HTTP2ServerTransport.Posix(
            address: .unixDomainSocket(path: socket), transportSecurity: .plaintext, config: config)
        let server = GRPCServer(
            transport: transport,
            services: [
                AdapterPluginServer(
                    adapter: adapter, protocolVersion: chosen, ownDescriptors: descriptorSet,
                    translateStreams: translateStreams),
                PluginHealthServer(),
            ])
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await server.serve()
                return true
            }
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                    server.beginGracefulShutdown()
                    break
                }
                return false
            }
            group.addTask {
                // The gateway holds stdin open as a pipe and never writes to it: its end means the gateway is
                // gone, however it went (SIGKILL included). Run by hand, stdin is no pipe and is not watched.
                var status = stat()
                guard fstat(0, &status) == 0, status.st_mode & S_IFMT == S_IFIFO else { return false }
                await Self.waitForEndOfStandardInput()
                FileHandle.standardError.write(Data("the gateway is gone (stdin closed); stopping\n".utf8))
                server.beginGracefulShutdown()
                return false
            }
            _ = try await transport.listeningAddress
            let line = HandshakeLine(
                protocolVersion: chosen, socketPath: socket, pluginID: adapter.info.id,
                pluginVersion: adapter.info.version)
            FileHandle.standardOutput.write(Data((line.text + "\n").utf8))
            // Once the server has stopped, nothing else is waited for.
            while let served = try await group.next() {
                if served { break }
            }
            group.cancelAll()
        }
    }
}

extension PluginMain {
    /// Returns at the end of standard input, read on a thread of its own (a blocking read holds no task's
    /// thread), or when the task is cancelled (the server stopped on SIGTERM: the reading thread is left to the
    /// process's exit).
    static func waitForEndOfStandardInput() async {
        let waiting = Mutex<CheckedContinuation<Void, Never>?>(nil)
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                waiting.withLock { $0 = continuation }
                if Task.isCancelled { waiting.withLock { $0.take() }?.resume() }
                Thread.detachNewThread {
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    while true {
                        let count = read(0, &buffer, buffer.count)
                        if count > 0 || (count < 0 && errno == EINTR) { continue }
                        break
                    }
                    waiting.withLock { $0.take() }?.resume()
                }
            }
        } onCancel: {
            waiting.withLock { $0.take() }?.resume()
        }
    }
}

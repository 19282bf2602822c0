import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GovCaseProto
import SwiftProtobuf
import GovCaseTestSupport
import Testing

@testable import GovCasePlugins

/// The gateway's side of `TranslateStream` (plugin.proto) against a plugin server made to behave, or not, on
/// a real Unix domain socket: answers reach the batch that waits for them, a silence is a missed deadline, and
/// a plugin that breaks the stream's rules fails the batch that met it, never a later one.
@Suite(.heavy) struct TranslationStreamsTests {
    /// How the test plugin answers on a stream.
    enum Behaviour: String, Sendable {
        /// One answer per batch, a result per record.
        case answers
        /// Reads batches and never answers.
        case silent
        /// Answers every batch twice.
        case twice
        /// Ends the stream on its first batch, without an answer.
        case ends
    }

    struct StreamingPlugin: Govcase_Plugin_V1_AdapterPluginService.SimpleServiceProtocol {
        let behaviour: Behaviour

        func translateStream(
            request: RPCAsyncSequence<Govcase_Plugin_V1_TranslateBatchRequest, any Error>,
            response: RPCWriter<Govcase_Plugin_V1_TranslateBatchResponse>, context: ServerContext
        ) async throws {
            for try await batch in request {
                let answer = Govcase_Plugin_V1_TranslateBatchResponse.with {
                    $0.responses = batch.requests.map { _ in .with { $0.rejection = .init() } }
                }
                switch behaviour {
                case .answers: try await response.write(answer)
                case .silent: continue
                case .twice:
                    try await response.write(answer)
                    try await response.write(answer)
                case .ends: return
                }
            }
        }

        func describe(request: Govcase_Plugin_V1_DescribeRequest, context: ServerContext) async throws
            -> Govcase_Plugin_V1_DescribeResponse
        { throw RPCError(code: .unimplemented, message: "") }
        func translate(request: Govcase_Plugin_V1_TranslateRequest, context: ServerContext) async throws
            -> Govcase_Plugin_V1_TranslateResponse
        { throw RPCError(code: .unimplemented, message: "") }
        func translateBatch(request: Govcase_Plugin_V1_TranslateBatchRequest, context: ServerContext) async throws
            -> Govcase_Plugin_V1_TranslateBatchResponse
        { throw RPCError(code: .unimplemented, message: "") }
        func render(request: Govcase_Plugin_V1_RenderRequest, context: ServerContext) async throws
            -> Govcase_Plugin_V1_RenderResponse
        { throw RPCError(code: .unimplemented, message: "") }
        func renderBatch(request: Govcase_Plugin_V1_RenderBatchRequest, context: ServerContext) async throws
            -> Govcase_Plugin_V1_RenderBatchResponse
        { throw RPCError(code: .unimplemented, message: "") }
    }

    /// Serves the test plugin on a fresh socket, connects, runs the streams (at most `limit`), and hands them to
    /// `body`; `body` may cancel the streams' task (the launch ending) with the closure it is given.
    func withStreams(
        _ behaviour: Behaviour, limit: Int = 4,
        _ body: (TranslationStreams, _ endLaunch: @Sendable () -> Void) async throws -> Void
    ) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "streams-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let socket = folder.appendingPathComponent("plugin.sock").path
        let listener = HTTP2ServerTransport.Posix(
            address: .unixDomainSocket(path: socket), transportSecurity: .plaintext)
        let server = GRPCServer(transport: listener, services: [StreamingPlugin(behaviour: behaviour)])
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            defer { server.beginGracefulShutdown() }
            // Connect once the socket is bound: under a loaded run the client could otherwise get there first.
            _ = try await listener.listeningAddress
            let transport = try HTTP2ClientTransport.Posix(
                target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)
            try await withGRPCClient(transport: transport) { grpc in
                let streams = TranslationStreams(client: PluginClient(wrapping: grpc), limit: limit)
                let running = Task { await streams.run() }
                try await body(streams) { running.cancel() }
                running.cancel()
                await running.value
            }
        }
    }

    /// A deadline for batches that should be answered: far enough that a loaded machine (the whole suite on two
    /// cores) never reaches it, so only the silent plugin's test meets one.
    static let generous = Duration.seconds(120)

    static func batch(_ records: Int) -> BatchRequest {
        .with { $0.requests = Array(repeating: .init(), count: records) }
    }

    @Test func eachBatchGetsItsOwnAnswerAndAnIdleStreamIsUsedAgain() async throws {
        try await withStreams(.answers) { streams, _ in
            for records in [1, 3, 2] {
                let stream = try #require(streams.checkOut())
                let answer = try await stream.exchange(Self.batch(records), deadline: Self.generous)
                streams.checkIn(stream)
                #expect(answer.responses.count == records)
            }
            #expect(streams.openCount == 1)
        }
    }

    @Test func atTheLimitABatchFindsNoStreamAndGoesAsACall() async throws {
        try await withStreams(.answers, limit: 2) { streams, _ in
            let first = try #require(streams.checkOut())
            let second = try #require(streams.checkOut())
            #expect(streams.checkOut() == nil)
            streams.checkIn(first)
            #expect(streams.checkOut() === first)
            streams.checkIn(second)
        }
    }

    @Test func aBatchNeverAnsweredMissesItsDeadlineAndTheStreamIsDropped() async throws {
        try await withStreams(.silent) { streams, _ in
            let stream = try #require(streams.checkOut())
            await #expect {
                _ = try await stream.exchange(Self.batch(1), deadline: .milliseconds(200))
            } throws: { ($0 as? RPCError)?.code == .deadlineExceeded }
            #expect(!stream.isOpen)
            streams.checkIn(stream)
            #expect(streams.checkOut() !== stream)
        }
    }

    @Test func anAnswerNobodyAskedForEndsThatStreamAndTheNextBatchGetsAFreshOne() async throws {
        try await withStreams(.twice) { streams, _ in
            let stream = try #require(streams.checkOut())
            let answer = try await stream.exchange(Self.batch(2), deadline: Self.generous)
            #expect(answer.responses.count == 2)
            // The second answer arrives with no batch waiting: the stream ends.
            while stream.isOpen { try await Task.sleep(for: .milliseconds(10)) }
            streams.checkIn(stream)
            let next = try #require(streams.checkOut())
            #expect(next !== stream)
            #expect(try await next.exchange(Self.batch(1), deadline: Self.generous).responses.count == 1)
        }
    }

    @Test func aStreamThePluginEndsFailsTheBatchWaitingOnIt() async throws {
        try await withStreams(.ends) { streams, _ in
            let stream = try #require(streams.checkOut())
            await #expect(throws: PluginStreamError.endedByPlugin) {
                _ = try await stream.exchange(Self.batch(1), deadline: Self.generous)
            }
        }
    }

    @Test func theLaunchEndingFailsTheWaitingBatchAsAConnectionLost() async throws {
        try await withStreams(.silent) { streams, endLaunch in
            let stream = try #require(streams.checkOut())
            let answer = Task { try await stream.exchange(Self.batch(1), deadline: Self.generous) }
            try await Task.sleep(for: .milliseconds(100))
            endLaunch()
            await #expect {
                _ = try await answer.value
            } throws: { ($0 as? RPCError)?.code == .unavailable }
            #expect(streams.checkOut() == nil)
        }
    }
}

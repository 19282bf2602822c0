import Foundation
import GRPCCore
import SwiftProtobuf
import Synchronization

/// The wire exchange of one case (`--trace`): each request and response message in protobuf text format, the
/// metadata both ways, and how each call ended, with milliseconds since the case began. The runner gives every
/// case its own trace as a task local; the report keeps the traces of cases that failed, so an integrator
/// sees what the kit sent and what came back. Bounded: a flood of messages cannot grow the kit without end.
public final class WireTrace: Sendable {
    @TaskLocal public static var current: WireTrace?

    /// Most lines kept, and most characters of one line.
    static let maxLines = 2_000
    static let maxLineCharacters = 4_000

    private let started = ContinuousClock.now
    private let state = Mutex<(lines: [String], dropped: Int)>(([], 0))

    public init() {}

    /// Adds a line to the current case's trace, if the run is tracing.
    public static func note(_ line: @autoclosure () -> String) {
        current?.append(line())
    }

    func append(_ line: String) {
        let ms = (ContinuousClock.now - started) / .milliseconds(1)
        var text = String(format: "%8.1f ms  ", ms) + line
        if text.count > Self.maxLineCharacters {
            text = String(text.prefix(Self.maxLineCharacters)) + " …(cut)"
        }
        state.withLock {
            if $0.lines.count < Self.maxLines { $0.lines.append(text) } else { $0.dropped += 1 }
        }
    }

    /// The trace as text.
    public var text: String {
        state.withLock { state in
            state.lines.joined(separator: "\n")
                + (state.dropped > 0 ? "\n… \(state.dropped) more line(s) not kept" : "") + "\n"
        }
    }

    /// A message as the trace shows it: protobuf text format on one line when it is a protobuf message.
    static func describe(_ message: some Sendable) -> String {
        guard let message = message as? any SwiftProtobuf.Message else { return "\(type(of: message))" }
        let text = message.textFormatString().split(separator: "\n").map {
            $0.trimmingCharacters(in: .whitespaces)
        }.joined(separator: " ")
        return "\(type(of: message)) { \(text) }"
    }

    static func describe(_ metadata: Metadata) -> String {
        metadata.map { key, value in
            switch value {
            case .string(let text): "\(key): \(text)"
            case .binary(let bytes): "\(key): <\(bytes.count) bytes>"
            }
        }.joined(separator: ", ")
    }
}

/// Records every call the kit makes on a connection into the current case's trace (nothing when not tracing).
struct WireTraceInterceptor: ClientInterceptor {
    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>, context: ClientContext,
        next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        guard WireTrace.current != nil else { return try await next(request, context) }
        let method = context.descriptor.fullyQualifiedMethod
        WireTrace.note("→ \(method) headers [\(WireTrace.describe(request.metadata))]")
        var traced = request
        traced.producer = { writer in
            try await request.producer(
                RPCWriter(wrapping: TracingWriter(base: writer, method: method)))
        }
        let response: StreamingClientResponse<Output>
        do {
            response = try await next(traced, context)
        } catch {
            WireTrace.note("✕ \(method) failed: \(error)")
            throw error
        }
        switch response.accepted {
        case .success(var contents):
            WireTrace.note("← \(method) headers [\(WireTrace.describe(contents.metadata))]")
            let parts = contents.bodyParts
            contents.bodyParts = RPCAsyncSequence(wrapping: TracingParts(base: parts, method: method))
            return StreamingClientResponse(accepted: .success(contents))
        case .failure(let error):
            WireTrace.note(
                "← \(method) status \(error.code) \"\(error.message)\" [\(WireTrace.describe(error.metadata))]")
            return response
        }
    }
}

/// Notes each request message as it is written.
private struct TracingWriter<Element: Sendable>: RPCWriterProtocol {
    let base: RPCWriter<Element>
    let method: String

    func write(_ element: Element) async throws {
        WireTrace.note("→ \(method) \(WireTrace.describe(element))")
        try await base.write(element)
    }

    func write(contentsOf elements: some Sequence<Element>) async throws {
        for element in elements { try await write(element) }
    }
}

/// Notes each response message, the trailers and the status as they arrive.
private struct TracingParts<Output: Sendable>: AsyncSequence, Sendable {
    typealias Element = StreamingClientResponse<Output>.Contents.BodyPart
    let base: RPCAsyncSequence<Element, any Error>
    let method: String

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RPCAsyncSequence<Element, any Error>.AsyncIterator
        let method: String

        mutating func next() async throws -> Element? {
            do {
                let part = try await base.next()
                switch part {
                case .message(let message): WireTrace.note("← \(method) \(WireTrace.describe(message))")
                case .trailingMetadata(let trailers):
                    WireTrace.note("← \(method) trailers [\(WireTrace.describe(trailers))]")
                case nil: WireTrace.note("← \(method) end of stream")
                }
                return part
            } catch let error as RPCError {
                WireTrace.note(
                    "← \(method) status \(error.code) \"\(error.message)\" [\(WireTrace.describe(error.metadata))]")
                throw error
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), method: method) }
}

import Logging
import Synchronization

/// The lines a logger wrote, kept in memory so a test can read what an operator would see.
final class CapturedLog: Sendable {
    struct Line: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    private let storage = Mutex<[Line]>([])

    /// What was written so far.
    var lines: [Line] { storage.withLock { $0 } }

    /// The lines whose message contains `text`.
    func lines(containing text: String) -> [Line] { lines.filter { $0.message.contains(text) } }

    /// A logger writing here.
    var logger: Logger { Logger(label: "test") { _ in Handler(log: self) } }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            let line = Line(
                level: event.level, message: "\(event.message)", metadata: all.mapValues { "\($0)" })
            log.storage.withLock { $0.append(line) }
        }
    }
}

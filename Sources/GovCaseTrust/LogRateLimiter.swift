/// At most one log line per key per `interval`, counting the events it holds back so the next line can say how
/// many there were. A pure value: the owner keeps it (under a lock) and asks it at each event, so the rule is
/// tested without a logger or a clock.
///
/// Events held back in the last interval before the events stop are never reported; a line says "N since the
/// last line", not a total.
public struct LogRateLimiter<Key: Hashable & Sendable>: Sendable {
    /// Whether to write a line for an event.
    public enum Decision: Sendable, Hashable {
        /// Write it, saying how many events of the key were held back since its last line.
        case log(suppressedSinceLastLine: Int)
        /// Hold it back: a line for the key was written less than `interval` ago.
        case suppress
    }

    /// The shortest time between two lines of one key.
    public let interval: Duration
    private var keys: [Key: (lastLine: ContinuousClock.Instant, suppressed: Int)] = [:]

    public init(interval: Duration = .seconds(60)) {
        self.interval = interval
    }

    /// The decision for an event of `key` at `now`, remembered for the next.
    public mutating func decide(_ key: Key, at now: ContinuousClock.Instant) -> Decision {
        if let entry = keys[key], now < entry.lastLine.advanced(by: interval) {
            keys[key] = (entry.lastLine, entry.suppressed + 1)
            return .suppress
        }
        let suppressed = keys[key]?.suppressed ?? 0
        keys[key] = (now, 0)
        return .log(suppressedSinceLastLine: suppressed)
    }
}

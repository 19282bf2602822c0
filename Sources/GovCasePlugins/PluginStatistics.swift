import Foundation

/// What an operator sees of a plugin (adapters.proto, `PluginStatus`).
public struct PluginStatistics: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        case starting, ready, backingOff = "backing-off", quarantined, stopped
    }

    public var state: State = .starting
    public var pid: Int32 = 0
    public var restarts: UInt64 = 0
    public var lastError = ""
    public var quarantineReason = ""
    public var calls: UInt64 = 0
    public var callErrors: UInt64 = 0
    public var records: UInt64 = 0
    /// Sum of successful calls' durations, microseconds.
    public var callMicros: UInt64 = 0
    public var stderrLinesDropped: UInt64 = 0
    /// Of `calls`, the batches sent over a TranslateStream.
    public var streamBatches: UInt64 = 0
    /// TranslateStream streams open now.
    public var openStreams = 0
    /// Records that crashed the plugin alone, refused at once since (`PoisonRecord`).
    public var poisonRecords: [PoisonRecord] = []

    /// Mean duration of a successful call, microseconds.
    public var meanCallMicros: UInt64 {
        let succeeded = calls - min(calls, callErrors)
        return succeeded == 0 ? 0 : callMicros / succeeded
    }
}

import Foundation

/// What validation needs from outside the record: the time, and the limits a deployment configures.
public struct ValidationContext: Sendable {
    /// The current time; validation reads no clock.
    public var now: Date
    /// How far into the future a source's time may be, for clocks that run ahead.
    public var clockSkew: TimeInterval
    /// Maximum text lengths, in characters.
    public var limits: TextLimits
    /// Offset of local time from UTC, for birth dates in ID numbers.
    public var utcOffsetSeconds: Int

    public init(
        now: Date, clockSkew: TimeInterval = 300, limits: TextLimits = .init(), utcOffsetSeconds: Int = 8 * 3600
    ) {
        self.now = now
        self.clockSkew = clockSkew
        self.limits = limits
        self.utcOffsetSeconds = utcOffsetSeconds
    }
}

/// Maximum text lengths in characters (grapheme clusters, so one Chinese character counts as one).
public struct TextLimits: Sendable, Hashable {
    /// Request title.
    public var title: Int
    /// Request content and demand.
    public var content: Int
    /// Evaluation text and questionnaire suggestion.
    public var evaluationText: Int
    /// Names, units, identifiers and other short fields.
    public var shortText: Int
    /// Addresses.
    public var address: Int

    public init(
        title: Int = 200, content: Int = 4000, evaluationText: Int = 2000, shortText: Int = 100, address: Int = 500
    ) {
        self.title = title
        self.content = content
        self.evaluationText = evaluationText
        self.shortText = shortText
        self.address = address
    }
}

/// A length of time a rule allows: working days on the region's calendar, or natural days counted plainly.
public enum Period: Sendable, Hashable, CustomStringConvertible {
    /// Working days (工作日), skipping weekends and holidays and counting 调休 working days.
    case workingDays(Int)
    /// Natural days (自然日).
    case naturalDays(Int)

    public var description: String {
        switch self {
        case .workingDays(let n): "\(n) working days"
        case .naturalDays(let n): "\(n) natural days"
        }
    }
}

import Foundation

/// The receipt window an export covers, in China time: `week` is the last whole week (Monday 00:00 to the next
/// Monday 00:00) before now, `month` the last whole calendar month, `2026-11-01..2026-11-30` those days inclusive.
public struct ExportPeriod: Sendable, Equatable {
    /// First instant included.
    public var from: Date
    /// First instant not included.
    public var until: Date
    /// As given, for the record and the summary.
    public var text: String

    public init(_ text: String, now: Date) throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = ChinaTime.zone
        calendar.firstWeekday = 2  // Monday
        let today = calendar.startOfDay(for: now)
        self.text = text
        switch text {
        case "week":
            let thisWeek = calendar.dateInterval(of: .weekOfYear, for: today)!.start
            until = thisWeek
            from = calendar.date(byAdding: .day, value: -7, to: thisWeek)!
        case "month":
            let thisMonth = calendar.dateInterval(of: .month, for: today)!.start
            until = thisMonth
            from = calendar.date(byAdding: .month, value: -1, to: thisMonth)!
        default:
            let parts = text.components(separatedBy: "..")
            guard parts.count == 2, let first = Self.day(parts[0], calendar), let last = Self.day(parts[1], calendar)
            else {
                throw ImportError("--period is week, month or FROM..TO (2026-11-01..2026-11-30, days in China time); not \(text)")
            }
            guard first <= last else { throw ImportError("--period \(text): the first day is after the last") }
            from = first
            until = calendar.date(byAdding: .day, value: 1, to: last)!
        }
    }

    private static func day(_ text: String, _ calendar: Calendar) -> Date? {
        guard text.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) != nil, let date = ChinaTime.parse(text) else { return nil }
        return calendar.startOfDay(for: date)
    }
}

import Foundation

/// Times in data files: China time (UTC+8, no daylight saving) unless the text carries its own offset.
public enum ChinaTime {
    /// UTC+8.
    public static let zone = TimeZone(secondsFromGMT: 8 * 3600)!

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }()

    nonisolated(unsafe) private static let pattern =
        #/^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:\.(\d{1,9}))?秒?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/#

    /// Parses `2024-05-06 09:12:00`, `2024/5/6 9:12`, `2024-05-06`, `2024年5月6日 9:12`, or RFC 3339 with an offset.
    /// A date that does not exist (2024-02-30, 25:00) is nil.
    public static func parse(_ text: String) -> Date? {
        guard let m = text.wholeMatch(of: pattern) else { return nil }
        let year = Int(m.1)!, month = Int(m.2)!, day = Int(m.3)!
        let hour = m.4.map { Int($0)! } ?? 0, minute = m.5.map { Int($0)! } ?? 0, second = m.6.map { Int($0)! } ?? 0
        guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute),
            (0...59).contains(second)
        else { return nil }
        var offset = 8 * 3600
        if let z = m.8 {
            if z == "Z" {
                offset = 0
            } else {
                let digits = z.dropFirst().filter { $0 != ":" }
                let minutes = Int(digits.prefix(2))! * 60 + Int(digits.suffix(2))!
                offset = (z.first == "-" ? -1 : 1) * minutes * 60
            }
        }
        var components = DateComponents()
        (components.year, components.month, components.day) = (year, month, day)
        (components.hour, components.minute, components.second) = (hour, minute, second)
        var cal = calendar
        cal.timeZone = TimeZone(secondsFromGMT: offset)!
        guard let date = cal.date(from: components),
            cal.dateComponents([.year, .month, .day], from: date) == DateComponents(year: year, month: month, day: day)
        else { return nil }
        let fraction = m.7.map { Double("0." + $0)! } ?? 0
        return date.addingTimeInterval(fraction)
    }

    /// `date` as RFC 3339 in UTC (`2024-05-06T01:12:00Z`), as protobuf JSON takes a Timestamp.
    public static func rfc3339UTC(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let nanos = Int((date.timeIntervalSince1970 - Double(seconds)) * 1e9 + 0.5)
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(secondsFromGMT: 0)!
        let c = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(seconds)))
        var text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
        if nanos > 0, nanos < 1_000_000_000 { text += String(format: ".%09d", nanos) }
        return text + "Z"
    }

    /// `date` in China time as `2024-05-06 09:12:00`, as files are written.
    public static func format(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }
}

import Foundation

/// Who makes a service node's default rating (默认评价) when its default-rating time passes unrated.
public enum DefaultRatingMaker: String, Sendable, Hashable, CaseIterable {
    /// The source system pushes its own default ratings; at the time the gateway raises `defaultRatingDue` on a
    /// node still unrated, so the region sees what its source failed to send.
    case source
    /// The gateway makes the default evaluation itself (`Case.defaultEvaluation`), in the transaction that raises
    /// `defaultRatingDue`, whose note names the new case.
    case gateway
}

/// A region's deadline rules; every period is configurable.
public struct DeadlinePolicy: Sendable, Hashable {
    /// The region's working calendar.
    public var calendar: WorkingCalendar
    /// Offset of the region's time from UTC; China Standard Time is +8 h all year.
    public var utcOffsetSeconds: Int
    /// Rectification of a bad review fixed by a deadline (限期整改): 5 working days (Tongnan rule).
    public var badReviewRectification: Period
    /// After this, a service not evaluated gets the default rating: 7 natural days (Tongnan, Guangdong).
    public var defaultRating: Period
    /// The level of that default rating: 基本满意 (Tongnan, Guangdong); one province records 非常满意.
    public var defaultRatingLevel: SatisfactionLevel = .basicallySatisfied
    /// Who makes that default rating when the time passes: the source system (the gateway only checks that one
    /// arrived), or the gateway itself.
    public var defaultRatingMadeBy: DefaultRatingMaker = .source
    /// Acceptance decision on a tourism complaint: 5 working days (旅游投诉处理办法).
    public var tourismComplaintAcceptance: Period
    /// Mediation of an accepted tourism complaint: 60 natural days.
    public var tourismComplaintMediation: Period
    /// Handling limits of 12345 work orders by request kind (办理时限), for orders whose source sets none.
    /// Empty by default: the limits are each hotline's own rules, so a deployment configures them.
    public var requestHandling: [CaseKind: Period]

    public init(
        calendar: WorkingCalendar = .chinaMainland, utcOffsetSeconds: Int = 8 * 3600,
        badReviewRectification: Period = .workingDays(5), defaultRating: Period = .naturalDays(7),
        tourismComplaintAcceptance: Period = .workingDays(5), tourismComplaintMediation: Period = .naturalDays(60),
        requestHandling: [CaseKind: Period] = [:]
    ) {
        self.calendar = calendar
        self.utcOffsetSeconds = utcOffsetSeconds
        self.badReviewRectification = badReviewRectification
        self.defaultRating = defaultRating
        self.tourismComplaintAcceptance = tourismComplaintAcceptance
        self.tourismComplaintMediation = tourismComplaintMediation
        self.requestHandling = requestHandling
    }

    /// The national defaults.
    public static let standard = DeadlinePolicy()

    /// The last local day of `period` starting at `start`; the start day itself is not counted.
    ///
    /// - Throws: `CalendarGap` when working days run into a year the calendar does not hold.
    public func lastDay(of period: Period, startingAt start: Date) throws(CalendarGap) -> CivilDate {
        let startDay = CivilDate(start, utcOffsetSeconds: utcOffsetSeconds)
        switch period {
        case .workingDays(let n): return try calendar.addingWorkingDays(n, to: startDay)
        case .naturalDays(let n): return startDay.adding(days: n)
        }
    }

    /// The instant `period` starting at `start` runs out: the end of its last local day
    /// (the next day's 00:00 local time), so anything done on the last day is on time.
    ///
    /// - Throws: `CalendarGap` when working days run into a year the calendar does not hold.
    public func deadline(of period: Period, startingAt start: Date) throws(CalendarGap) -> Date {
        try lastDay(of: period, startingAt: start).adding(days: 1).start(utcOffsetSeconds: utcOffsetSeconds)
    }

    /// `deadline(of:startingAt:)`, or `nil` with the reason added to `deadlines.unavailable` under `field`, so a
    /// case whose deadline cannot be computed says so instead of carrying a wrong one.
    func deadline(of period: Period, startingAt start: Date, for field: String, in deadlines: inout Deadlines)
        -> Date?
    {
        do { return try deadline(of: period, startingAt: start) } catch {
            deadlines.unavailable.append("\(field): \(error)")
            return nil
        }
    }
}

/// Deadline policies by region: the policy of the longest matching region-code prefix, else the fallback.
public struct RegionalDeadlinePolicies: Sendable, Hashable {
    /// Policy for regions without their own.
    public var fallback: DeadlinePolicy
    /// Policies by region-code prefix, e.g. `50` for Chongqing or `500151` for Tongnan district.
    public var byRegionPrefix: [String: DeadlinePolicy]

    public init(fallback: DeadlinePolicy = .standard, byRegionPrefix: [String: DeadlinePolicy] = [:]) {
        self.fallback = fallback
        self.byRegionPrefix = byRegionPrefix
    }

    /// The policy for a six-digit region code.
    public func policy(forRegion code: String) -> DeadlinePolicy {
        var prefix = Substring(code)
        while !prefix.isEmpty {
            if let policy = byRegionPrefix[String(prefix)] { return policy }
            prefix = prefix.dropLast()
        }
        return fallback
    }
}

import Foundation
import GovCaseCore
import GovCasePolicy

/// The `deadlines` part of the configuration: periods by region and the holiday calendar, over the built-in
/// national defaults (`DeadlinePolicy.standard`, `WorkingCalendar.chinaMainland`).
///
/// ```yaml
/// deadlines:
///   default:                                  # every key optional; the national default where left out
///     bad_review_rectification: 5 working days
///     default_rating: 7 natural days
///     default_rating_level: 3                 # 1–5; 3 = 基本满意, 5 = 非常满意
///     default_rating_made_by: source          # source (the gateway checks) or gateway (the gateway makes it)
///     tourism_complaint_acceptance: 5 working days
///     tourism_complaint_mediation: 60 natural days
///     request_handling: { complaint: 15 working days, consultation: 1 working days }
///   regions:                                  # by region-code prefix; the longest prefix wins
///     "500151": { bad_review_rectification: 3 working days }
///   calendar:                                 # added to the built-in 2024–2026 schedules
///     years: [2027]
///     holidays: ["2027-01-01"]
///     make_up_workdays: []
/// ```
public struct DeadlineConfiguration: Sendable, Hashable, Decodable {
    /// Settings for every region; a region's own settings are applied over them.
    public var defaults: PolicySettings
    /// Settings by region-code prefix.
    public var regions: [String: PolicySettings]
    /// Holiday schedules beyond the built-in years.
    public var calendar: CalendarSettings

    public init(defaults: PolicySettings = .init(), regions: [String: PolicySettings] = [:]) {
        self.defaults = defaults
        self.regions = regions
        self.calendar = CalendarSettings()
    }

    /// The deadline policies these settings give.
    public var policies: RegionalDeadlinePolicies {
        var base = DeadlinePolicy.standard
        base.calendar = base.calendar.merging(calendar.workingCalendar)
        let fallback = defaults.applied(to: base)
        return RegionalDeadlinePolicies(
            fallback: fallback, byRegionPrefix: regions.mapValues { $0.applied(to: fallback) })
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case defaults = "default"
        case regions, calendar
    }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        defaults = try c.decodeIfPresent(PolicySettings.self, forKey: .defaults) ?? PolicySettings()
        regions = try c.decodeIfPresent([String: PolicySettings].self, forKey: .regions) ?? [:]
        calendar = try c.decodeIfPresent(CalendarSettings.self, forKey: .calendar) ?? CalendarSettings()
        for prefix in regions.keys
        where prefix.isEmpty || prefix.count > 6 || !prefix.allSatisfy(\.isASCII)
            || !prefix.allSatisfy(\.isNumber)
        {
            throw DecodingError.dataCorruptedError(
                forKey: .regions, in: c, debugDescription: "\"\(prefix)\" is not a region-code prefix")
        }
    }

    /// One region's periods; `nil` keeps what it inherits.
    public struct PolicySettings: Sendable, Hashable, Decodable {
        public var badReviewRectification: Period?
        public var defaultRating: Period?
        public var defaultRatingLevel: SatisfactionLevel?
        public var defaultRatingMadeBy: DefaultRatingMaker?
        public var tourismComplaintAcceptance: Period?
        public var tourismComplaintMediation: Period?
        public var requestHandling: [CaseKind: Period] = [:]

        public init() {}

        func applied(to policy: DeadlinePolicy) -> DeadlinePolicy {
            var policy = policy
            if let badReviewRectification { policy.badReviewRectification = badReviewRectification }
            if let defaultRating { policy.defaultRating = defaultRating }
            if let defaultRatingLevel { policy.defaultRatingLevel = defaultRatingLevel }
            if let defaultRatingMadeBy { policy.defaultRatingMadeBy = defaultRatingMadeBy }
            if let tourismComplaintAcceptance { policy.tourismComplaintAcceptance = tourismComplaintAcceptance }
            if let tourismComplaintMediation { policy.tourismComplaintMediation = tourismComplaintMediation }
            policy.requestHandling.merge(requestHandling) { _, new in new }
            return policy
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case badReviewRectification = "bad_review_rectification"
            case defaultRating = "default_rating"
            case defaultRatingLevel = "default_rating_level"
            case defaultRatingMadeBy = "default_rating_made_by"
            case tourismComplaintAcceptance = "tourism_complaint_acceptance"
            case tourismComplaintMediation = "tourism_complaint_mediation"
            case requestHandling = "request_handling"
        }

        public init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            func period(_ key: CodingKeys) throws -> Period? {
                guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
                guard let period = Period(configuration: text) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: key, in: c,
                        debugDescription:
                            "\"\(text)\" is not a period: write e.g. \"5 working days\" or \"7 natural days\"")
                }
                return period
            }
            badReviewRectification = try period(.badReviewRectification)
            defaultRating = try period(.defaultRating)
            if let level = try c.decodeIfPresent(Int.self, forKey: .defaultRatingLevel) {
                guard let known = SatisfactionLevel(rawValue: level) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .defaultRatingLevel, in: c,
                        debugDescription: "\(level) is not a level: write 1 (非常不满意) to 5 (非常满意)")
                }
                defaultRatingLevel = known
            }
            if let maker = try c.decodeIfPresent(String.self, forKey: .defaultRatingMadeBy) {
                guard let known = DefaultRatingMaker(rawValue: maker) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .defaultRatingMadeBy, in: c,
                        debugDescription: "\"\(maker)\" is not who makes default ratings: write source or gateway")
                }
                defaultRatingMadeBy = known
            }
            tourismComplaintAcceptance = try period(.tourismComplaintAcceptance)
            tourismComplaintMediation = try period(.tourismComplaintMediation)
            let limits = try c.decodeIfPresent([String: String].self, forKey: .requestHandling) ?? [:]
            let kinds = CaseKind.allCases.filter(\.isRequest).map { $0.configurationName }
            for (name, text) in limits {
                guard let kind = CaseKind.allCases.first(where: { $0.isRequest && $0.configurationName == name }) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .requestHandling, in: c,
                        debugDescription: "unknown key \"\(name)\"; allowed: \(kinds.joined(separator: ", "))")
                }
                guard let period = Period(configuration: text) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .requestHandling, in: c,
                        debugDescription: "\(name): \"\(text)\" is not a period, e.g. \"15 working days\"")
                }
                requestHandling[kind] = period
            }
        }
    }

    /// Holiday schedules for years the built-in calendar does not hold.
    public struct CalendarSettings: Sendable, Hashable, Decodable {
        /// Years whose schedule is given here; working days are counted only through known years.
        public var years: [Int] = []
        /// Days off, `YYYY-MM-DD`, each in one of `years`.
        public var holidays: [String] = []
        /// Weekend days worked (调休上班), `YYYY-MM-DD`, each in one of `years`.
        public var makeUpWorkdays: [String] = []

        public init() {}

        var workingCalendar: WorkingCalendar {
            WorkingCalendar(
                holidays: Set(holidays.compactMap(CivilDate.init)),
                makeUpWorkdays: Set(makeUpWorkdays.compactMap(CivilDate.init)), coveredYears: Set(years))
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case years, holidays
            case makeUpWorkdays = "make_up_workdays"
        }

        public init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            years = try c.decodeIfPresent([Int].self, forKey: .years) ?? []
            holidays = try c.decodeIfPresent([String].self, forKey: .holidays) ?? []
            makeUpWorkdays = try c.decodeIfPresent([String].self, forKey: .makeUpWorkdays) ?? []
            for (key, days) in [(CodingKeys.holidays, holidays), (.makeUpWorkdays, makeUpWorkdays)] {
                for text in days {
                    guard let day = CivilDate(text) else {
                        throw DecodingError.dataCorruptedError(
                            forKey: key, in: c, debugDescription: "\"\(text)\" is not a date (YYYY-MM-DD)")
                    }
                    guard years.contains(day.year) else {
                        throw DecodingError.dataCorruptedError(
                            forKey: key, in: c,
                            debugDescription: "\(text) is in \(day.year), which `years` does not list; list the year "
                                + "to declare its whole schedule given")
                    }
                }
            }
        }
    }
}

extension Period {
    /// `"5 working days"`, `"1 working day"`, `"7 natural days"`.
    init?(configuration text: String) {
        let words = text.split(separator: " ")
        guard words.count == 3, let n = Int(words[0]), n >= 0, ["day", "days"].contains(words[2]) else { return nil }
        switch words[1] {
        case "working": self = .workingDays(n)
        case "natural": self = .naturalDays(n)
        default: return nil
        }
    }
}

extension CaseKind {
    /// The kind's name in configuration: snake case, e.g. `help_request`.
    var configurationName: String {
        rawValue.reduce(into: "") { name, character in
            if character.isUppercase { name += "_" + character.lowercased() } else { name.append(character) }
        }
    }
}

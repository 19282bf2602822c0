import Foundation
import GovCaseCore
import Testing

@Suite struct CivilDateTests {
    @Test(arguments: ["1970-01-01", "2000-02-29", "2024-10-01", "2026-11-23", "1949-10-01"])
    func daysSinceEpochRoundTrips(text: String) throws {
        let date = try #require(CivilDate(text))
        #expect(CivilDate(daysSinceEpoch: date.daysSinceEpoch) == date)
        #expect(date.description == text)
    }

    @Test func weekdays() throws {
        #expect(CivilDate("1970-01-01")!.isoWeekday == 4)  // Thursday
        #expect(CivilDate("2024-10-12")!.isoWeekday == 6)  // Saturday
        #expect(CivilDate("2024-09-29")!.isoWeekday == 7)  // Sunday
        #expect(CivilDate("1949-10-01")!.isoWeekday == 6)  // Saturday
    }

    @Test(arguments: ["2023-02-29", "2024-13-01", "2024-04-31", "24-01-01", "2024-1-1"])
    func invalidDatesAreRefused(text: String) { #expect(CivilDate(text) == nil) }

    @Test func theLocalDayUsesTheRegionsOffset() throws {
        // 2024-09-30 16:30 UTC is 2024-10-01 00:30 in Beijing.
        let instant = Date(timeIntervalSince1970: 1_727_713_800)
        #expect(CivilDate(instant, utcOffsetSeconds: 0) == CivilDate("2024-09-30"))
        #expect(CivilDate(instant, utcOffsetSeconds: 8 * 3600) == CivilDate("2024-10-01"))
    }
}

@Suite struct WorkingCalendarTests {
    let calendar = WorkingCalendar.chinaMainland

    func day(_ text: String) -> CivilDate { CivilDate(text)! }

    @Test func plainWeeksSkipTheWeekend() throws {
        // Thursday 2025-03-13 + 5 working days: Fri 14, Mon 17, Tue 18, Wed 19, Thu 20.
        #expect(try calendar.addingWorkingDays(5, to: day("2025-03-13")) == day("2025-03-20"))
        // Counting from a Saturday starts on Monday.
        #expect(try calendar.addingWorkingDays(1, to: day("2025-03-15")) == day("2025-03-17"))
        #expect(try calendar.addingWorkingDays(0, to: day("2025-03-15")) == day("2025-03-15"))
    }

    @Test func goldenWeekAndItsMakeUpSunday() throws {
        // 2024 National Day: 1–7 October off; Sunday 29 September and Saturday 12 October worked.
        // From Friday 27 September: Sun 29 (调休), Mon 30, Tue 8 Oct, Wed 9, Thu 10.
        #expect(try calendar.addingWorkingDays(5, to: day("2024-09-27")) == day("2024-10-10"))
        #expect(calendar.isWorkingDay(day("2024-09-29")))
        #expect(!calendar.isWorkingDay(day("2024-10-03")))  // a Thursday in Golden Week
    }

    @Test func aMakeUpSaturdayCounts() throws {
        // From Wednesday 9 October 2024: Thu 10, Fri 11, Sat 12 (调休上班), Mon 14, Tue 15.
        #expect(try calendar.addingWorkingDays(5, to: day("2024-10-09")) == day("2024-10-15"))
        #expect(try calendar.addingWorkingDays(3, to: day("2024-10-09")) == day("2024-10-12"))
        // Without 调休, Saturday would not count.
        let plain = WorkingCalendar(coveredYears: [2024])
        #expect(try plain.addingWorkingDays(3, to: day("2024-10-09")) == day("2024-10-14"))
    }

    @Test func springFestival2025() throws {
        // 28 Jan – 4 Feb off; Sunday 26 Jan and Saturday 8 Feb worked.
        // From Friday 24 January: Sun 26 (调休), Mon 27, Wed 5 Feb, Thu 6, Fri 7.
        #expect(try calendar.addingWorkingDays(5, to: day("2025-01-24")) == day("2025-02-07"))
    }

    /// A count into a year whose schedule is unknown is an error naming the year, never a count that takes
    /// that year's holidays for working days (2027's Spring Festival would otherwise count as working days).
    @Test func aYearTheCalendarDoesNotHoldIsAnErrorNamingIt() throws {
        #expect(throws: CalendarGap(year: 2027)) { try calendar.addingWorkingDays(5, to: day("2026-12-28")) }
        #expect(try calendar.addingWorkingDays(2, to: day("2026-12-28")) == day("2026-12-30"))
        let with2027 = calendar.merging(WorkingCalendar(holidays: [day("2027-01-01")], coveredYears: [2027]))
        // Tue 29, Wed 30, Thu 31, (Fri 1 Jan off), Mon 4.
        #expect(try with2027.addingWorkingDays(4, to: day("2026-12-28")) == day("2027-01-04"))
    }

    /// The case keeps the deadline unset and says why, in its deadline status.
    @Test func aCaseWhoseDeadlineFallsInAnUnknownYearSaysSo() throws {
        var complaint = Fixtures.request(.complaint)
        complaint.lifecycle = .tourismComplaint
        complaint.receivedAt = CivilDate("2026-12-28")!.start(utcOffsetSeconds: 8 * 3600)
        complaint.startDeadlines(using: .standard)
        #expect(complaint.handling.deadlines.acceptBy == nil)
        #expect(complaint.handling.deadlines.unavailable.count == 1)
        #expect(complaint.handling.deadlines.unavailable.first?.hasPrefix("accept_by: ") == true)
        #expect(complaint.handling.deadlines.unavailable.first?.contains("2027") == true)
    }

    @Test func aRegionCanAddItsOwnDays() throws {
        let local = calendar.merging(WorkingCalendar(holidays: [day("2025-03-14")]))
        #expect(try local.addingWorkingDays(1, to: day("2025-03-13")) == day("2025-03-17"))
    }
}

@Suite struct DeadlinePolicyTests {
    let policy = DeadlinePolicy.standard

    func beijing(_ text: String, hour: Int = 10) -> Date {
        CivilDate(text)!.start(utcOffsetSeconds: 8 * 3600).addingTimeInterval(TimeInterval(hour * 3600))
    }

    @Test func badReviewRectificationIsFiveWorkingDaysAcrossGoldenWeek() throws {
        // A bad review fixed by deadline on Tuesday 30 September 2025: National Day 1–8 October,
        // Saturday 11 October worked. Thu 9, Fri 10, Sat 11 (调休), Mon 13, Tue 14; due by the end of Tue 14.
        let due = try policy.deadline(of: policy.badReviewRectification, startingAt: beijing("2025-09-30"))
        #expect(due == beijing("2025-10-15", hour: 0))
    }

    @Test func defaultRatingIsSevenNaturalDaysEvenAcrossHolidays() throws {
        // Natural days are counted plainly: 30 September + 7 = 7 October, holidays or not.
        #expect(
            try policy.lastDay(of: policy.defaultRating, startingAt: beijing("2025-09-30")) == CivilDate("2025-10-07"))
    }

    @Test func aLateEveningStartCountsFromTheLocalDay() throws {
        // 23:30 Beijing on Friday 14 March 2025 is still Friday there (15:30 UTC).
        let start = beijing("2025-03-14", hour: 23).addingTimeInterval(1800)
        #expect(try policy.lastDay(of: .workingDays(1), startingAt: start) == CivilDate("2025-03-17"))
    }

    /// POLICY.md §2: the default rating's level and delay are the region's. Guangdong: 基本满意 after 7 natural
    /// days; Fujian: 非常满意 after 2 (FIELDS.md §1.5). A record marked as a default rating must agree with both.
    @Test func aDefaultRatingMustHaveItsRegionsLevelAndComeAfterItsDelay() {
        var fujian = DeadlinePolicy.standard
        fujian.defaultRating = .naturalDays(2)
        fujian.defaultRatingLevel = .verySatisfied
        func defaulted(level: SatisfactionLevel, deliveredOn: String, ratedOn: String) -> Case {
            var c = Fixtures.evaluation(level: level)
            c.evaluation?.origin = .default
            c.evaluation?.serviceDeliveredAt = beijing(deliveredOn)
            c.evaluation?.evaluatedAt = beijing(ratedOn, hour: 0)
            return c
        }
        func violations(_ c: Case, _ policy: DeadlinePolicy) -> [String] {
            var c = c
            c.startDeadlines(using: policy)
            #expect(c.handling.deadlines.defaultRatingLevel == policy.defaultRatingLevel)
            return c.defaultRatingViolations(using: policy).map { "\($0.field) \($0.rule)" }
        }
        // Delivered on 3 March: Fujian's default applies from 00:00 on 6 March, the standard one from 00:00 on 11.
        #expect(
            violations(defaulted(level: .verySatisfied, deliveredOn: "2025-03-03", ratedOn: "2025-03-06"), fujian) == []
        )
        #expect(
            violations(
                defaulted(level: .basicallySatisfied, deliveredOn: "2025-03-03", ratedOn: "2025-03-11"), .standard)
                == [])
        #expect(
            violations(defaulted(level: .basicallySatisfied, deliveredOn: "2025-03-03", ratedOn: "2025-03-06"), fujian)
                == ["evaluation.level inconsistent"])
        #expect(
            violations(defaulted(level: .verySatisfied, deliveredOn: "2025-03-03", ratedOn: "2025-03-05"), fujian)
                == ["evaluation.evaluated_at inconsistent"])
        #expect(
            violations(defaulted(level: .verySatisfied, deliveredOn: "2025-03-03", ratedOn: "2025-03-10"), .standard)
                == ["evaluation.level inconsistent", "evaluation.evaluated_at inconsistent"])
        // An evaluation given by the person is not a default rating: any level, any time.
        var given = Fixtures.evaluation(level: .verySatisfied)
        given.startDeadlines(using: .standard)
        #expect(given.defaultRatingViolations(using: .standard).isEmpty)
        // The refusal names the setting and the level it expects.
        let wrongLevel = defaulted(level: .satisfied, deliveredOn: "2025-03-03", ratedOn: "2025-03-06")
        let message = wrongLevel.defaultRatingViolations(using: fujian).first?.message ?? ""
        #expect(message.contains("default_rating_level") && message.contains("5 (非常满意)"), "\(message)")
    }

    @Test func periodsAreConfigurablePerRegion() throws {
        var tongnan = DeadlinePolicy.standard
        tongnan.badReviewRectification = .workingDays(3)
        let policies = RegionalDeadlinePolicies(byRegionPrefix: ["500151": tongnan, "50": .standard])
        #expect(policies.policy(forRegion: "500151").badReviewRectification == .workingDays(3))
        #expect(policies.policy(forRegion: "500101").badReviewRectification == .workingDays(5))
        #expect(policies.policy(forRegion: "510104") == policies.fallback)
    }
}

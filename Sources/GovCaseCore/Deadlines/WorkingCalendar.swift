/// Which days are working days: Monday to Friday, minus public holidays (法定节假日), plus the weekend days
/// declared working days to make up for them (调休上班).
public struct WorkingCalendar: Sendable, Hashable {
    /// Days off that would otherwise be working days, including weekdays taken off by 调休.
    public var holidays: Set<CivilDate>
    /// Weekend days that are working days (调休上班).
    public var makeUpWorkdays: Set<CivilDate>
    /// Years whose holiday schedule this calendar holds. Counting working days through any other year is an
    /// error (`CalendarGap`), never a count that takes its holidays for working days.
    public var coveredYears: Set<Int>

    public init(holidays: Set<CivilDate> = [], makeUpWorkdays: Set<CivilDate> = [], coveredYears: Set<Int> = []) {
        self.holidays = holidays
        self.makeUpWorkdays = makeUpWorkdays
        self.coveredYears = coveredYears
    }

    /// Whether people work on `date`.
    public func isWorkingDay(_ date: CivilDate) -> Bool {
        if makeUpWorkdays.contains(date) { return true }
        if holidays.contains(date) { return false }
        return !date.isWeekend
    }

    /// The `count`-th working day after `date`. Counting starts the next day: the day an obligation
    /// arises is not counted (期间开始的当日不计入).
    ///
    /// - Throws: `CalendarGap` naming the first year counted through that `coveredYears` lacks.
    public func addingWorkingDays(_ count: Int, to date: CivilDate) throws(CalendarGap) -> CivilDate {
        precondition(count >= 0, "working-day counts are not negative")
        var day = date
        var remaining = count
        while remaining > 0 {
            day = day.adding(days: 1)
            guard coveredYears.contains(day.year) else { throw CalendarGap(year: day.year) }
            if isWorkingDay(day) { remaining -= 1 }
        }
        return day
    }

    /// The same calendar with more holidays, make-up days and years, e.g. a year's schedule from configuration.
    public func merging(_ other: WorkingCalendar) -> WorkingCalendar {
        WorkingCalendar(
            holidays: holidays.union(other.holidays), makeUpWorkdays: makeUpWorkdays.union(other.makeUpWorkdays),
            coveredYears: coveredYears.union(other.coveredYears))
    }
}

/// A working-day count that runs into a year whose holiday schedule the calendar does not hold.
public struct CalendarGap: Error, Sendable, Hashable, CustomStringConvertible {
    /// The year missing.
    public var year: Int

    public init(year: Int) { self.year = year }

    public var description: String {
        "the working calendar has no holiday schedule for \(year): add the State Council's \(year) notice under "
            + "deadlines.calendar in the configuration"
    }
}

/// Which days are working days: Monday to Friday, minus public holidays (法定节假日), plus the weekend days
/// declared working days to make up for them (调休上班).
public struct WorkingCalendar: Sendable, Hashable {
    /// Days off that would otherwise be working days, including weekdays taken off by 调休.
    public var holidays: Set<CivilDate>
    /// Weekend days that are working days (调休上班).
    public var makeUpWorkdays: Set<CivilDate>

    public init(holidays: Set<CivilDate> = [], makeUpWorkdays: Set<CivilDate> = []) {
        self.holidays = holidays
        self.makeUpWorkdays = makeUpWorkdays
    }

    /// Whether people work on `date`.
    public func isWorkingDay(_ date: CivilDate) -> Bool {
        if makeUpWorkdays.contains(date) { return true }
        if holidays.contains(date) { return false }
        return !date.isWeekend
    }

    /// The `count`-th working day after `date`. Counting starts the next day: the day an obligation
    /// arises is not counted (期间开始的当日不计入).
    public func addingWorkingDays(_ count: Int, to date: CivilDate) -> CivilDate {
        precondition(count >= 0, "working-day counts are not negative")
        var day = date
        var remaining = count
        while remaining > 0 {
            day = day.adding(days: 1)
            if isWorkingDay(day) { remaining -= 1 }
        }
        return day
    }

    /// The same calendar with more holidays and make-up days, e.g. a region's own 调休.
    public func merging(_ other: WorkingCalendar) -> WorkingCalendar {
        WorkingCalendar(
            holidays: holidays.union(other.holidays), makeUpWorkdays: makeUpWorkdays.union(other.makeUpWorkdays))
    }
}

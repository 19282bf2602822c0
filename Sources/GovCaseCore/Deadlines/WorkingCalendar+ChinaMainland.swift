extension WorkingCalendar {
    /// The State Council's public-holiday schedules (国务院办公厅关于部分节假日安排的通知) for 2024–2026.
    ///
    /// Later years must be added as each notice is published, in configuration (`deadlines.calendar`) or here;
    /// counting working days into a year without its schedule is a `CalendarGap`, never a guess.
    ///
    /// 2026 checked against 国办发明电〔2025〕7号 (published 2025-11): 元旦 1-1…1-3, work 1-4 (Sun); 春节 2-15…2-23,
    /// work 2-14 (Sat) and 2-28 (Sat); 清明 4-4…4-6; 劳动节 5-1…5-5, work 5-9 (Sat); 端午 6-19…6-21; 中秋 9-25…9-27;
    /// 国庆 10-1…10-7, work 9-20 (Sun) and 10-10 (Sat).
    public static let chinaMainland: WorkingCalendar = {
        // (first day off, last day off, make-up working days), per holiday.
        let schedule: [(String, String, [String])] = [
            // 2024 (国办发明电〔2023〕7号)
            ("2024-01-01", "2024-01-01", []),
            ("2024-02-10", "2024-02-17", ["2024-02-04", "2024-02-18"]),
            ("2024-04-04", "2024-04-06", ["2024-04-07"]),
            ("2024-05-01", "2024-05-05", ["2024-04-28", "2024-05-11"]),
            ("2024-06-10", "2024-06-10", []),
            ("2024-09-15", "2024-09-17", ["2024-09-14"]),
            ("2024-10-01", "2024-10-07", ["2024-09-29", "2024-10-12"]),
            // 2025 (国办发明电〔2024〕12号)
            ("2025-01-01", "2025-01-01", []),
            ("2025-01-28", "2025-02-04", ["2025-01-26", "2025-02-08"]),
            ("2025-04-04", "2025-04-06", []),
            ("2025-05-01", "2025-05-05", ["2025-04-27"]),
            ("2025-05-31", "2025-06-02", []),
            ("2025-10-01", "2025-10-08", ["2025-09-28", "2025-10-11"]),
            // 2026 (国办发明电〔2025〕7号)
            ("2026-01-01", "2026-01-03", ["2026-01-04"]),
            ("2026-02-15", "2026-02-23", ["2026-02-14", "2026-02-28"]),
            ("2026-04-04", "2026-04-06", []),
            ("2026-05-01", "2026-05-05", ["2026-05-09"]),
            ("2026-06-19", "2026-06-21", []),
            ("2026-09-25", "2026-09-27", []),
            ("2026-10-01", "2026-10-07", ["2026-09-20", "2026-10-10"]),
        ]
        var calendar = WorkingCalendar(coveredYears: [2024, 2025, 2026])
        for (first, last, makeUp) in schedule {
            var day = CivilDate(first)!
            while day <= CivilDate(last)! {
                calendar.holidays.insert(day)
                day = day.adding(days: 1)
            }
            calendar.makeUpWorkdays.formUnion(makeUp.map { CivilDate($0)! })
        }
        return calendar
    }()
}

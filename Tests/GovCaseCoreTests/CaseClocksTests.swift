import Foundation
@testable import GovCaseCore
import Testing

/// Which clocks a case runs, from its deadlines and its state, on days counted by hand from the 2026 schedule
/// (端午 Jun 19–21 off).
@Suite struct CaseClocksTests {
    static func beijing(_ month: Int, _ day: Int, _ hour: Int = 0) -> Date {
        CivilDate(year: 2026, month: month, day: day)!.start(utcOffsetSeconds: 8 * 3600)
            .addingTimeInterval(TimeInterval(hour * 3600))
    }

    let policy = ClockPolicy(reminderLeads: [2, 1, 0], escalationGraceDays: 1)

    /// A tourism complaint received Monday Jun 15: five working days Jun 16, 17, 18, 22, 23 (the 19th–21st off),
    /// so the acceptance deadline is Jun 24 00:00.
    func complaint() -> Case {
        var c = Fixtures.request(.complaint)
        c.lifecycle = .tourismComplaint
        c.receivedAt = Self.beijing(6, 15, 10)
        c.startDeadlines(using: .standard)
        return c
    }

    @Test func aTourismComplaintRunsItsAcceptanceClocksOverTheDragonBoatHoliday() {
        let c = complaint()
        #expect(c.handling.deadlines.acceptBy == Self.beijing(6, 24))
        let clocks = c.clocks(deadlines: .standard, policy: policy)
        #expect(clocks.map(\.key) == [
            "acceptance-remind-2", "acceptance-remind-1", "acceptance-remind-0", "acceptance-overdue",
            "acceptance-escalate",
        ])
        #expect(clocks.map(\.dueAt) == [
            Self.beijing(6, 18, 9),  // two working days before the last day: Thursday, before the holiday
            Self.beijing(6, 22, 9), Self.beijing(6, 23, 9), Self.beijing(6, 24), Self.beijing(6, 24, 9),
        ])
    }

    @Test func acceptanceSwitchesToMediationAndAnOutcomeOrAClosureStopsThem() {
        var c = complaint()
        c.handling.acceptance = .accepted
        c.handling.deadlines.mediateBy = Self.beijing(8, 23)
        #expect(c.clocks(deadlines: .standard, policy: policy).map(\.obligation) == Array(repeating: .mediation, count: 5))
        c.handling.mediationOutcome = .agreed
        #expect(c.clocks(deadlines: .standard, policy: policy).isEmpty)
        var refused = complaint()
        refused.handling.acceptance = .refused
        #expect(refused.clocks(deadlines: .standard, policy: policy).isEmpty)
        var closed = complaint()
        closed.handling.closedAt = Self.beijing(6, 16)
        #expect(closed.clocks(deadlines: .standard, policy: policy).isEmpty)
    }

    @Test func aDeadlineNoCalendarYearHoldsStartsNoClock() {
        var c = Fixtures.request(.complaint)
        c.lifecycle = .tourismComplaint
        c.receivedAt = Self.beijing(12, 28, 10)
        c.startDeadlines(using: .standard)
        #expect(c.handling.deadlines.acceptBy == nil && c.clocks(deadlines: .standard, policy: policy).isEmpty)
    }
}

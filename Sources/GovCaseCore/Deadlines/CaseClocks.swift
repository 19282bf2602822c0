import Foundation

/// Which obligation a clock watches.
public enum ClockObligation: String, Sendable, Hashable, CaseIterable, Codable {
    /// A bad review fixed by a deadline (限期整改): `BadReviewLoop.rectificationDeadline`.
    case rectification
    /// The acceptance decision on a tourism complaint: `Deadlines.acceptBy`.
    case acceptance
    /// The mediation of an accepted tourism complaint: `Deadlines.mediateBy`.
    case mediation
    /// The handling of a 12345 work order: `Deadlines.handleBy`.
    case handling
    /// The evaluation of a service node: `Deadlines.defaultRatingAt`.
    case evaluation
}

/// One clock a case runs: what fires when, about which deadline.
public struct CaseClock: Sendable, Hashable {
    /// What it watches.
    public var obligation: ClockObligation
    /// The event it fires: `remind`, `overdue`, `escalate` or `defaultRatingDue`.
    public var action: LifecycleActionKind
    /// For a reminder: working days before the deadline's last day (0 on the last day itself); 0 otherwise.
    public var lead: Int
    /// The deadline it is about.
    public var deadline: Date
    /// When it fires.
    public var dueAt: Date

    /// The clock's identity within its case and deadline: a moved deadline is a new clock.
    public var key: String {
        action == .remind ? "\(obligation.rawValue)-remind-\(lead)" : "\(obligation.rawValue)-\(action.rawValue)"
    }

    public init(obligation: ClockObligation, action: LifecycleActionKind, lead: Int = 0, deadline: Date, dueAt: Date) {
        self.obligation = obligation
        self.action = action
        self.lead = lead
        self.deadline = deadline
        self.dueAt = dueAt
    }
}

/// When a region's clocks fire, beside its deadlines.
public struct ClockPolicy: Sendable, Hashable {
    /// Reminders, in working days before a deadline's last day; 0 reminds on the last day itself (差评提醒).
    public var reminderLeads: [Int]
    /// Working days after the deadline's last day at which an unmet obligation is escalated.
    public var escalationGraceDays: Int
    /// The body an escalation goes to (e.g. the 政务服务管理办公室 supervising the region); may be empty.
    public var supervisor: String
    /// The local hour at which reminders and escalations fire (office hours); overdue fires when the deadline
    /// passes.
    public var hour: Int

    public init(reminderLeads: [Int] = [2, 1, 0], escalationGraceDays: Int = 1, supervisor: String = "", hour: Int = 9) {
        self.reminderLeads = reminderLeads
        self.escalationGraceDays = escalationGraceDays
        self.supervisor = supervisor
        self.hour = hour
    }
}

extension Case {
    /// The clocks this case runs now, from its deadlines and its state: pure, so the store computes them in the
    /// transaction that changes the case and keeps them as rows, and the scheduler checks, when one falls due,
    /// that the case still runs it (a rectified bad review runs no rectification clocks).
    ///
    /// A deadline is the instant its period runs out (the start of the day after its last day, local time).
    /// Reminders fire at `policy.hour` on the working days `reminderLeads` before the last day; overdue at the
    /// deadline; escalation at `policy.hour` on the `escalationGraceDays`-th working day after the last day.
    /// A time the calendar cannot place (a year it does not hold) is left out; `Deadlines.unavailable` names it.
    public func clocks(deadlines: DeadlinePolicy, policy: ClockPolicy) -> [CaseClock] {
        var found: [CaseClock] = []
        func watch(_ obligation: ClockObligation, _ deadline: Date?) {
            guard let deadline else { return }
            let offset = deadlines.utcOffsetSeconds
            let lastDay = CivilDate(deadline.addingTimeInterval(-1), utcOffsetSeconds: offset)
            func at(_ day: CivilDate) -> Date {
                day.start(utcOffsetSeconds: offset).addingTimeInterval(TimeInterval(policy.hour * 3600))
            }
            for lead in Set(policy.reminderLeads).sorted(by: >) {
                guard let day = try? deadlines.calendar.subtractingWorkingDays(lead, from: lastDay) else { continue }
                found.append(
                    CaseClock(obligation: obligation, action: .remind, lead: lead, deadline: deadline, dueAt: at(day)))
            }
            found.append(CaseClock(obligation: obligation, action: .overdue, deadline: deadline, dueAt: deadline))
            if let day = try? deadlines.calendar.addingWorkingDays(policy.escalationGraceDays, to: lastDay) {
                found.append(CaseClock(obligation: obligation, action: .escalate, deadline: deadline, dueAt: at(day)))
            }
        }
        switch lifecycle {
        case .badReview:
            if status == .rectifying, let loop = badReview, loop.rectifiedAt == nil {
                watch(.rectification, loop.rectificationDeadline)
            }
        case .tourismComplaint where handling.closedAt == nil:
            switch handling.acceptance {
            case nil: watch(.acceptance, handling.deadlines.acceptBy)
            case .accepted?: if handling.mediationOutcome == nil { watch(.mediation, handling.deadlines.mediateBy) }
            default: break
            }
        case .request where handling.closedAt == nil:
            watch(.handling, handling.deadlines.handleBy)
        case .evaluation, .tourismComplaint, .request:
            break
        }
        if kind == .serviceNode, links.nodeEvaluationCaseIDs.isEmpty, let due = handling.deadlines.defaultRatingAt {
            found.append(CaseClock(obligation: .evaluation, action: .defaultRatingDue, deadline: due, dueAt: due))
        }
        return found
    }
}

extension WorkingCalendar {
    /// The `count`-th working day before `date`; `date` itself for 0.
    ///
    /// - Throws: `CalendarGap` naming the first year counted through that `coveredYears` lacks.
    public func subtractingWorkingDays(_ count: Int, from date: CivilDate) throws(CalendarGap) -> CivilDate {
        precondition(count >= 0, "working-day counts are not negative")
        var day = date
        var remaining = count
        while remaining > 0 {
            day = day.adding(days: -1)
            guard coveredYears.contains(day.year) else { throw CalendarGap(year: day.year) }
            if isWorkingDay(day) { remaining -= 1 }
        }
        return day
    }
}

import Foundation
import GovCaseCore
import GovCaseForwarding
import GovCaseStore
import Logging
import ServiceLifecycle

/// Fires the store's due clocks (reminders, overdue, escalation, default-rating time), each once, as lifecycle
/// events: watchers see them and forwarding routes send them. The rows and their rules are the store's
/// (`CaseStore.fireDueClocks`); this service only keeps time. What fell due while the gateway was stopped fires
/// at its start by each kind's catch-up rule, marked late.
public final class ClockScheduler: Service, Sendable {
    let store: CaseStore
    let clock: @Sendable () -> Date
    let logger: Logger
    /// The regions' deadline rules: whose working calendar may run out.
    let deadlines: RegionalDeadlinePolicies
    /// The longest sleep between looks: clocks written meanwhile (a new deadline) are found within it.
    let pollInterval: Duration

    public init(
        store: CaseStore, clock: @escaping @Sendable () -> Date = Date.init, logger: Logger,
        deadlines: RegionalDeadlinePolicies, pollInterval: Duration = .seconds(1)
    ) {
        self.store = store
        self.deadlines = deadlines
        self.clock = clock
        self.logger = logger
        self.pollInterval = pollInterval
    }

    public func run() async throws {
        do { try await keepTime() } catch is CancellationError {}
    }

    private func keepTime() async throws {
        var calendarCheckedAt = Date.distantPast
        while !Task.isCancelled {
            let now = clock()
            if now.timeIntervalSince(calendarCheckedAt) >= 86_400 {
                calendarCheckedAt = now
                if let warning = Self.calendarWarning(deadlines, now: now) {
                    logger.warning("\(warning)")
                }
            }
            let firing = try await store.call { try $0.fireDueClocks(now: now, limit: 100) }
            for row in firing.fired where row.lateSeconds > 0 {
                logger.notice(
                    "clock fired late",
                    metadata: [
                        "case": "\(row.caseID)", "clock": "\(row.key)", "due_at": "\(row.dueAt.formatted(.iso8601))",
                        "late_seconds": "\(Int(row.lateSeconds))",
                    ])
            }
            if firing.fired.count + firing.skipped.count + firing.cancelled.count >= 100 { continue }
            let next = try await store.call { try $0.nextClockDue() }
            let wait = next.map { max($0.timeIntervalSince(clock()), 0.01) } ?? pollInterval.seconds
            try await Task.sleep(for: .seconds(min(wait, pollInterval.seconds)))
        }
    }

    /// The calendar's last covered year runs out within 60 days: deadlines past it cannot be computed (cases say
    /// which year is missing). Logged at start and once a day while it holds (a gateway runs for months), and
    /// returned by `GetClockStatus`, so an operator adds next year's schedule in time.
    public static func calendarWarning(_ policies: RegionalDeadlinePolicies, now: Date) -> String? {
        guard let last = policies.fallback.calendar.coveredYears.max(),
            let end = CivilDate(year: last + 1, month: 1, day: 1)?.start(
                utcOffsetSeconds: policies.fallback.utcOffsetSeconds)
        else { return nil }
        let days = Int(end.timeIntervalSince(now) / 86_400)
        guard days <= 60 else { return nil }
        return "the working calendar ends with \(last) (\(max(days, 0)) days from now): add \(last + 1)'s holidays and "
            + "make-up working days under deadlines.calendar, or deadlines past it cannot be computed"
    }
}

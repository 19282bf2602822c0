import Foundation
import Testing

@testable import GovCaseConformance

/// How the source role judges retries from what its sandbox recorded: the same records.json a session writes, with
/// times chosen here, so each rule is shown on a sender that keeps it and one that breaks it. The sessions with a
/// real sender are `SourceRoleTests`.
@Suite struct SourceRetryJudgingTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// One attempt the sandbox saw, `at` seconds into the session.
    static func seen(_ id: String, _ at: Double, probe: String? = nil, outcome: String = "accepted") -> SourceChecks.Seen {
        SourceChecks.Seen(
            at: start.addingTimeInterval(at), system: "national-sc", certificateRegion: "510000",
            adapter: "national-platform", externalID: id, outcome: probe == nil ? outcome : "rejected",
            errorCode: probe == nil ? 0 : 14, error: probe == nil ? "" : SourceChecks.probeMessage,
            violations: [], regionCode: probe == nil ? "510104" : nil, injected: probe != nil, probe: probe)
    }

    /// Five records, each refused twice, retried after `first[i]` then `second[i]` seconds; then the outage record,
    /// refused at `outage` times and delivered at `delivered` (nil: never).
    static func session(first: [Double], second: [Double], outage: [Double] = [20, 21, 23, 27], delivered: Double? = 29)
        -> [SourceChecks.Seen]
    {
        var records: [SourceChecks.Seen] = []
        var clock = 0.0
        for (n, (a, b)) in zip(first, second).enumerated() {
            let id = "SRC-\(n)"
            records.append(seen(id, clock, probe: "retry"))
            clock += a
            records.append(seen(id, clock, probe: "retry"))
            clock += b
            records.append(seen(id, clock))
            clock += 0.01
        }
        records += outage.map { seen("SRC-outage", $0, probe: "outage") }
        if let delivered { records.append(seen("SRC-outage", delivered)) }
        return records
    }

    static func outcome(_ id: String, _ records: [SourceChecks.Seen], held: SourceChecks.Hold? = nil) async
        -> CheckResult
    {
        await SourceChecks.checks(records, held: held)[id]!()
    }

    static func passed(_ result: CheckResult) -> Bool {
        if case .pass = result { return true }
        return false
    }

    static func failure(_ result: CheckResult) -> String? {
        if case .fail(let seen) = result { return seen }
        return nil
    }

    @Test func jitteredBoundedRetriesPassAndFixedOnesFail() async {
        let jittered = Self.session(first: [0.21, 0.37, 0.26, 0.33, 0.29], second: [0.45, 0.71, 0.52, 0.8, 0.6])
        #expect(Self.passed(await Self.outcome("source.retry.jittered", jittered)))
        #expect(Self.passed(await Self.outcome("source.retry.backs-off", jittered)))

        // 400 ms then 800 ms every time, as a loaded machine scatters them by a few milliseconds.
        let fixed = Self.session(first: [0.401, 0.412, 0.405, 0.43, 0.409], second: [0.803, 0.81, 0.84, 0.806, 0.82])
        let seen = Self.failure(await Self.outcome("source.retry.jittered", fixed))
        #expect(seen?.contains("expected the waits before the probed records' n-th retries to differ") == true)
        #expect(seen?.contains("retry 1 of 5 records: 401, 405, 409, 412, 430 ms") == true, "\(seen ?? "")")
        #expect(Self.passed(await Self.outcome("source.retry.backs-off", fixed)), "fixed waits do back off")

        let tooLate = Self.session(first: [0.21, 0.37, 0.26, 0.33, 31], second: [0.45, 0.71, 0.52, 0.8, 0.6])
        #expect(Self.failure(await Self.outcome("source.retry.jittered", tooLate))?.contains("within 30 s") == true)
    }

    @Test func aRetryWithin100MillisecondsFailsBacksOff() async {
        let eager = Self.session(first: [0.004, 0.2, 0.2, 0.2, 0.2], second: [0.3, 0.3, 0.3, 0.3, 0.3])
        let seen = Self.failure(await Self.outcome("source.retry.backs-off", eager))
        #expect(seen?.contains("1 of 10 came sooner: SRC-0 retry 1 after 4 ms") == true, "\(seen ?? "")")
    }

    @Test func aRecordGivenUpAfterAnOutageFails() async {
        let kept = Self.session(first: [0.2, 0.3, 0.25, 0.35, 0.3], second: [0.5, 0.6, 0.7, 0.4, 0.5])
        #expect(Self.passed(await Self.outcome("source.retry.never-gives-up", kept)))
        let givenUp = Self.session(
            first: [0.2, 0.3, 0.25, 0.35, 0.3], second: [0.5, 0.6, 0.7, 0.4, 0.5], outage: [20, 20.5, 21.3],
            delivered: nil)
        let seen = Self.failure(await Self.outcome("source.retry.never-gives-up", givenUp))
        #expect(seen?.contains("expected SRC-outage, refused UNAVAILABLE for 3 attempt(s)") == true, "\(seen ?? "")")
        #expect(seen?.contains("it was not sent again before the session ended") == true)
    }

    @Test func pushbackIsJudgedByTheCountShedDuringTheHold() async {
        let records = Self.session(first: [0.2, 0.3, 0.25, 0.35, 0.3], second: [0.5, 0.6, 0.7, 0.4, 0.5])
        func hold(_ shed: Int, _ seconds: Double = 8.004, pushback: Int = 3_500) -> SourceChecks.Hold {
            SourceChecks.Hold(
                started: Self.start, seconds: seconds, shed: shed, after: "SRC-outage", pushbackMilliseconds: pushback)
        }
        // 8 s at 3,500 ms: a sender that waits the pushback makes at most 3 attempts.
        #expect(Self.passed(await Self.outcome("source.retry.honours-pushback", records, held: hold(3))))
        let seen = Self.failure(await Self.outcome("source.retry.honours-pushback", records, held: hold(4)))
        #expect(
            seen == "expected the source to wait grpc-retry-pushback-ms (3500 ms) after RESOURCE_EXHAUSTED, so at most 3 "
                + "attempts in the 8004 ms every message was shed; 4 were shed")
        // A longer hold (the kit's own sleep overran on a loaded machine) allows what fits in it.
        #expect(Self.passed(await Self.outcome("source.retry.honours-pushback", records, held: hold(4, 10.6))))
        // The judgement follows the session's pushback, not a fixed one: 250 ms allows 33.
        #expect(Self.passed(await Self.outcome("source.retry.honours-pushback", records, held: hold(33, pushback: 250))))
        if case .skip = await Self.outcome("source.retry.honours-pushback", records, held: hold(0)) {} else {
            Issue.record("nothing shed during the hold is not judged")
        }
        if case .skip = await Self.outcome("source.retry.honours-pushback", records) {} else {
            Issue.record("no hold is not judged")
        }
    }
}

import Foundation
import GRPCCore
@testable import GovCaseForwarding
import GovCaseProto
import SwiftProtobuf
import Testing

/// The route's pace and the classification of upstream answers, alone.
@Suite struct RouteDeliveryTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = RetryPolicy(initialBackoff: .milliseconds(300), maxBackoff: .seconds(60), multiplier: 2)

    @Test func backoffDoublesFromItsStartToItsCapWithFullJitter() {
        #expect(policy.ceiling(afterFailures: 1) == .milliseconds(300))
        #expect(policy.ceiling(afterFailures: 2) == .milliseconds(600))
        #expect(policy.ceiling(afterFailures: 9) == .seconds(60))
        #expect(policy.ceiling(afterFailures: 40) == .seconds(60), "capped, never overflowing")
        #expect(policy.backoff(afterFailures: 3, unit: 0) == .zero)
        #expect(policy.backoff(afterFailures: 3, unit: 0.5) == .milliseconds(600))
        #expect(
            abs(policy.backoff(afterFailures: 3, unit: 7).seconds - 1.2) < 1e-9, "a draw out of [0, 1] is clamped")
    }

    @Test func anOutageWaitsThenProbesWithOneBatchThenDeliversAtFullConcurrency() {
        var m = RouteDeliveryStateMachine(policy: policy, concurrency: 4)
        #expect(m.allowance(at: t0) == 4)
        m.record(.outage(reason: "UNAVAILABLE", pushback: nil), at: t0, unit: 1)
        #expect(m.state == .backingOff(failures: 1, until: t0.addingTimeInterval(0.3), reason: "UNAVAILABLE"))
        #expect(m.allowance(at: t0.addingTimeInterval(0.2)) == 0)
        #expect(m.wakeAt == t0.addingTimeInterval(0.3))
        #expect(m.allowance(at: t0.addingTimeInterval(0.3)) == 1, "the retry budget: one probe batch")
        m.record(.outage(reason: "UNAVAILABLE", pushback: nil), at: t0.addingTimeInterval(0.3), unit: 1)
        #expect(m.state == .backingOff(failures: 2, until: t0.addingTimeInterval(0.9), reason: "UNAVAILABLE"))
        _ = m.allowance(at: t0.addingTimeInterval(1))
        m.record(.answered, at: t0.addingTimeInterval(1), unit: 1)
        #expect(m.state == .delivering && m.allowance(at: t0.addingTimeInterval(1)) == 4)
    }

    @Test func theReceiversPushbackIsHonouredWhenLongerThanTheBackoff() {
        var m = RouteDeliveryStateMachine(policy: policy, concurrency: 2)
        m.record(.outage(reason: "RESOURCE_EXHAUSTED", pushback: .seconds(5)), at: t0, unit: 0.1)
        #expect(m.wakeAt == t0.addingTimeInterval(5))
    }

    @Test func aConfigurationFaultPausesTheRouteAndProbesAtTheCap() {
        var m = RouteDeliveryStateMachine(policy: policy, concurrency: 2)
        m.record(.misconfigured(reason: "UNAUTHENTICATED"), at: t0, unit: 0.5)
        #expect(m.state == .paused(until: t0.addingTimeInterval(60), reason: "UNAUTHENTICATED"))
        #expect(m.allowance(at: t0.addingTimeInterval(59)) == 0)
        #expect(m.allowance(at: t0.addingTimeInterval(60)) == 1)
        m.record(.misconfigured(reason: "UNAUTHENTICATED"), at: t0.addingTimeInterval(60), unit: 0.5)
        #expect(m.wakeAt == t0.addingTimeInterval(120))
        _ = m.allowance(at: t0.addingTimeInterval(120))
        m.record(.answered, at: t0.addingTimeInterval(120), unit: 0.5)
        #expect(m.state == .delivering)
    }

    @Test func aRoundOfBatchesThatFailTogetherIsOneFailure() {
        #expect(Forwarder.roundResult([]) == nil)
        #expect(Forwarder.roundResult([.answered, .answered]) == .answered)
        #expect(
            Forwarder.roundResult([
                .outage(reason: "a", pushback: .seconds(1)), .answered, .outage(reason: "b", pushback: .seconds(3)),
            ]) == .outage(reason: "b", pushback: .seconds(3)))
        #expect(
            Forwarder.roundResult([.outage(reason: "a", pushback: nil), .misconfigured(reason: "c")])
                == .misconfigured(reason: "c"))
    }

    /// Every status code a record's acknowledgement can carry has one meaning: content refusals are dead
    /// letters, outages are retried, and a fault of the route's own configuration pauses it.
    static func kind(_ verdict: UpstreamVerdict) -> String {
        switch verdict {
        case .delivered: "delivered"
        case .refused: "refused"
        case .outage: "outage"
        case .misconfigured: "misconfigured"
        }
    }

    @Test func everyCodeOfARecordIsClassified() {
        let kind = Self.kind
        let expected: [(RPCError.Code, String)] = [
            (.invalidArgument, "refused"), (.failedPrecondition, "refused"), (.alreadyExists, "refused"),
            (.outOfRange, "refused"), (.notFound, "refused"), (.permissionDenied, "refused"),
            (.unavailable, "outage"), (.deadlineExceeded, "outage"), (.resourceExhausted, "outage"),
            (.aborted, "outage"), (.cancelled, "outage"), (.internalError, "outage"), (.unknown, "outage"),
            (.dataLoss, "outage"), (.unauthenticated, "misconfigured"), (.unimplemented, "misconfigured"),
        ]
        for (code, meaning) in expected {
            #expect(kind(UpstreamVerdict.forRecord(code: code, message: "m")) == meaning, "\(code)")
        }
        #expect(expected.count == 16, "every code but OK")
        for (code, meaning) in [(RPCError.Code.invalidArgument, "misconfigured"), (.permissionDenied, "misconfigured"),
            (.unavailable, "outage"), (.resourceExhausted, "outage"), (.unauthenticated, "misconfigured")]
        {
            #expect(kind(UpstreamVerdict.forCall(code: code, message: "m")) == meaning, "a whole call: \(code)")
        }
    }

    @Test func anAcknowledgementIsReadAsTheReceiverMeantIt() {
        let accepted = Govcase_Gateway_V1_RecordAck.with { $0.outcome = .accepted; $0.caseID = "up-1" }
        #expect(Forwarder.verdict(of: accepted) == .delivered(upstreamCaseID: "up-1"))
        let duplicate = Govcase_Gateway_V1_RecordAck.with { $0.outcome = .duplicate; $0.caseID = "up-1" }
        #expect(Forwarder.verdict(of: duplicate) == .delivered(upstreamCaseID: "up-1"))
        let fields = Govcase_Gateway_V1_RecordAck.with {
            $0.outcome = .rejected
            $0.rejection.violations = [.with { $0.field = "evaluation.level"; $0.message = "out of range" }]
        }
        guard case .refused(let reason) = Forwarder.verdict(of: fields) else {
            Issue.record("a field rejection is a dead letter")
            return
        }
        #expect(reason.contains("evaluation.level: out of range"))
        let overloaded = Govcase_Gateway_V1_RecordAck.with {
            $0.outcome = .rejected
            $0.errorCode = 8
            $0.errorMessage = "plugin overloaded"
        }
        #expect(Self.kind(Forwarder.verdict(of: overloaded)) == "outage", "an overloaded plugin there is retried")
        #expect(Self.kind(Forwarder.verdict(of: .with { $0.outcome = .unspecified })) == "outage")
    }
}

import Foundation
import GovCaseCore
import GovCaseProto
import GovCaseWire
import SwiftProtobuf
import Testing

/// The store keeps each case as a serialized `govcase.core.v1.Case`, so core → proto → core must give back the
/// same case, every field set. (The golden vectors check the same for every translated case.)
@Suite struct CaseRoundTripTests {
    /// Sub-second instants, as `Date()` makes them: the timestamp's nanoseconds must bring back the same `Date`.
    static func at(_ offset: Double) -> Date { Date(timeIntervalSince1970: 1_795_000_000.123_456_7 + offset) }

    static let everyFieldSet: Case = {
        var c = Case(
            caseID: "c-1",
            source: SourceIdentity(
                sourceSystem: "ct-cq", adapterID: "culture-tourism", externalID: "TS-1", revision: 3),
            kind: .complaint, regionCode: "500103",
            service: ServiceReference(
                itemCode: "I-1", itemName: "导游证核发", matterID: "M-1",
                organisation: Organisation(name: "市文旅委", creditCode: "1150"),
                window: "W3", staffID: "S9", staffName: "李四", channel: .web, objectKind: .staff),
            evaluation: Evaluation(
                level: .veryDissatisfied, dimensions: [DimensionRating(dimension: .attitude, level: .dissatisfied)],
                questionnaire: Questionnaire(
                    guidanceClear: true, procedureConvenient: false, improvementSuggestion: "简化"),
                detailItems: ["慢"], text: "等太久", origin: .supplementary, evaluatedAt: at(1), serviceDeliveredAt: at(0)),
            request: Request(
                title: "投诉", content: "强制购物", category: "旅游", allegesViolation: true, track: .ordinary,
                respondent: Respondent(name: "某旅行社", creditCode: "9150", address: "渝中区", trade: "旅行社"),
                demand: "退款",
                location: Location(regionCode: "500103", address: "解放碑", longitude: 106.58, latitude: 29.56),
                occurredAt: at(-86_400)),
            requester: Party(
                kind: .naturalPerson, realName: true, name: "张三", phone: "13812345678", documentType: .residentIDCard,
                documentNumber: "11010519491231002X"),
            handling: Handling(
                assignedUnit: "渝中区文旅委",
                transfers: [Transfer(fromUnit: "12345", toUnit: "文旅委", transferredAt: at(2), note: "转办")],
                deadlines: Deadlines(
                    acceptBy: at(3), handleBy: at(4), rectifyBy: at(5), defaultRatingAt: at(6), mediateBy: at(7)),
                extensions: 1, replies: [Reply(unit: "文旅委", content: "已处理", repliedAt: at(8))],
                returnVisits: [ReturnVisit(satisfaction: .satisfied, resolved: true, comment: "好", visitedAt: at(9))],
                closedAt: at(10), acceptance: .accepted, mediationOutcome: .agreed),
            receivedAt: at(0.5))
        var loop = BadReviewLoop()
        loop.verifier = "核查员"
        loop.finding = "属实"
        loop.verifiedAt = at(11)
        loop.outcome = .fixByDeadline
        loop.rectificationMeasures = "培训"
        loop.rectificationDeadline = at(12)
        loop.rectifiedAt = at(13)
        loop.feedbackMethod = .phone
        loop.feedbackContent = "已整改"
        loop.feedbackAt = at(14)
        loop.evaluatorRating = .satisfied
        loop.ratedAt = at(15)
        loop.appealReason = "恶意差评"
        loop.appealFiledAt = at(16)
        loop.appealDecision = .rejected
        loop.notAdoptedReason = .malicious
        loop.reviewOpinion = "驳回"
        loop.reviewedAt = at(17)
        c.badReview = loop
        c.events = [
            LifecycleEvent(
                sequence: 1,
                step: LifecycleStep(
                    LifecycleAction(
                        .verify, unit: "核查组", deadline: at(18), level: .satisfied, notAdoptedReason: .malicious,
                        note: "核实", feedbackMethod: .sms, resolved: true),
                    actor: Actor(system: "ct-cq", unit: "文旅委", person: "王五"), occurredAt: at(19)),
                from: .awaitingVerification, to: .verified, recordedAt: at(20),
                sourceRecord: SourceRecordReference(externalID: "TS-1-F1", revision: 2)),
            LifecycleEvent(
                sequence: 2, step: LifecycleStep(LifecycleAction(.close), occurredAt: at(21)), from: .verified,
                to: .closed, recordedAt: at(22)),
        ]
        return c
    }()

    @Test func everyFieldComesBack() throws {
        let bytes: [UInt8] = try Self.everyFieldSet.proto.serializedBytes()
        let back = try Case(proto: Govcase_Core_V1_Case(serializedBytes: bytes))
        #expect(back == Self.everyFieldSet)
    }

    /// A deadline's instant is an exclusive end; its last day, in China Standard Time, goes out beside it.
    @Test func eachDeadlineGoesOutWithItsLastDayInChinaStandardTime() {
        var c = Self.everyFieldSet
        // 2025-03-18 00:00 +08:00, the end of Monday 2025-03-17; 2025-03-16 09:00Z is 17:00 on the 16th.
        c.handling.deadlines.rectifyBy = Date(timeIntervalSince1970: 1_742_227_200)
        c.handling.deadlines.handleBy = Date(timeIntervalSince1970: 1_742_115_600)
        c.handling.deadlines.acceptBy = nil
        let d = c.proto.handling.deadlines
        #expect(d.rectifyLastDay == "2025-03-17")
        #expect(d.handleLastDay == "2025-03-16")
        #expect(d.acceptLastDay == "")
    }

    @Test func unsetOptionalPartsStayUnset() throws {
        let bare = Case(
            caseID: "c-2", source: SourceIdentity(externalID: "PJ-2"), kind: .evaluation, regionCode: "510104",
            evaluation: Evaluation(level: .satisfied, origin: nil, evaluatedAt: nil), receivedAt: nil)
        #expect(try Case(proto: bare.proto) == bare)
    }

    @Test func aRequiredEnumLeftUnspecifiedNamesItsField() throws {
        var m = Self.everyFieldSet.proto
        m.status = .unspecified
        #expect(throws: WireDecodingError.self) { try Case(proto: m) }
        do { _ = try Case(proto: m) } catch { #expect("\(error)".hasPrefix("status:")) }
    }
}

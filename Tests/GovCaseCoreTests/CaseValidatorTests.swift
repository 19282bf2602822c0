import Foundation
import GovCaseCore
import Testing

@Suite struct CaseValidatorTests {
    @Test(arguments: SatisfactionLevel.allCases)
    func aValidEvaluationAtEveryLevelHasNoViolations(level: SatisfactionLevel) {
        #expect(fieldsAndRules(Fixtures.evaluation(level: level)) == [])
    }

    @Test(arguments: CaseKind.allCases.filter(\.isRequest))
    func aValidRequestOfEveryKindHasNoViolations(kind: CaseKind) {
        #expect(fieldsAndRules(Fixtures.request(kind)) == [])
    }

    /// An evaluation rates a service already given: timed before the matter's completion or the node's service
    /// (beyond the clock skew) it is refused, naming evaluated_at; within the skew it passes.
    @Test func anEvaluationBeforeTheServiceItRatesIsRefused() {
        var c = Fixtures.evaluation()
        let evaluated = c.evaluation!.evaluatedAt!
        c.evaluation?.serviceDeliveredAt = evaluated.addingTimeInterval(3600)
        #expect(fieldsAndRules(c) == ["evaluation.evaluated_at inconsistent"])
        c.evaluation?.serviceDeliveredAt = evaluated.addingTimeInterval(30)
        #expect(fieldsAndRules(c) == [])
        c.service.node = ServiceNode(number: 2, name: "受理", servedAt: evaluated.addingTimeInterval(1_800))
        c.service.matterID = "BJ-510104-20250301-0001"
        #expect(fieldsAndRules(c).contains("evaluation.evaluated_at inconsistent"))
    }

    @Test func everyViolationIsReportedAtOnceInFieldOrder() {
        var c = Fixtures.evaluation()
        c.regionCode = "1234"
        c.service.organisation.creditCode = "X"
        c.requester?.phone = "999"
        c.evaluation?.level = nil
        #expect(
            fieldsAndRules(c) == [
                "region_code region_code", "service.organisation.credit_code credit_code",
                "evaluation.level required", "requester.phone phone",
            ])
        #expect(throws: CaseError.self) { try CaseValidator.standard.validate(c) }
    }

    // MARK: Levels

    @Test(arguments: [0, 6, -1, 42])
    func aLevelOutsideOneToFiveIsRefusedAtItsField(raw: Int) {
        let result = SatisfactionLevel.parse(raw, field: "evaluation.level")
        guard case .failure(let violation) = result else {
            Issue.record("\(raw) was accepted")
            return
        }
        #expect(violation.field == "evaluation.level")
        #expect(violation.rule == .level)
    }

    @Test(arguments: 1...5)
    func levelsOneToFiveAreAccepted(raw: Int) throws {
        #expect(try SatisfactionLevel.parse(raw, field: "level").get().rawValue == raw)
    }

    @Test func aDimensionWithoutALevelIsRefused() {
        var c = Fixtures.evaluation()
        c.evaluation?.dimensions = [
            DimensionRating(dimension: .attitude, level: .satisfied),
            DimensionRating(dimension: .efficiency, level: nil),
        ]
        #expect(fieldsAndRules(c) == ["evaluation.dimensions[1].level required"])
    }

    @Test(arguments: [SatisfactionLevel.dissatisfied, .veryDissatisfied])
    func aBadReviewNeedsDetailItemsOrText(level: SatisfactionLevel) {
        var c = Fixtures.evaluation(level: level)
        c.evaluation?.detailItems = []
        #expect(fieldsAndRules(c) == ["evaluation.detail_items bad_review_detail"])
        c.evaluation?.text = "窗口人员态度冷淡"
        #expect(fieldsAndRules(c) == [])
    }

    // MARK: Required fields per kind

    @Test func anEvaluationNeedsItsEvaluationServiceAndOrganisation() {
        var c = Fixtures.evaluation()
        c.evaluation = nil
        c.service = ServiceReference()
        #expect(
            fieldsAndRules(c) == [
                "service.item_code required", "service.organisation.name required", "service.channel required",
                "evaluation required",
            ])
    }

    @Test func anEvaluationNeedsItsTimeAndExternalID() {
        var c = Fixtures.evaluation()
        c.evaluation?.evaluatedAt = nil
        c.source.externalID = " "
        c.receivedAt = nil
        #expect(
            fieldsAndRules(c) == [
                "source.external_id required", "evaluation.evaluated_at required", "received_at required",
            ])
    }

    @Test(arguments: CaseKind.allCases.filter(\.isRequest))
    func everyRequestNeedsContent(kind: CaseKind) {
        var c = Fixtures.request(kind)
        c.request?.content = ""
        #expect(fieldsAndRules(c) == ["request.content required"])
    }

    /// POLICY.md §4: 12345 accepts anonymous requests, the caller leaving a call-back number at most, and a
    /// complaint body's taking an anonymous complaint is its decision, not the gateway's. A real-name
    /// complainant is held to a name and a number to answer on.
    @Test func aComplaintNeedsItsRespondentAndARealNameComplainantANameAndPhone() {
        var c = Fixtures.request(.complaint)
        c.request?.respondent = nil
        c.requester?.realName = true
        c.requester?.name = ""
        c.requester?.phone = ""
        #expect(
            fieldsAndRules(c) == [
                "request.respondent.name required", "requester.name required", "requester.phone required",
            ])
        c.requester?.realName = false
        #expect(fieldsAndRules(c) == ["request.respondent.name required"], "an anonymous complaint is accepted")
        c.requester = nil
        #expect(fieldsAndRules(c) == ["request.respondent.name required"], "so is one with no caller at all")
    }

    @Test func theReasonForARequiredFieldIsInItsMessage() {
        var c = Fixtures.request(.complaint)
        c.requester?.realName = true
        c.requester?.phone = ""
        let message = CaseValidator(context: ValidationContext(now: Fixtures.now)).violations(in: c).first?.message
        #expect(message?.contains("real-name") == true && message?.contains("real_name false") == true)
    }

    @Test func aReportNeedsARespondentOrAPlace() {
        var c = Fixtures.request(.report)
        c.request?.respondent = nil
        c.requester = nil  // reports may be anonymous
        #expect(fieldsAndRules(c) == ["request.respondent.name required"])
        c.request?.location = Location(regionCode: "500151", address: "潼南区某路12号")
        #expect(fieldsAndRules(c) == [])
    }

    @Test func aRealNameHelpRequestNeedsAPhoneToCallBackAndAnAnonymousOneNone() {
        var c = Fixtures.request(.helpRequest)
        c.requester?.realName = true
        c.requester?.phone = ""
        #expect(fieldsAndRules(c) == ["requester.phone required"])
        c.requester?.realName = false
        #expect(fieldsAndRules(c) == [])
    }

    @Test func anAnonymousConsultationIsValid() {
        var c = Fixtures.request(.consultation)
        c.requester = Party(kind: .naturalPerson, realName: false)
        #expect(fieldsAndRules(c) == [])
    }

    @Test func aRealNamePartyNeedsAName() {
        var c = Fixtures.evaluation()
        c.requester?.name = ""
        #expect(fieldsAndRules(c) == ["requester.name required"])
    }

    @Test func aRequestCaseNeedsItsRequestAndAnEvaluationCaseCarriesNone() {
        var r = Fixtures.request(.suggestion)
        r.request = nil
        #expect(fieldsAndRules(r) == ["request required"])
        var e = Fixtures.evaluation()
        e.request = Request(content: "x")
        #expect(fieldsAndRules(e) == ["request inconsistent"])
    }

    @Test func theLifecycleMustFitTheKindAndLevel() {
        var c = Fixtures.evaluation(level: .verySatisfied)
        c.lifecycle = .badReview
        c.status = .awaitingVerification
        #expect(fieldsAndRules(c) == ["lifecycle inconsistent"])
        var r = Fixtures.request(.complaint)
        r.lifecycle = .tourismComplaint
        r.status = .mediating
        #expect(fieldsAndRules(r) == [])
        r.status = .awaitingRating
        #expect(fieldsAndRules(r) == ["status inconsistent"])
    }

    // MARK: Times

    @Test func timesWithinTheClockSkewAreAccepted() {
        var c = Fixtures.evaluation()
        c.evaluation?.evaluatedAt = Fixtures.now.addingTimeInterval(299)
        #expect(fieldsAndRules(c) == [])
    }

    @Test func timesBeyondTheClockSkewAreRefusedByField() {
        var c = Fixtures.evaluation()
        c.evaluation?.evaluatedAt = Fixtures.now.addingTimeInterval(301)
        c.evaluation?.serviceDeliveredAt = Fixtures.now.addingTimeInterval(86_400)
        c.receivedAt = Fixtures.now.addingTimeInterval(3600)
        #expect(
            fieldsAndRules(c) == [
                "evaluation.evaluated_at future_time", "evaluation.service_delivered_at future_time",
                "received_at future_time",
            ])
        var r = Fixtures.request(.report)
        r.request?.occurredAt = Fixtures.now.addingTimeInterval(600)
        #expect(fieldsAndRules(r) == ["request.occurred_at future_time"])
    }

    @Test func theClockSkewIsConfigurable() {
        var c = Fixtures.evaluation()
        c.evaluation?.evaluatedAt = Fixtures.now.addingTimeInterval(120)
        let strict = CaseValidator(context: ValidationContext(now: Fixtures.now, clockSkew: 60))
        #expect(strict.violations(in: c).map(\.rule) == [.futureTime])
    }

    // MARK: Lengths

    @Test func textLengthsCountCharactersNotBytes() {
        var c = Fixtures.evaluation()
        c.evaluation?.text = String(repeating: "差", count: 2000)
        #expect(fieldsAndRules(c) == [])
        c.evaluation?.text += "差"
        #expect(fieldsAndRules(c) == ["evaluation.text max_length"])
    }

    @Test func requestTextLimits() {
        var c = Fixtures.request(.consultation)
        c.request?.title = String(repeating: "题", count: 201)
        c.request?.content = String(repeating: "内", count: 4001)
        #expect(fieldsAndRules(c) == ["request.title max_length", "request.content max_length"])
    }

    @Test func limitsAreConfigurable() {
        var c = Fixtures.request(.consultation)
        c.request?.title = "十个字的标题一二三四"
        let tight = CaseValidator(context: ValidationContext(now: Fixtures.now, limits: TextLimits(title: 9)))
        #expect(tight.violations(in: c).map(\.field) == ["request.title"])
    }
}

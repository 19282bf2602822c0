import GovCaseCore
import Testing

@Suite struct RegionCodeTests {
    @Test(arguments: ["110101", "510104", "500151", "650102", "820000"])
    func validCodes(code: String) { #expect(RegionCode.isValid(code)) }

    @Test(arguments: [
        "",  // empty
        "51010",  // five digits
        "5101041",  // seven digits
        "99a104",  // not digits
        "990104",  // 99 is no province
        "000000",  // 00 is no province
        "５１０１０４",  // full-width digits
    ])
    func invalidCodes(code: String) { #expect(!RegionCode.isValid(code)) }

    @Test func validatorNamesTheRegionField() {
        var c = Fixtures.evaluation()
        c.regionCode = "990104"
        #expect(fieldsAndRules(c) == ["region_code region_code"])
        c.regionCode = ""
        #expect(fieldsAndRules(c) == ["region_code required"])
    }
}

@Suite struct UnifiedSocialCreditCodeTests {
    @Test(arguments: [
        "914403001922038216",  // 华为技术有限公司
        "91440300708461136T",  // 深圳市腾讯计算机系统有限公司
        "91110000802100433B",  // 中国石油天然气股份有限公司
        "12100000400000624D",  // a public institution (事业单位), registration authority 1
    ])
    func validCodes(code: String) { #expect(UnifiedSocialCreditCode.isValid(code)) }

    @Test(arguments: [
        "914403001922038217",  // check character off by one
        "91440300708461136",  // 17 characters
        "91440300708461136TT",  // 19 characters
        "91440300708461I36T",  // I is not in the alphabet
        "91990300708461136T",  // region part 990300 is not a region (check recomputed below would not help)
        "91440300708461136t",  // lowercase
    ])
    func invalidCodes(code: String) { #expect(!UnifiedSocialCreditCode.isValid(code)) }

    @Test func checkCharacterIsComputedMod31() {
        #expect(UnifiedSocialCreditCode.checkCharacter(for: "91440300708461136") == "T")
        #expect(UnifiedSocialCreditCode.checkCharacter(for: "91110000802100433") == "B")
    }

    @Test func validatorNamesTheOrganisationField() {
        var c = Fixtures.evaluation()
        c.service.organisation.creditCode = "914403001922038217"
        #expect(fieldsAndRules(c) == ["service.organisation.credit_code credit_code"])
        var r = Fixtures.request(.complaint)
        r.request?.respondent?.creditCode = "91110000802100433C"
        #expect(fieldsAndRules(r) == ["request.respondent.credit_code credit_code"])
    }
}

@Suite struct ResidentIDNumberTests {
    static let today = CivilDate("2025-03-10")!

    @Test(arguments: [
        "11010519491231002X",  // GB 11643 example, check character X
        "440524188001010014",  // GB 11643 example
        "110101199003074477",
        "510104198507125679",
    ])
    func validNumbers(number: String) { #expect(ResidentIDNumber.problem(with: number, today: Self.today) == nil) }

    @Test(arguments: [
        ("510104198507125678", "the check character does not match"),
        ("11010519491231002x", "the check character does not match"),  // lowercase x
        ("11010519491231002", "must be 18 characters"),
        ("1101051949123100AX", "the first 17 characters must be digits"),
        ("990105194912310021", "the first 6 digits are not a region code"),
        ("110105194902300025", "digits 7–14 are not a valid birth date"),  // 30 February
        ("110105203001010015", "digits 7–14 are not a valid birth date"),  // born in 2030
    ])
    func invalidNumbers(number: String, problem: String) {
        #expect(ResidentIDNumber.problem(with: number, today: Self.today) == problem)
    }

    @Test func validatorNamesTheDocumentNumberWithoutQuotingIt() throws {
        var c = Fixtures.evaluation()
        c.requester?.documentNumber = "510104198507125678"
        let violation = try #require(CaseValidator.standard.violations(in: c).first)
        #expect("\(violation.field) \(violation.rule)" == "requester.document_number resident_id")
        #expect(!violation.message.contains("510104198507125678"))
    }

    @Test func aDocumentNumberNeedsItsType() {
        var c = Fixtures.evaluation()
        c.requester?.documentType = nil
        #expect(fieldsAndRules(c) == ["requester.document_type required"])
    }

    @Test func anOrganisationsDocumentIsCheckedAsACreditCode() {
        var c = Fixtures.evaluation()
        c.requester = Party(
            kind: .legalPerson, realName: true, name: "某公司", documentType: .unifiedSocialCreditCode,
            documentNumber: "914403001922038217")
        #expect(fieldsAndRules(c) == ["requester.document_number credit_code"])
        c.requester?.documentNumber = "914403001922038216"
        #expect(fieldsAndRules(c) == [])
    }
}

@Suite struct PhoneNumberTests {
    @Test(arguments: [
        "13812345678", "19912345678", "+8613812345678", "0086 138 1234 5678", "138-1234-5678",  // mobiles
        "028-85556666", "02885556666", "0755-8888888", "010-12345678", "023-45671234-802",  // landlines
    ])
    func validNumbers(number: String) { #expect(PhoneNumber.isValid(number)) }

    @Test(arguments: [
        "12812345678",  // 12x is not a mobile prefix
        "1381234567",  // 10 digits
        "138123456789",  // 12 digits
        "28-85556666",  // landline without the leading 0
        "028-855566",  // 6-digit subscriber number
        "028-855566667",  // 9-digit subscriber number
        "001-12345678",  // 00 is the international prefix
        "12345",  // a service number is not a contact number
        "138１2345678",  // full-width digit
        "",
    ])
    func invalidNumbers(number: String) { #expect(!PhoneNumber.isValid(number)) }

    /// Provinces send mobiles with a country prefix; every adapter's party keeps the 11 digits, so the same
    /// person's number is one value for de-duplication, masking and call-backs. Landlines stay as sent.
    @Test(arguments: [
        ("008613956781234", "13956781234"), ("+8613726541230", "13726541230"), ("0086-13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"), ("13812345678", "13812345678"), ("028-85556666", "028-85556666"),
        ("12812345678", "12812345678"),
    ])
    func mobilesAreStoredAsTheirElevenDigits(sent: String, stored: String) {
        #expect(PhoneNumber.normalized(sent) == stored)
        #expect(Party(phone: sent).phone == stored)
        #expect(Party(phone: sent).masked.phone == Party(phone: stored).masked.phone)
    }

    @Test func validatorNamesThePhoneWithoutQuotingIt() throws {
        var c = Fixtures.evaluation()
        c.requester?.phone = "12812345678"
        let violation = try #require(CaseValidator.standard.violations(in: c).first)
        #expect("\(violation.field) \(violation.rule)" == "requester.phone phone")
        #expect(!violation.message.contains("12812345678"))
    }
}

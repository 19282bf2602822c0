import GovCaseCore
import Testing

@Suite struct CodeTableTests {
    let defaults = CodeTable([
        "documentType": ["10": "residentIDCard", "20": "passport"],
        "channel": ["1": "web", "3": "windowQRCode", "4": "hallTablet"],
    ])

    @Test func lookupMapsKnownCodesAndNamesTheFieldOtherwise() throws {
        #expect(try defaults.lookup("channel", "3", field: "channel", as: Channel.self).get() == .windowQRCode)
        guard case .failure(let unknown) = defaults.lookup("channel", "9", field: "channel", as: Channel.self),
            case .failure(let empty) = defaults.lookup("channel", "", field: "channel", as: Channel.self)
        else {
            Issue.record("unknown or empty codes were accepted")
            return
        }
        #expect("\(unknown.field) \(unknown.rule)" == "channel unknown_code")
        #expect(unknown.message.contains("known: 1, 3, 4"))
        #expect("\(empty.field) \(empty.rule)" == "channel required")
    }

    @Test func anOverrideReplacesTheDefaultCodesOfTheValuesItMaps() throws {
        let province = defaults.overridden(by: CodeTable(["documentType": ["31": "residentIDCard"]]))
        #expect(
            try province.lookup("documentType", "31", field: "f", as: IdentityDocumentType.self).get()
                == .residentIDCard)
        // 10 is no longer an ID card there, and rendering uses 31.
        #expect((try? province.lookup("documentType", "10", field: "f", as: IdentityDocumentType.self).get()) == nil)
        #expect(province.code("documentType", for: IdentityDocumentType.residentIDCard) == "31")
        // Untouched values and tables keep their defaults.
        #expect(province.code("documentType", for: IdentityDocumentType.passport) == "20")
        #expect(province.code("channel", for: Channel.web) == "1")
    }

    @Test func anOverrideCanGiveACodeANewMeaning() throws {
        let province = defaults.overridden(by: CodeTable(["channel": ["1": "windowDevice"]]))
        #expect(try province.lookup("channel", "1", field: "f", as: Channel.self).get() == .windowDevice)
        #expect(province.code("channel", for: Channel.web) == nil)
    }

    @Test func overridesApplyPerSourceSystem() {
        let tables = CodeTables(defaults: defaults, overrides: ["js-gov": CodeTable(["channel": ["9": "web"]])])
        #expect(tables.table(for: "js-gov").code("channel", for: Channel.web) == "9")
        #expect(tables.table(for: "sc-gov").code("channel", for: Channel.web) == "1")
    }

    @Test func renderingAValueWithoutACodeIsAnError() throws {
        #expect(throws: CaseError.self) {
            try defaults.renderCode("channel", for: Channel.sms, field: "service.channel")
        }
        #expect(try defaults.renderCode("channel", for: Channel?.none, field: "service.channel") == "")
    }

    @Test func levelsAreNamedInTables() throws {
        let table = CodeTable(["satisfaction": ["A": "verySatisfied", "E": "veryDissatisfied"]])
        #expect(
            try table.lookup("satisfaction", "E", field: "f", as: SatisfactionLevel.self).get() == .veryDissatisfied)
        #expect(table.code("satisfaction", for: SatisfactionLevel.verySatisfied) == "A")
    }
}

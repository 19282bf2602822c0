import Foundation
import GovCaseConformance
import GovCasePolicy
import Testing

/// The case catalogue is data, checked at start: every mistake in it is an error naming the key.
@Suite struct CatalogueTests {
    static let one = """
        version: 1
        cases:
          - id: receiver.health.serving
            level: core
            strength: MUST
            expectation: SERVING.
            hint: Serve health.
        """

    @Test func theShippedCatalogueMatchesTheKitsChecks() throws {
        let catalogue = try Catalogue.shipped()
        #expect(catalogue.cases.count == AdapterChecks.ids.count + ReceiverChecks.ids.count + SourceChecks.ids.count)
        #expect(catalogue.cases.allSatisfy { !$0.expectation.isEmpty && !$0.hint.isEmpty })
    }

    @Test(arguments: [
        (one + "\n    colour: red", "cases.0.colour"),
        (one.replacingOccurrences(of: "level: core", with: "level: basic"), "cases.0.level"),
        (one.replacingOccurrences(of: "strength: MUST", with: "strength: MAY"), "cases.0.strength"),
        (one.replacingOccurrences(of: "receiver.health.serving", with: "receiver-health"), "cases.0.id"),
        (one + "\n" + one.split(separator: "\n").dropFirst(2).joined(separator: "\n"), "cases.1.id"),
    ])
    func aBrokenCatalogueIsRefusedNamingTheKey(yaml: String, key: String) {
        #expect {
            try Catalogue.parse(yaml: yaml, implemented: ["receiver.health.serving"])
        } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }

    @Test func aCaseWithoutACheckAndACheckWithoutACaseAreRefused() {
        #expect(throws: ConfigurationError.self) {
            try Catalogue.parse(yaml: Self.one, implemented: [])
        }
        #expect(throws: ConfigurationError.self) {
            try Catalogue.parse(yaml: Self.one, implemented: ["receiver.health.serving", "receiver.other.case"])
        }
    }
}

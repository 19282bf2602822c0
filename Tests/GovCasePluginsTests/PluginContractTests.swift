import Foundation
import GovCaseCore
import GovCasePlugins
import GovCasePolicy
import GovCaseProto
import SwiftProtobuf
import Testing

/// The plugin protocol's rules, each refusal with what the operator or the plugin author sees.
@Suite struct PluginContractTests {
    static let manifest = """
        id: province-json
        version: 1.0.0
        executable: plugin.py
        message_types: [example.v1.Record]
        """

    @Test(arguments: [
        (manifest.replacingOccurrences(of: "province-json", with: "Province_JSON"), "id"),
        (manifest.replacingOccurrences(of: "1.0.0", with: "1"), "version"),
        (manifest.replacingOccurrences(of: "plugin.py", with: "\"\""), "executable"),
        (manifest.replacingOccurrences(of: "[example.v1.Record]", with: "[]"), "message_types"),
        (manifest.replacingOccurrences(of: "[example.v1.Record]", with: "[Record]"), "message_types"),
        (manifest.replacingOccurrences(of: "[example.v1.Record]", with: "[a.B, a.B]"), "message_types"),
        (manifest + "\nenvironment: {GOVCASE_PLUGIN_SOCKET: /tmp/x}", "environment"),
        (manifest + "\nconcurrency: 0", "concurrency"),
        (manifest + "\nprotocol_versions: [one]", "protocol_versions"),
        (manifest + "\nrestart: {max_exits: 0}", "restart.max_exits"),
        (manifest + "\nrestart: {colour: red}", "restart.colour"),
        (manifest + "\ncolour: red", "colour"),
    ])
    func aBadManifestIsRefusedNamingTheKey(yaml: String, key: String) {
        #expect {
            try PluginManifest.parse(yaml: yaml)
        } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }

    @Test func theHandshakeLineIsParsedAndCheckedAgainstTheManifest() throws {
        let manifest = try PluginManifest.parse(yaml: Self.manifest)
        let line = try HandshakeLine(parsing: "govcase-plugin|1|unix|/s/p.sock|province-json|1.0.0")
        try line.check(socketPath: "/s/p.sock", manifest: manifest, gatewayVersions: ["1"])
        #expect(throws: HandshakeError.notAHandshake(line: "Starting up...")) {
            try HandshakeLine(parsing: "Starting up...")
        }
        #expect("\(HandshakeError.notAHandshake(line: "Starting up..."))".contains("\"Starting up...\""))
        #expect(throws: HandshakeError.self) {
            try HandshakeLine(parsing: "govcase-plugin|1|tcp|:80|province-json|1.0.0")
        }
        #expect {
            try HandshakeLine(parsing: "govcase-plugin|1|unix|/s/p.sock|other|1.0.0")
                .check(socketPath: "/s/p.sock", manifest: manifest, gatewayVersions: ["1"])
        } throws: { "\($0)".contains("\"other\"") }
        let newer = try PluginManifest.parse(yaml: Self.manifest + "\nprotocol_versions: [\"2\"]")
        #expect {
            try HandshakeLine(parsing: "govcase-plugin|2|unix|/s/p.sock|province-json|1.0.0")
                .check(socketPath: "/s/p.sock", manifest: newer, gatewayVersions: ["1"])
        } throws: { "\($0)".contains("the gateway is older") }
    }

    static let context = TranslationContext(sourceSystem: "national-sc", receivedAt: Date())

    /// A case a plugin may answer for record `R-1`.
    static var validCase: Govcase_Core_V1_Case {
        .with {
            $0.source = .with {
                $0.externalID = "R-1"
                $0.revision = 1
            }
            $0.kind = .evaluation
            $0.regionCode = "510104"
            $0.service = .with {
                $0.itemCode = "SC-001"
                $0.organisation = .with { $0.name = "锦江区行政审批局" }
                $0.channel = .web
            }
            $0.evaluation = .with {
                $0.level = .verySatisfied
                $0.origin = .active
                $0.evaluatedAt = Google_Protobuf_Timestamp(date: Date().addingTimeInterval(-60))
            }
            $0.receivedAt = Google_Protobuf_Timestamp(date: Date().addingTimeInterval(-60))
        }
    }

    func answer(_ edit: (inout Govcase_Core_V1_Case) -> Void) -> Result<Translation, PluginAnswer.ContractBroken> {
        var c = Self.validCase
        edit(&c)
        return PluginAnswer.translation(
            of: .with { $0.case = c }, recordExternalID: "R-1", pluginID: "province-json", context: Self.context)
    }

    func brokenReason(_ edit: (inout Govcase_Core_V1_Case) -> Void) -> String? {
        if case .failure(let broken) = answer(edit) { return broken.description }
        return nil
    }

    @Test func aValidCaseIsTakenWithTheGatewaysOwnFields() throws {
        guard case .success(.newCase(let c)) = answer({ _ in }) else {
            Issue.record("\(answer({ _ in }))")
            return
        }
        #expect(c.source.sourceSystem == "national-sc" && c.source.adapterID == "province-json")
        #expect(c.lifecycle == .evaluation && c.caseID.isEmpty)
    }

    @Test func anAnswerOutsideTheContractIsRefusedNamingThePluginAndTheFault() {
        let faults: [(String, (inout Govcase_Core_V1_Case) -> Void)] = [
            ("case_id", { $0.caseID = "x" }),
            ("created_at", { $0.createdAt = Google_Protobuf_Timestamp(date: Date()) }),
            ("events", { $0.events = [.init()] }),
            ("source system \"someone-else\"", { $0.source.sourceSystem = "someone-else" }),
            ("adapter \"national-platform\"", { $0.source.adapterID = "national-platform" }),
            ("a case \"R-2\" for record \"R-1\"", { $0.source.externalID = "R-2" }),
            (
                "may not start in status",
                {
                    $0.lifecycle = .badReview
                    $0.status = .closed
                }
            ),
            // A closed work order may be restarted, but a new one never starts closed.
            (
                "may not start in status",
                {
                    $0.kind = .complaint
                    $0.lifecycle = .request
                    $0.status = .closed
                }
            ),
        ]
        for (expected, edit) in faults {
            let reason = brokenReason(edit)
            #expect(
                reason?.contains("province-json") == true && reason?.contains(expected) == true,
                "\(expected): \(reason ?? "accepted")")
        }
        let none = PluginAnswer.translation(
            of: .init(), recordExternalID: "R-1", pluginID: "province-json", context: Self.context)
        guard case .failure(let broken) = none else {
            Issue.record("an empty answer was accepted")
            return
        }
        #expect(broken.description.contains("no case, follow-up or rejection"))
    }

    @Test func aCaseThePluginGotWrongIsRejectedByTheCoreValidator() {
        guard case .success(.rejected(let violations)) = answer({ $0.regionCode = "999999" }) else {
            Issue.record("a bad region was not rejected")
            return
        }
        #expect(violations.contains { $0.field == "region_code" })
    }
}

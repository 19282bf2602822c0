import Foundation
import GovCaseCore
import GovCaseProto
import GovCaseWire
import SwiftProtobuf
import Testing

/// `govcase translate` on every vector, as a separate process: the same answers from the command line.
@Suite struct CommandLineTests {
    static let executable = Bundle.main.executableURL!.deletingLastPathComponent().appendingPathComponent("govcase")

    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func govcase(_ arguments: [String], input: String) throws -> Run {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }

    static func arguments(for vector: Vector) throws -> [String] {
        var arguments = [
            "translate", "--adapter", vector.adapterID, "--source-system", vector.sourceSystem,
            "--received-at", ISO8601DateFormatter().string(from: vector.receivedAt),
        ]
        if let overrides = vector.overrides {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("codes-\(UUID()).json")
            try JSONEncoder().encode(overrides.tables).write(to: file)
            arguments += ["--codes", file.path]
        }
        return arguments + ["-"]
    }

    @Test(arguments: Vector.all(valid: true))
    func validVectorsPrintTheirCaseAndExitZero(vector: Vector) throws {
        let run = try Self.govcase(try Self.arguments(for: vector), input: vector.record)
        #expect(run.status == 0, "\(run.stderr)")
        if let golden = vector.expect["case"] {
            // The vector says what the adapter makes; translate answers as the gateway does after it: the deadlines
            // of the embedded policy started, and shown as an unmasked read (no identity key beside the name).
            var expected = try Case(proto: Govcase_Core_V1_Case(jsonString: golden.text))
            #expect(expected.admit(under: RegionalDeadlinePolicies()).isEmpty)
            #expect(try Govcase_Core_V1_Case(jsonString: run.stdout) == expected.unmasked.proto)
        } else {
            let golden = try #require(vector.expect["follow_up"])
            #expect(
                try Govcase_Core_V1_FollowUp(jsonString: run.stdout)
                    == Govcase_Core_V1_FollowUp(jsonString: golden.text))
        }
    }

    @Test(arguments: Vector.all(valid: false))
    func invalidVectorsPrintOneViolationPerLineAndExitOne(vector: Vector) throws {
        let run = try Self.govcase(try Self.arguments(for: vector), input: vector.record)
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        let lines = run.stderr.split(separator: "\n").map(String.init)
        let expected = try #require(vector.expect["violations"]?.array)
        #expect(lines.count == expected.count)
        for (line, violation) in zip(lines, expected) {
            #expect(line.hasPrefix("\(violation["field"]!): \(violation["rule"]!): "), "\(line)")
        }
    }

    /// A vector file given as is: its own record, time, source system and overrides are used.
    @Test(arguments: Vector.all())
    func vectorFilesTranslateAsGiven(vector: Vector) throws {
        let run = try Self.govcase(["translate", "--adapter", vector.adapterID, vector.url.path], input: "")
        #expect(run.status == (vector.isValid ? 0 : 1), "\(run.stderr)")
    }

    @Test func anUnknownAdapterExitsTwoAndListsTheKnownOnes() throws {
        let run = try Self.govcase(["translate", "--adapter", "provincial-x", "-"], input: "{}")
        #expect(run.status == 2)
        #expect(run.stderr.contains("national-platform, culture-tourism, hotline-12345"))
    }

    @Test func anUnknownTypeExitsTwoAndListsTheAcceptedOnes() throws {
        let run = try Self.govcase(
            ["translate", "--adapter", "hotline-12345", "-"],
            input: #"{"@type": "govcase.sources.national.v1.EvaluationRecord"}"#)
        #expect(run.status == 2)
        #expect(run.stderr.contains("govcase.sources.hotline12345.v1.WorkOrder"))
    }

    @Test func aRecordWithoutTypeNeedsTheTypeOption() throws {
        let noType = try Self.govcase(["translate", "--adapter", "hotline-12345", "-"], input: "{}")
        #expect(noType.status == 2)
        let withType = try Self.govcase(
            ["translate", "--adapter", "hotline-12345", "--type", "govcase.sources.hotline12345.v1.WorkOrder", "-"],
            input: "{}")
        #expect(withType.status == 1)  // now it is read, and every required field is reported
        #expect(withType.stderr.contains("order_id: required: "))
    }

    /// A value the JSON decoder refuses is named by its field, as any other violation is (a time without seconds,
    /// as a province sent it, gave `record: malformed: malformedTimestamp`).
    @Test(arguments: [
        ("evaluated_at", "\"2025-03-08T16:00:00Z\"", "\"2026-11-05T10:05+08:00\"", "evaluated_at"),
        ("org_name", "\"成都市锦江区行政审批局\"", "17", "item.org_name"),
    ])
    func aMalformedValueIsNamedByItsField(key: String, good: String, bad: String, path: String) throws {
        let vector = Vector.root.appendingPathComponent("national-platform/valid/014-default-evaluation-no-evaluator.json")
        let record = try #require(
            (try JSONSerialization.jsonObject(with: Data(contentsOf: vector)) as? [String: Any])?["record"])
        let text = String(decoding: try JSONSerialization.data(withJSONObject: record), as: UTF8.self)
        let broken = text.replacingOccurrences(of: "\"\(key)\":\(good)", with: "\"\(key)\":\(bad)")
        #expect(broken != text, "\(text)")
        let run = try Self.govcase(["translate", "--adapter", "national-platform", "-"], input: broken)
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("\(path): malformed: "), "\(run.stderr)")
    }

    /// The gateway's bounds on a record's structure hold in translate too: 1,001 detail items are refused.
    @Test func aRecordPastTheGatewaysBoundsIsRefusedAsTheGatewayRefusesIt() throws {
        let vector = Vector.root.appendingPathComponent("national-platform/valid/014-default-evaluation-no-evaluator.json")
        var record = try #require(
            (try JSONSerialization.jsonObject(with: Data(contentsOf: vector)) as? [String: Any])?["record"]
                as? [String: Any])
        record["detail_items"] = (0...1_000).map { "\($0)" }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: record), as: UTF8.self)
        let run = try Self.govcase(["translate", "--adapter", "national-platform", "-"], input: text)
        #expect(run.status == 1 && run.stdout.isEmpty, "\(run.stdout)")
        #expect(run.stderr.hasPrefix("detail_items: max_items: "), "\(run.stderr)")
    }

    @Test func malformedJSONExitsOne() throws {
        let run = try Self.govcase(["translate", "--adapter", "hotline-12345", "-"], input: "{not json")
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("record: malformed"))
    }

    @Test func adaptersListNamesEveryAdapterAndItsTypes() throws {
        let run = try Self.govcase(["adapters", "list"], input: "")
        #expect(run.status == 0)
        for line in [
            "national-platform\t1.0.0", "culture-tourism\t1.0.0", "hotline-12345\t1.0.0",
            "    govcase.sources.culturetourism.v1.HotlineHandover",
        ] {
            #expect(run.stdout.contains(line))
        }
    }

    /// `--codes` adds to a deployment's code overrides, table by table and code by code; the given value wins.
    @Test func givenCodesAddToTheDeploymentsOwn() {
        var deployment = CodeTable(["channel": ["A1": "CHANNEL_WEB", "A2": "CHANNEL_APP"], "level": ["9": "1"]])
        deployment.merge(CodeTable(["channel": ["A2": "CHANNEL_WINDOW", "A3": "CHANNEL_KIOSK"], "outcome": ["x": "y"]]))
        #expect(
            deployment.tables == [
                "channel": ["A1": "CHANNEL_WEB", "A2": "CHANNEL_WINDOW", "A3": "CHANNEL_KIOSK"], "level": ["9": "1"],
                "outcome": ["x": "y"],
            ])
    }

    /// Through the command: a deployment overrides the ID-card code for js-gov, `--codes` the channel code; the
    /// record needs both (vector 029). Replacing the deployment's table with the given one refused the record
    /// for its document type.
    @Test func translatesWithTheDeploymentsCodesAndTheGivenOnesTogether() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("codes-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try Self.govcase(["pki", "init", "--out", folder.path], input: "").status == 0)
        let configuration = folder.appendingPathComponent("gateway.yaml")
        try (try String(contentsOf: configuration, encoding: .utf8)
            + "\ncode_overrides:\n  national-platform:\n    js-gov:\n      documentType: {\"10\": residentIDCard}\n")
            .write(to: configuration, atomically: true, encoding: .utf8)
        let codes = folder.appendingPathComponent("channel.json")
        try Data(#"{"channel": {"1": "windowDevice"}}"#.utf8).write(to: codes)
        let vector = Vector.root.appendingPathComponent("national-platform/valid/029-override-id-card-code-10.json").path
        let run = try Self.govcase(
            ["translate", "--config", configuration.path, "--adapter", "national-platform", "--codes", codes.path, vector],
            input: "")
        #expect(run.status == 0, "\(run.stderr)")
        let printed = try Govcase_Core_V1_Case(jsonString: run.stdout)
        #expect(printed.service.channel == .windowDevice, "the given channel code applies")
        #expect(printed.requester.documentType == .residentIDCard, "the deployment's document code still applies")
    }

    /// translate answers as the gateway does (issue: it printed no deadlines, accepted a default rating the
    /// gateway refused and printed the certKey beside the clear name): the deadlines started, the region's
    /// default-rating rule applied, the identity key left out of the unmasked view, and with `--config` the
    /// deployment's deadlines.
    @Test func translateAnswersAsTheGatewayDoesAndTakesADeploymentsConfiguration() throws {
        let vectors = Vector.root
        let defaulted = vectors.appendingPathComponent("national-platform/valid/014-default-evaluation-no-evaluator.json").path
        let plain = try Self.govcase(["translate", "--adapter", "national-platform", defaulted], input: "")
        #expect(plain.status == 0, "\(plain.stderr)")
        let printed = try Govcase_Core_V1_Case(jsonString: plain.stdout)
        // 7 natural days after the matter's completion (2025-03-01 09:00 China time): 2025-03-09 00:00 China time.
        #expect(printed.handling.deadlines.defaultRatingAt.date == ISO8601DateFormatter().date(from: "2025-03-08T16:00:00Z"))

        // A default rating dated before the default time: the gateway refuses it, so translate does.
        let early = try String(contentsOfFile: defaulted, encoding: .utf8).replacingOccurrences(
            of: "\"evaluated_at\" : \"2025-03-08T16:00:00Z\",\n    \"evaluation_id\"",
            with: "\"evaluated_at\" : \"2025-03-05T16:00:00Z\",\n    \"evaluation_id\"")
        #expect(early.contains("2025-03-05T16:00:00Z"))
        let refused = try Self.govcase(["translate", "--adapter", "national-platform", "-"], input: early)
        #expect(refused.status == 1 && refused.stdout.isEmpty, "\(refused.stdout)")
        #expect(refused.stderr.hasPrefix("evaluated_at: inconsistent: "), "\(refused.stderr)")

        // A deployment whose default rating is 非常满意 refuses this 基本满意 one, naming the level.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("translate-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try Self.govcase(["pki", "init", "--out", folder.path], input: "").status == 0)
        let configuration = folder.appendingPathComponent("gateway.yaml")
        let yaml = try String(contentsOf: configuration, encoding: .utf8)
        try (yaml + "\ndeadlines:\n  default:\n    default_rating_level: 5\n").write(
            to: configuration, atomically: true, encoding: .utf8)
        let deployed = try Self.govcase(
            ["translate", "--config", configuration.path, "--adapter", "national-platform", defaulted], input: "")
        #expect(deployed.status == 1, "\(deployed.stdout)")
        #expect(deployed.stderr.hasPrefix("level: inconsistent: "), "\(deployed.stderr)")
        let broken = try Self.govcase(
            ["translate", "--config", folder.appendingPathComponent("missing.yaml").path, "--adapter", "national-platform", defaulted],
            input: "")
        #expect(broken.status == 2 && broken.stderr.contains("missing.yaml"), "\(broken.stderr)")

        // A deployment that runs the national adapter alone knows no other.
        try (yaml + "\nbuiltin_adapters: [national-platform]\n").write(to: configuration, atomically: true, encoding: .utf8)
        let notRun = try Self.govcase(
            ["translate", "--config", configuration.path, "--adapter", "hotline-12345", defaulted], input: "")
        #expect(notRun.status == 2, "\(notRun.stdout)")
        #expect(
            notRun.stderr.contains("hotline-12345 is not run by this deployment")
                && notRun.stderr.contains("known: national-platform\n"), "\(notRun.stderr)")

        // The certKey is the masked views' alone: never beside the clear name.
        let withKey = vectors.appendingPathComponent("national-platform/valid/033-evaluation-with-cert-key.json").path
        let unmasked = try Self.govcase(["translate", "--adapter", "national-platform", withKey], input: "")
        #expect(unmasked.status == 0, "\(unmasked.stderr)")
        let requester = try Govcase_Core_V1_Case(jsonString: unmasked.stdout).requester
        #expect(!requester.name.isEmpty && requester.identityKey.isEmpty, "\(unmasked.stdout)")
    }
}

import Foundation
import GovCaseCore
import GovCaseProto
import GovCaseWire
import SwiftProtobuf
import GovCaseTestSupport
import Testing

/// Record sets shaped as Shandong and Fujian send them (Tests/Vectors/provinces), mapped onto the national
/// contract by the integrator's script the README's tables describe, then through `govcase translate` as an
/// integrator would: each mapped record must be the record of a golden vector, and become its expected case.
@Suite(.heavy) struct ProvinceRecordSetTests {
    static let vectors = PythonInteropTests.repository.appendingPathComponent("Tests/Vectors")

    /// The golden vectors of national-platform/valid, by their record's type and id (evaluation or node id).
    static func vectorsByRecordID() throws -> [String: [String: Any]] {
        let folder = vectors.appendingPathComponent("national-platform/valid")
        var found: [String: [String: Any]] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".json") {
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(file)))
            if let vector = object as? [String: Any], let record = vector["record"] as? [String: Any],
                let id = Self.recordID(record)
            {
                found[id] = vector
            }
        }
        return found
    }

    /// A mapped record's type and id: `<@type> <evaluation_id or node_id>`.
    static func recordID(_ record: [String: Any]) -> String? {
        guard let type = record["@type"] as? String,
            let id = (record["evaluation_id"] as? String) ?? (record["node_id"] as? String)
        else { return nil }
        return "\(type) \(id)"
    }

    /// JSON text with sorted keys: equal values, equal texts.
    static func canonical(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Shandong pushes its matter's three service nodes (办件服务) and then evaluations of two of them; Fujian
    /// pushes two evaluations.
    @Test(arguments: [("shandong.json", 5), ("fujian.json", 2)])
    func aProvincialRecordSetMapsOntoTheContractAndTranslates(file: String, count: Int) async throws {
        let mapped = try await ExternalProgram.python(
            Self.vectors.appendingPathComponent("provinces/map_to_national.py"),
            [Self.vectors.appendingPathComponent("provinces/\(file)").path])
        #expect(mapped.status == 0, "\(mapped.output)")
        let records = mapped.output.split(separator: "\n").map(String.init)
        #expect(records.count == count)
        let vectors = try Self.vectorsByRecordID()
        for line in records {
            let record = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            let id = try #require(Self.recordID(record), "\(line)")
            let vector = try #require(vectors[id], "no golden vector holds record \(id)")
            #expect(try Self.canonical(record) == Self.canonical(vector["record"] ?? [:]), "\(id)")

            let input = FileManager.default.temporaryDirectory.appendingPathComponent("province-\(UUID()).json")
            try Data(line.utf8).write(to: input)
            defer { try? FileManager.default.removeItem(at: input) }
            let translated = try await GatewayProcess.run([
                "translate", "--adapter", "national-platform", "--source-system", "vector-source", "--received-at",
                "2025-03-10T02:00:00Z", input.path,
            ])
            #expect(translated.status == 0, "\(id): \(translated.output)")
            let expected = try #require((vector["expect"] as? [String: Any])?["case"])
            // The vector holds the adapter's translation; translate answers as the gateway does after it (deadlines
            // started by the embedded policy, an unmasked read's view).
            var admitted = try Case(
                proto: Govcase_Core_V1_Case(jsonUTF8Data: try JSONSerialization.data(withJSONObject: expected)))
            #expect(admitted.admit(under: RegionalDeadlinePolicies()).isEmpty, "\(id)")
            let got = try Govcase_Core_V1_Case(jsonString: translated.output)
            #expect(got == admitted.unmasked.proto, "\(id): \(translated.output)")
        }
    }
}

import Foundation
import GovCaseConformance
import Testing

/// The golden-vector format (docs/conformance.md, "Golden vectors"): a key the format does not know is refused,
/// naming the key and the file, where it was silently ignored; the project's own vectors follow the format.
@Suite struct VectorFormatTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let valid = """
        {"description": "A level 5 evaluation.", "received_at": "2025-03-05T02:00:00Z",
         "record": {"@type": "govcase.sources.national.v1.EvaluationRecord", "evaluation_id": "PJ-1"},
         "expect": {"case": {}}}
        """

    /// A folder with one valid vector of this text; the vector's path.
    static func folder(_ text: String) throws -> (folder: URL, file: URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vectors-\(UUID())")
        let valid = folder.appendingPathComponent("valid")
        try FileManager.default.createDirectory(at: valid, withIntermediateDirectories: true)
        let file = valid.appendingPathComponent("001-typo.json")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return (folder, file)
    }

    @Test func aWellFormedVectorLoads() throws {
        let (folder, _) = try Self.folder(Self.valid)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try GoldenVector.load(folder).count == 1)
    }

    @Test(arguments: [
        ("\"recieved_at\": \"2025-03-05T02:00:00Z\", ", "recieved_at"),
        ("\"expected\": {}, ", "expected"),
    ])
    func anUnknownTopLevelKeyIsRefusedNamingItAndTheFile(extra: String, key: String) throws {
        let (folder, file) = try Self.folder(Self.valid.replacingOccurrences(of: "{\"description\"", with: "{\(extra)\"description\""))
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect {
            try GoldenVector.load(folder)
        } throws: { error in
            "\(error)".contains("unknown key \"\(key)\"") && "\(error)".contains(file.path)
        }
    }

    @Test(arguments: [
        ("\"expect\": {\"case\": {}}", "\"expect\": {\"case\": {}, \"status\": \"RECORDED\"}", "expect.status"),
        (
            "\"expect\": {\"case\": {}}", "\"expect\": {\"violations\": [{\"field\": \"level\", \"rule\": \"level\", \"message\": \"x\"}]}",
            "expect.violations[0].message"
        ),
        (
            "\"record\": {\"@type\": \"govcase.sources.national.v1.EvaluationRecord\", \"evaluation_id\": \"PJ-1\"}",
            "\"record\": {\"@type\": \"govcase.sources.national.v1.EvaluationRecord\", \"base64\": \"\", \"note\": 1}",
            "record.note"
        ),
    ])
    func anUnknownNestedKeyIsRefusedNamingItsPath(old: String, new: String, key: String) throws {
        let (folder, file) = try Self.folder(Self.valid.replacingOccurrences(of: old, with: new))
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect {
            try GoldenVector.load(folder)
        } throws: { error in
            "\(error)".contains("unknown key \"\(key)\"") && "\(error)".contains(file.path)
        }
    }

    @Test func aMissingRequiredKeyIsRefused() throws {
        let (folder, file) = try Self.folder(
            Self.valid.replacingOccurrences(of: "\"description\": \"A level 5 evaluation.\", ", with: ""))
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect {
            try GoldenVector.load(folder)
        } throws: { error in
            "\(error)".contains("\"description\" is required") && "\(error)".contains(file.path)
        }
    }

    /// `received_at` may be left out (the published example plugin's vectors do): the vector is read at the time
    /// it is loaded, as before the format was checked.
    @Test func receivedAtMayBeLeftOut() throws {
        let (folder, _) = try Self.folder(
            Self.valid.replacingOccurrences(of: "\"received_at\": \"2025-03-05T02:00:00Z\",", with: ""))
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try GoldenVector.load(folder).count == 1)
    }

    @Test(arguments: ["national-platform", "culture-tourism", "hotline-12345"])
    func theProjectsOwnVectorsFollowTheFormat(adapter: String) throws {
        let vectors = try GoldenVector.load(Self.repository.appendingPathComponent("Tests/Vectors/\(adapter)"))
        #expect(!vectors.isEmpty)
    }
}

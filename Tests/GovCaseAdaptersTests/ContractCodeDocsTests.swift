import Foundation
import GovCaseAdapters
import GovCaseCore
import Testing

/// The source protos document each adapter's default codes, so a record can be written from the contracts
/// alone; the documentation must say what `codes.json` says.
@Suite struct ContractCodeDocsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// Each adapter's source protos: the culture-tourism approval evaluation carries the national record's
    /// messages, whose codes (the tables in `NationalShapes.sharedTables`) the national proto documents.
    static let protos = [
        "national-platform": ["Proto/govcase/sources/national/v1/national.proto"],
        "culture-tourism": [
            "Proto/govcase/sources/culturetourism/v1/culturetourism.proto",
            "Proto/govcase/sources/national/v1/national.proto",
        ],
        "hotline-12345": ["Proto/govcase/sources/hotline12345/v1/hotline12345.proto"],
    ]

    @Test(arguments: BuiltInAdapters.all().map(\.info.id))
    func everyCodeTableIsDocumentedInTheSourceProto(adapterID: String) throws {
        let adapter = try #require(BuiltInAdapters.all().first { $0.info.id == adapterID })
        let proto = try Self.protos[adapterID]!.map {
            try String(contentsOf: Self.root.appendingPathComponent($0), encoding: .utf8)
        }.joined(separator: "\n")
        let comments = proto.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("//") }.map { $0.dropFirst(2).trimmingCharacters(in: .whitespaces) }
            .joined(separator: " ")
        for (table, entries) in adapter.codeTable.tables where table != "routing" {
            let pairs = entries.sorted { ($0.key.count, $0.key) < ($1.key.count, $1.key) }
                .map { "\($0.key) = \($0.value)" }.joined(separator: ", ")
            let line = "Default codes (table \"\(table)\"; a deployment may override them per source system): \(pairs)."
            #expect(comments.contains(line), "\(adapterID): \(line)")
        }
    }
}

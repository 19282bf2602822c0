import Foundation

/// The committed fixtures (Fixtures/, made by make_fixtures.py) and their hand-written expectations.
enum Fixture {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    struct Expected: Decodable {
        struct Reject: Decodable {
            var line: Int
            var column: String
            var field: String
            var rule: String
        }
        var accepted: [String]
        var rejects: [Reject]
    }

    static func expected(_ name: String) throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: folder.appendingPathComponent(name)))
    }
}

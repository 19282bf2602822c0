import Foundation
import GovCasePolicy
import Yams

/// One conformance case as the catalogue declares it.
public struct ConformanceCase: Sendable, Hashable, Decodable {
    public enum Level: String, Sendable, Hashable, Decodable, CaseIterable { case core, extended }
    public enum Strength: String, Sendable, Hashable, Decodable { case must = "MUST", should = "SHOULD" }

    /// Stable id, `<role>.<area>.<name>`.
    public var id: String
    public var level: Level
    public var strength: Strength
    /// What must hold, in one sentence.
    public var expectation: String
    /// How to fix a failure.
    public var hint: String

    /// The role: the id's first part.
    public var role: String { String(id.prefix { $0 != "." }) }

    enum CodingKeys: String, CodingKey, CaseIterable { case id, level, strength, expectation, hint }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        guard id.wholeMatch(of: /(adapter|receiver|source)\.[a-z0-9-]+\.[a-z0-9-]+/) != nil else {
            throw DecodingError.dataCorruptedError(
                forKey: .id, in: c, debugDescription: "\"\(id)\" is not <adapter|receiver|source>.<area>.<name>")
        }
        level = try c.decode(Level.self, forKey: .level)
        strength = try c.decode(Strength.self, forKey: .strength)
        expectation = try c.decode(String.self, forKey: .expectation)
        hint = try c.decode(String.self, forKey: .hint)
    }
}

/// The cases, as declared in `Resources/cases.yaml`.
public struct Catalogue: Sendable {
    public var version: Int
    public var cases: [ConformanceCase]

    struct File: Decodable {
        var version: Int
        var cases: [ConformanceCase]
        enum CodingKeys: String, CodingKey, CaseIterable { case version, cases }
        init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            version = try c.decode(Int.self, forKey: .version)
            cases = try c.decode([ConformanceCase].self, forKey: .cases)
        }
    }

    /// Parses and checks a catalogue: keys, duplicate ids, and that the kit implements every case of it
    /// (`implemented`) and declares every case it implements.
    public static func parse(yaml: String, implemented: Set<String>) throws(ConfigurationError) -> Catalogue {
        let file: File
        do {
            file = try YAMLDecoder().decode(File.self, from: yaml)
        } catch let error as DecodingError {
            throw ConfigurationError(decoding: error)
        } catch {
            throw ConfigurationError(key: "", message: "not valid YAML: \(error)")
        }
        var seen = Set<String>()
        for (index, c) in file.cases.enumerated() where !seen.insert(c.id).inserted {
            throw ConfigurationError(key: "cases.\(index).id", message: "\(c.id) is declared twice")
        }
        if let missing = seen.subtracting(implemented).sorted().first {
            throw ConfigurationError(key: "cases", message: "\(missing) is declared but the kit has no check for it")
        }
        if let undeclared = implemented.subtracting(seen).sorted().first {
            throw ConfigurationError(key: "cases", message: "the kit checks \(undeclared), which is not declared")
        }
        return Catalogue(version: file.version, cases: file.cases)
    }

    /// The catalogue shipped with this kit.
    public static func shipped() throws -> Catalogue {
        guard let url = Bundle.module.url(forResource: "cases", withExtension: "yaml") else {
            throw ConfigurationError(key: "", message: "the kit's cases.yaml is missing from its bundle")
        }
        return try parse(
            yaml: try String(contentsOf: url, encoding: .utf8),
            implemented: Set(AdapterChecks.ids + ReceiverChecks.ids + SourceChecks.ids))
    }
}

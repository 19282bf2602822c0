import Yams

extension AccessPolicy {
    /// Reads a policy from YAML; an unknown or invalid key is an error naming its path (e.g. `grants.1.rolez`).
    public init(yaml: String) throws(ConfigurationError) {
        do {
            self = try YAMLDecoder().decode(AccessPolicy.self, from: yaml)
        } catch let error as DecodingError {
            throw ConfigurationError(decoding: error)
        } catch {
            throw ConfigurationError(key: "", message: "\(error)")
        }
    }
}

/// A configuration that cannot be used, naming the key at fault.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Dotted path of the key, e.g. `grants.0.roles`; empty for the document itself.
    public var key: String
    /// What is wrong.
    public var message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    /// The error a `Decodable` configuration's decoding error stands for, naming the key by its dotted path.
    public init(decoding error: DecodingError) {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            self.init(key: path(context.codingPath + [key]), message: "is required")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            self.init(key: path(context.codingPath), message: context.debugDescription)
        case .dataCorrupted(let context):
            self.init(key: path(context.codingPath), message: context.debugDescription)
        @unknown default:
            self.init(key: "", message: "\(error)")
        }
    }

    public var description: String { key.isEmpty ? message : "\(key): \(message)" }
}

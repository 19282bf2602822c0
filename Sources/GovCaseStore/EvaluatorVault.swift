import Crypto
import Foundation
import GovCaseCore
import GovCaseProto
import SwiftProtobuf

/// Seals evaluators' name, phone and document number with AES-GCM before they reach the database.
///
/// A key is 32 bytes, read from a file (raw, or base64 text). Each sealed box is bound to its case id as
/// authenticated data, so a ciphertext copied to another row fails to open, and starts with the id of the key
/// that sealed it, so a new key can be introduced while boxes sealed with older ones still open: new boxes
/// use the current key, `previous` keys only open, and `CaseStore.resealEvaluators` moves old boxes to the
/// current key (`govcase keys rotate`).
public struct EvaluatorVault: Sendable {
    private let key: SymmetricKey
    /// The id of the key new boxes are sealed with.
    public let currentKeyID: String
    /// The bytes a box sealed with the current key starts with: the marker, then the key id's 8 bytes.
    public let currentPrefix: Data
    /// Keys that open boxes sealed before a rotation, by id.
    private let previous: [String: SymmetricKey]

    /// What starts a box with a key id: this marker, then the key id's 8 bytes. Boxes sealed before key ids
    /// start with a random nonce instead, and are opened by trying each key.
    static let marker = Array("GCK1".utf8)

    /// The sensitive fields of one party as stores before v2 sealed them (JSON); still opened, never written.
    struct LegacySecrets: Codable, Equatable {
        var name: String
        var phone: String
        var documentNumber: String
    }

    public init(key: SymmetricKey, previousKeys: [SymmetricKey] = []) {
        self.key = key
        let id = Self.keyIDBytes(of: key)
        currentKeyID = Self.hex(id)
        currentPrefix = Data(Self.marker) + id
        previous = Dictionary(previousKeys.map { (Self.keyID(of: $0), $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The current key from `keyFile`, and keys that only open older boxes from `previousKeyFiles`.
    public init(keyFile: String, previousKeyFiles: [String]) throws {
        self.init(key: try Self.key(inFile: keyFile), previousKeys: try previousKeyFiles.map(Self.key(inFile:)))
    }

    /// A key's id: 16 hex digits of a SHA-256 of it, stored with each box. It names the key without revealing it.
    public static func keyID(of key: SymmetricKey) -> String { hex(keyIDBytes(of: key)) }

    static func keyIDBytes(of key: SymmetricKey) -> Data {
        Data(key.withUnsafeBytes { SHA256.hash(data: Data("govcase evaluator key id".utf8) + Data($0)) }.prefix(8))
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// The id of the key that sealed `sealed`, or nil for a box sealed before key ids.
    public static func keyID(ofSealed sealed: Data) -> String? {
        guard sealed.count > marker.count + 8, sealed.starts(with: marker) else { return nil }
        return hex(sealed.dropFirst(marker.count).prefix(8))
    }

    /// The key from `path`, with no previous keys.
    public init(keyFile path: String) throws {
        self.init(key: try Self.key(inFile: path))
    }

    /// Reads a 256-bit key from `path`, 32 raw bytes or their base64 encoding. Only its owner may read the file
    /// (mode 0600 or 0400): a key readable by group or others is refused, before its content is read.
    public static func key(inFile path: String) throws -> SymmetricKey {
        let mode =
            ((try FileManager.default.attributesOfItem(atPath: path))[.posixPermissions] as? NSNumber)?.intValue ?? 0
        guard mode & 0o077 == 0 else {
            throw StoreError(
                .configuration,
                "the key file \(path) has mode \(String(mode & 0o777, radix: 8)): group or others may use it; "
                    + "only its owner may (chmod 600 \(path))")
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let bytes = data.count == 32 ? data : Data(base64Encoded: text)
        guard let bytes, bytes.count == 32 else {
            throw StoreError(.configuration, "the key file \(path) must hold 32 bytes, raw or base64")
        }
        return SymmetricKey(data: bytes)
    }

    /// A new random key, base64-encoded, for a key file.
    public static func newKeyBase64() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// The sealed secrets of `party`, bound to `caseID`: a `govcase.core.v1.Party` holding only name, phone,
    /// document number and its agent's name and document number, sealed whole.
    func seal(_ party: Party, caseID: String) throws -> Data {
        let secrets = Govcase_Core_V1_Party.with {
            $0.name = party.name
            $0.phone = party.phone
            $0.documentNumber = party.documentNumber
            if let agent = party.agent {
                $0.agent = .with {
                    $0.name = agent.name
                    $0.documentNumber = agent.documentNumber
                }
            }
        }
        return try seal(plain: try secrets.serializedData(), caseID: caseID)
    }

    /// `plain` sealed with the current key for `caseID`, its key id in front.
    func seal(plain: Data, caseID: String) throws -> Data {
        // A random 96-bit nonce (as `AES.GCM.seal` draws its own), from the store's pool of the kernel's bytes.
        var nonce = Data(count: 12)
        nonce.withUnsafeMutableBytes { RandomBytes.fill($0) }
        return currentPrefix
            + (try AES.GCM.seal(
                plain, using: key, nonce: AES.GCM.Nonce(data: nonce), authenticating: Data(caseID.utf8)
            ).combined!)
    }

    /// The plain secrets of a box, with whichever configured key sealed it.
    func openPlain(_ sealed: Data, caseID: String) throws -> Data {
        let context = Data(caseID.utf8)
        if let id = Self.keyID(ofSealed: sealed) {
            guard let key = id == currentKeyID ? key : previous[id] else {
                throw StoreError(
                    .configuration,
                    "the evaluator data of case \(caseID) is sealed with key \(id), which is not configured "
                        + "(current key \(currentKeyID); previous: \(previous.keys.sorted().joined(separator: ", ")))")
            }
            return try AES.GCM.open(
                AES.GCM.SealedBox(combined: sealed.dropFirst(Self.marker.count + 8)), using: key,
                authenticating: context)
        }
        // Sealed before key ids: whichever configured key opens it.
        for key in [key] + previous.values {
            if let plain = try? AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key, authenticating: context) {
                return plain
            }
        }
        throw StoreError(.configuration, "the evaluator data of case \(caseID) opens with no configured key")
    }

    /// The box re-sealed with the current key, or nil if it already is.
    func reseal(_ sealed: Data, caseID: String) throws -> Data? {
        guard Self.keyID(ofSealed: sealed) != currentKeyID else { return nil }
        return try seal(plain: try openPlain(sealed, caseID: caseID), caseID: caseID)
    }

    /// Puts the secrets sealed for `caseID` back into `party`.
    func open(_ sealed: Data, into party: inout Party, caseID: String) throws {
        let plain = try openPlain(sealed, caseID: caseID)
        // A JSON object opens with "{", which no serialized Party does (it would be field 15, a group).
        if plain.first == UInt8(ascii: "{") {
            let secrets = try JSONDecoder().decode(LegacySecrets.self, from: plain)
            (party.name, party.phone, party.documentNumber) = (secrets.name, secrets.phone, secrets.documentNumber)
        } else {
            let secrets = try Govcase_Core_V1_Party(serializedBytes: plain)
            (party.name, party.phone, party.documentNumber) = (secrets.name, secrets.phone, secrets.documentNumber)
            if secrets.hasAgent {
                party.agent?.name = secrets.agent.name
                party.agent?.documentNumber = secrets.agent.documentNumber
            }
        }
    }
}

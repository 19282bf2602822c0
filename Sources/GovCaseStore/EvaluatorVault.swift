import Crypto
import Foundation
import GovCaseCore
import GovCaseProto
import SwiftProtobuf

/// Seals evaluators' name, phone and document number with AES-GCM before they reach the database.
///
/// The key is 32 bytes, read from a file (raw, or base64 text). Each sealed box is bound to its case id as
/// authenticated data, so a ciphertext copied to another row fails to open.
public struct EvaluatorVault: Sendable {
    private let key: SymmetricKey

    /// The sensitive fields of one party as stores before v2 sealed them (JSON); still opened, never written.
    struct LegacySecrets: Codable, Equatable {
        var name: String
        var phone: String
        var documentNumber: String
    }

    public init(key: SymmetricKey) { self.key = key }

    /// Reads a 256-bit key from `path`: 32 raw bytes or their base64 encoding.
    /// Reads the key from `path`, which only its owner may read (mode 0600 or 0400): a key readable by
    /// group or others is refused, before its content is read.
    public init(keyFile path: String) throws {
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
        self.init(key: SymmetricKey(data: bytes))
    }

    /// A new random key, base64-encoded, for a key file.
    public static func newKeyBase64() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// The sealed secrets of `party`, bound to `caseID`: a `govcase.core.v1.Party` holding only name, phone and
    /// document number, sealed whole.
    func seal(_ party: Party, caseID: String) throws -> Data {
        let secrets = Govcase_Core_V1_Party.with {
            $0.name = party.name
            $0.phone = party.phone
            $0.documentNumber = party.documentNumber
        }
        let plain: Data = try secrets.serializedData()
        return try AES.GCM.seal(plain, using: key, authenticating: Data(caseID.utf8)).combined!
    }

    /// Puts the secrets sealed for `caseID` back into `party`.
    func open(_ sealed: Data, into party: inout Party, caseID: String) throws {
        let plain = try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key, authenticating: Data(caseID.utf8))
        // A JSON object opens with "{", which no serialized Party does (it would be field 15, a group).
        if plain.first == UInt8(ascii: "{") {
            let secrets = try JSONDecoder().decode(LegacySecrets.self, from: plain)
            (party.name, party.phone, party.documentNumber) = (secrets.name, secrets.phone, secrets.documentNumber)
        } else {
            let secrets = try Govcase_Core_V1_Party(serializedBytes: plain)
            (party.name, party.phone, party.documentNumber) = (secrets.name, secrets.phone, secrets.documentNumber)
        }
    }
}

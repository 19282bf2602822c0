/// The unified social credit code of organisations (统一社会信用代码, GB 32100-2015): 18 characters from a
/// 31-character alphabet (no I, O, Z, S, V), the last a check character computed MOD 31 over the first 17.
public enum UnifiedSocialCreditCode {
    static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    /// Each ASCII byte's value in the alphabet, -1 for bytes outside it. Checked on every record that names an
    /// organisation, so on bytes: a walk over `Character`s cost a sixth of a plugin's translation.
    static let values: [Int] = (0..<128).map { byte in alphabet.firstIndex(of: UInt8(byte)) ?? -1 }

    /// The check character for the first 17 characters, or `nil` if they are not 17 valid characters.
    public static func checkCharacter(for body: String) -> Character? {
        let bytes = Array(body.utf8)
        guard bytes.count == 17, let check = checkByte(for: bytes[...]) else { return nil }
        return Character(Unicode.Scalar(check))
    }

    static func checkByte(for body: ArraySlice<UInt8>) -> UInt8? {
        var sum = 0
        for (byte, weight) in zip(body, weights) {
            guard byte < 128, case let value = values[Int(byte)], value >= 0 else { return nil }
            sum += value * weight
        }
        return alphabet[(31 - sum % 31) % 31]
    }

    /// Region part of organisations registered by central authorities (e.g. 12100000… for a central public institution).
    static let nationalRegion = "100000"

    /// Whether `code` is 18 valid characters whose check character matches and whose region part
    /// (characters 3–8) is a real region or the national level.
    public static func isValid(_ code: String) -> Bool {
        let bytes = Array(code.utf8)
        guard bytes.count == 18, let check = checkByte(for: bytes[..<17]), check == bytes[17] else { return false }
        let region = String(decoding: bytes[2..<8], as: UTF8.self)
        return region == nationalRegion || RegionCode.isValid(region)
    }
}

/// The unified social credit code of organisations (统一社会信用代码, GB 32100-2015): 18 characters from a
/// 31-character alphabet (no I, O, Z, S, V), the last a check character computed MOD 31 over the first 17.
public enum UnifiedSocialCreditCode {
    static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// The check character for the first 17 characters, or `nil` if they are not 17 valid characters.
    public static func checkCharacter(for body: String) -> Character? {
        let characters = Array(body)
        guard characters.count == 17 else { return nil }
        var sum = 0
        for (character, weight) in zip(characters, weights) {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            sum += value * weight
        }
        return alphabet[(31 - sum % 31) % 31]
    }

    /// Region part of organisations registered by central authorities (e.g. 12100000… for a central public institution).
    static let nationalRegion = "100000"

    /// Whether `code` is 18 valid characters whose check character matches and whose region part
    /// (characters 3–8) is a real region or the national level.
    public static func isValid(_ code: String) -> Bool {
        let characters = Array(code)
        guard characters.count == 18, let check = checkCharacter(for: String(characters[..<17])) else { return false }
        let region = String(characters[2..<8])
        return check == characters[17] && (region == nationalRegion || RegionCode.isValid(region))
    }
}

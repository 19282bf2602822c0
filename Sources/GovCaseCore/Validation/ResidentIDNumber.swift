/// The resident identity number (公民身份号码, GB 11643-1999): a 6-digit region, an 8-digit birth date,
/// a 3-digit sequence and an ISO 7064 MOD 11-2 check character (0–9 or X).
public enum ResidentIDNumber {
    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checkCharacters = Array("10X98765432")

    /// Why a number is invalid, or `nil` if it is valid. `today` bounds the birth date.
    public static func problem(with number: String, today: CivilDate) -> String? {
        let characters = Array(number)
        guard characters.count == 18 else { return "must be 18 characters" }
        let digits = characters[..<17].compactMap(\.wholeNumberValue)
        guard digits.count == 17, characters[..<17].allSatisfy(\.isASCII) else {
            return "the first 17 characters must be digits"
        }
        guard RegionCode.isValid(String(characters[..<6])) else { return "the first 6 digits are not a region code" }
        guard
            let birth = CivilDate(
                year: Int(String(characters[6..<10]))!, month: Int(String(characters[10..<12]))!,
                day: Int(String(characters[12..<14]))!),
            birth.year >= 1800, birth <= today
        else { return "digits 7–14 are not a valid birth date" }
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        guard characters[17] == checkCharacters[sum % 11] else { return "the check character does not match" }
        return nil
    }
}

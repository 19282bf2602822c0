/// Mainland phone numbers: mobiles (11 digits, 13x–19x) and landlines (area code 0 + 2–3 digits, then 7–8 digits,
/// an optional extension). Separators `-` and spaces and a `+86`/`0086` prefix on mobiles are accepted.
public enum PhoneNumber {
    /// Whether `text` is a mainland mobile or landline number.
    public static func isValid(_ text: String) -> Bool { isMobile(text) || isLandline(text) }

    /// The number as stored: a mobile as its 11 digits (a country prefix, spaces and dashes dropped:
    /// `008613956781234`, `+8613726541230` and `0086-13812345678` are all mobiles), anything else as sent (a
    /// landline keeps its separators; an invalid number is refused by the validator, unchanged).
    public static func normalized(_ text: String) -> String {
        guard isMobile(text) else { return text }
        return String(decoding: text.utf8.filter { (0x30...0x39).contains($0) }.suffix(11), as: UTF8.self)
    }

    /// 11 digits starting 13–19, after removing spaces, dashes and a country prefix.
    /// On bytes: it runs on every record with a phone.
    public static func isMobile(_ text: String) -> Bool {
        var digits = Array(text.utf8.lazy.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "-") })[...]
        for prefix in ["+86", "0086"] where digits.starts(with: prefix.utf8) {
            digits = digits.dropFirst(prefix.utf8.count)
        }
        guard digits.count == 11, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return false }
        return digits.first == UInt8(ascii: "1")
            && (UInt8(ascii: "3")...UInt8(ascii: "9")).contains(digits.dropFirst().first!)
    }

    /// `0AA(A)-NNNNNNN(N)` with optional separators and an extension `-NNNN` after the number.
    public static func isLandline(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { $0.filter { $0 != " " } }
        guard parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return false }
        let (areaAndNumber, ext): (String, String?) =
            switch parts.count {
            case 1: (parts[0], nil)
            case 2 where parts[0].hasPrefix("0") && parts[0].count <= 4: (parts[0] + parts[1], nil)
            case 2: (parts[0], parts[1])
            case 3: (parts[0] + parts[1], parts[2])
            default: ("", nil)
            }
        if let ext, !(1...6).contains(ext.count) { return false }
        guard areaAndNumber.first == "0", areaAndNumber.dropFirst().first != "0" else { return false }
        // Area codes are 3 digits (010, 02x) or 4 digits (0xxx), subscriber numbers 7 or 8 digits.
        let threeDigitArea = areaAndNumber.hasPrefix("010") || areaAndNumber.hasPrefix("02")
        let numberLength = areaAndNumber.count - (threeDigitArea ? 3 : 4)
        return (7...8).contains(numberLength)
    }
}

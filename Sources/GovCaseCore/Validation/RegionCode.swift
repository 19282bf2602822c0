/// Administrative division codes (行政区划代码, GB/T 2260): six digits, the first two a province. Provincial
/// systems also send twelve: the six padded with zeros, or a statistical division code (统计用区划代码, the six
/// followed by township and village digits). Records keep what was sent; every rule reads it by prefix, so the
/// first six digits decide policy, deadlines and queries either way.
public enum RegionCode {
    /// Province-level prefixes of GB/T 2260, including Taiwan (71), Hong Kong (81) and Macao (82).
    public static let provincePrefixes: Set<String> = [
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
        "71", "81", "82",
    ]

    /// Whether `code` is six ASCII digits with a real province prefix.
    public static func isValid(_ code: String) -> Bool {
        code.utf8.count == 6 && code.utf8.allSatisfy { (0x30...0x39).contains($0) }
            && provincePrefixes.contains(String(code.prefix(2)))
    }

    /// Whether `code` is a division code as records may carry it: six digits, or twelve whose first six are one.
    public static func isValidInRecord(_ code: String) -> Bool {
        switch code.utf8.count {
        case 6: isValid(code)
        case 12: code.utf8.allSatisfy { (0x30...0x39).contains($0) } && isValid(String(code.prefix(6)))
        default: false
        }
    }

    /// The six-digit division code of a code as records carry it.
    public static func division(of code: String) -> String { String(code.prefix(6)) }
}

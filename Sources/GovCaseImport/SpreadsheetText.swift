/// Text in a workbook's cells: OOXML's `_xHHHH_` escapes (ECMA-376 ST_Xstring), which carry what XML 1.0 cannot
/// (control characters, U+FFFE, U+FFFF) and a carriage return, which an XML reader would turn into a line feed.
/// Excel writes and reads them; `govcase export` writes them and `govcase import` reads them, so no character is
/// lost on the way through a file.
enum SpreadsheetText {
    /// `text` as a cell's character data, XML-escaped, with `_xHHHH_` where XML cannot carry the character, and a
    /// literal `_xHHHH_` in the text kept as itself (its underscore written `_x005F_`).
    static func encode(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var out = ""
        for (index, scalar) in scalars.enumerated() {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            case "_" where isEscape(scalars, at: index): out += "_x005F_"
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out += "_x" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4) + "_"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A cell's text with its `_xHHHH_` escapes undone.
    static func decode(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if isEscape(scalars, at: index),
                let value = UInt32(String(String.UnicodeScalarView(scalars[index + 2..<index + 6])), radix: 16),
                let scalar = Unicode.Scalar(value)
            {
                out.append(scalar)
                index += 7
            } else {
                out.append(scalars[index])
                index += 1
            }
        }
        return String(out)
    }

    /// Whether `_xHHHH_` starts at `index`.
    private static func isEscape(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        guard index + 6 < scalars.count, scalars[index] == "_", scalars[index + 1] == "x", scalars[index + 6] == "_"
        else { return false }
        return scalars[index + 2..<index + 6].allSatisfy { $0.properties.isASCIIHexDigit }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

extension Party {
    /// The party as callers without the privacy-reader role see it: name, phone and document number masked
    /// (张三 → 张*, 13812345678 → 138****5678, 11010519491231002X → 110105********002X).
    public var masked: Party {
        var copy = self
        copy.name = Self.maskName(name)
        copy.phone = Self.maskPhone(phone)
        copy.documentNumber = Self.maskDocument(documentNumber)
        copy.agent?.name = Self.maskName(agent?.name ?? "")
        copy.agent?.documentNumber = Self.maskDocument(agent?.documentNumber ?? "")
        return copy
    }

    /// Keeps the first character (the family name, or an organisation's first character) of a name of two or
    /// more; a one-character name is all of the name, so it is masked whole.
    static func maskName(_ name: String) -> String {
        guard let first = name.first else { return "" }
        guard name.count > 1 else { return "*" }
        return String(first) + String(repeating: "*", count: name.count - 1)
    }

    /// A mobile keeps its first three and last four digits (138****5678, whatever its separators or +86 prefix);
    /// any other number keeps at most its area code and last two digits (023-******34), whatever its separators
    /// and extension. Separators and spaces are never what decides how much shows.
    static func maskPhone(_ phone: String) -> String {
        guard !phone.isEmpty else { return "" }
        let digits = asciiDigits(phone)
        guard digits.count >= 7 else { return String(repeating: "*", count: max(phone.count, 1)) }
        if PhoneNumber.isMobile(phone) {
            let number = digits.suffix(11)
            return number.prefix(3) + "****" + number.suffix(4)
        }
        // Area codes are 3 digits (010, 02x) or 4 (0xxx); a number without one keeps only its last two digits.
        let areaLength = digits.hasPrefix("010") || digits.hasPrefix("02") ? 3 : digits.hasPrefix("0") ? 4 : 0
        let area = String(digits.prefix(areaLength))
        let masked = String(repeating: "*", count: digits.count - areaLength - 2) + digits.suffix(2)
        return area.isEmpty ? masked : area + "-" + masked
    }

    /// The ASCII digits of `text`, in order. A digit that carries a combining mark is not one (its character is
    /// not ASCII). On bytes when the text is all ASCII, as a phone number is: by characters it was a tenth of
    /// storing a case.
    static func asciiDigits(_ text: String) -> String {
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else { return text.filter { $0.isASCII && $0.isNumber } }
        return String(decoding: text.utf8.filter { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }, as: UTF8.self)
    }

    /// Keeps the first six and last four characters (region and check character of an ID number).
    static func maskDocument(_ number: String) -> String {
        guard number.count > 10 else { return String(repeating: "*", count: number.count) }
        return number.prefix(6) + String(repeating: "*", count: number.count - 10) + number.suffix(4)
    }
}

extension Case {
    /// The case with its requester masked; see `Party.masked`.
    public var masked: Case {
        var copy = self
        copy.requester = requester?.masked
        return copy
    }

    /// The case as an unmasked read shows it (a privacy reader's, or `govcase translate`'s): the requester in full
    /// but without the identity key, which beside a full name would confirm a guessed ID number (party.proto).
    public var unmasked: Case {
        var copy = self
        copy.requester?.identityKey = ""
        return copy
    }
}

extension Party {
    /// The party as callers without the privacy-reader role see it: name, phone and document number masked
    /// (张三 → 张*, 13812345678 → 138****5678, 11010519491231002X → 110105********002X).
    public var masked: Party {
        var copy = self
        copy.name = Self.maskName(name)
        copy.phone = Self.maskPhone(phone)
        copy.documentNumber = Self.maskDocument(documentNumber)
        return copy
    }

    /// Keeps the first character (the family name, or an organisation's first character).
    static func maskName(_ name: String) -> String {
        guard let first = name.first else { return "" }
        return String(first) + String(repeating: "*", count: max(name.count - 1, 1))
    }

    /// Keeps the first three and last four digits of a mobile, the area code and last two digits of a landline.
    static func maskPhone(_ phone: String) -> String {
        let digits = phone.filter(\.isNumber)
        guard digits.count >= 7 else { return phone.isEmpty ? "" : String(repeating: "*", count: phone.count) }
        if PhoneNumber.isMobile(phone) {
            return digits.suffix(11).prefix(3) + "****" + digits.suffix(4)
        }
        let area = phone.split(separator: "-").first.map(String.init) ?? String(digits.prefix(3))
        return area + "-" + String(repeating: "*", count: max(digits.count - area.count - 2, 1)) + digits.suffix(2)
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
}

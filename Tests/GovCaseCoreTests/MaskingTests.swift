import GovCaseCore
import Testing

@Suite struct MaskingTests {
    struct Example: Sendable {
        let name: String, phone: String, document: String
        let maskedName: String, maskedPhone: String, maskedDocument: String
    }

    @Test(arguments: [
        Example(
            name: "张三", phone: "13812345678", document: "11010519491231002X",
            maskedName: "张*", maskedPhone: "138****5678", maskedDocument: "110105********002X"),
        Example(
            name: "欧阳娜娜", phone: "+86 138 1234 5678", document: "91440300708461136T",
            maskedName: "欧***", maskedPhone: "138****5678", maskedDocument: "914403********136T"),
        Example(
            name: "李", phone: "028-85556666", document: "E12345678",
            maskedName: "*", maskedPhone: "028-******66", maskedDocument: "*********"),
        // Landlines without a dash, with spaces or with an extension were returned whole, or nearly.
        Example(
            name: "王五", phone: "02345671234", document: "", maskedName: "王*", maskedPhone: "023-******34",
            maskedDocument: ""),
        Example(
            name: "王五", phone: "0755 8888 6666", document: "", maskedName: "王*", maskedPhone: "0755-******66",
            maskedDocument: ""),
        Example(
            name: "王五", phone: "010-12345678-801", document: "", maskedName: "王*", maskedPhone: "010-*********01",
            maskedDocument: ""),
        Example(name: "", phone: "", document: "", maskedName: "", maskedPhone: "", maskedDocument: ""),
        // Not ASCII: full-width digits are no digits, and nothing of them shows; nor does a digit that carries a
        // combining mark: the other eleven digits are masked as a number that is not a mobile.
        Example(
            name: "王五", phone: "１３８１２３４５６７８", document: "", maskedName: "王*", maskedPhone: "***********",
            maskedDocument: ""),
        Example(
            name: "王五", phone: "138123456789\u{0301}", document: "", maskedName: "王*", maskedPhone: "*********78",
            maskedDocument: ""),
    ])
    func sensitiveFieldsAreMasked(e: Example) {
        let masked = Party(
            kind: .naturalPerson, realName: true, name: e.name, phone: e.phone, documentNumber: e.document
        )
        .masked
        #expect(masked.name == e.maskedName)
        #expect(masked.phone == e.maskedPhone)
        #expect(masked.documentNumber == e.maskedDocument)
        #expect(masked.kind == .naturalPerson && masked.realName)
    }

    @Test func aMaskedCaseKeepsEverythingButTheRequestersSensitiveFields() {
        let c = Fixtures.evaluation()
        var expected = c
        expected.requester = c.requester?.masked
        #expect(c.masked == expected)
        #expect(c.masked.requester?.name == "张*")
    }

    /// Every phone form the validator accepts, generated rather than listed: a masked number never shows more
    /// than a mobile's first three and last four digits, or a landline's area code and last two.
    @Test func everyAcceptedPhoneFormIsMasked() {
        var generator = SystemRandomNumberGenerator()
        func digits(_ n: Int) -> String { String((0..<n).map { _ in "0123456789".randomElement(using: &generator)! }) }
        let separators = ["", "-", " "]
        for _ in 0..<2_000 {
            let mobileDigits = "1" + String("3456789".randomElement()!) + digits(9)
            let prefix = ["", "+86", "+86 ", "0086", "0086-"].randomElement()!
            let separator = separators.randomElement()!
            let mobile =
                prefix + mobileDigits.prefix(3) + separator + mobileDigits.dropFirst(3).prefix(4) + separator
                + mobileDigits.suffix(4)
            let area = ["010", "02" + digits(1), "0" + String("3456789".randomElement()!) + digits(2)].randomElement()!
            let subscriber = String("2345678".randomElement()!) + digits(Bool.random() ? 6 : 7)
            let ext = Bool.random() ? "" : "-" + digits(Int.random(in: 1...6))
            let landline = area + separator + subscriber + ext
            for (phone, shown) in [(mobile, 7), (landline, area.count + 2)] {
                guard PhoneNumber.isValid(phone) else {
                    Issue.record("the generator made \(phone), which the validator refuses")
                    continue
                }
                let masked = Party(kind: .naturalPerson, phone: phone).masked.phone
                let visible = masked.filter(\.isNumber)
                #expect(visible.count <= shown, "\(phone) → \(masked)")
                #expect(!masked.contains(phone.filter(\.isNumber).suffix(7)), "\(phone) → \(masked)")
                #expect(masked.contains("*"), "\(phone) → \(masked)")
            }
        }
    }
}

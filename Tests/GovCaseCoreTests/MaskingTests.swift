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
            maskedName: "李*", maskedPhone: "028-******66", maskedDocument: "*********"),
        Example(name: "", phone: "", document: "", maskedName: "", maskedPhone: "", maskedDocument: ""),
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
}

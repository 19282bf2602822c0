import Foundation
import GovCaseImport
import Testing

/// The GB18030 mapping pinned (TextEncoding's comment says why), and bad bytes found where they are.
@Suite struct TextEncodingTests {
    static let pinned: [([UInt8], String, String)] = [
        ([0x95, 0x32, 0x90, 0x31], "\u{20087}", "four bytes: 𠂇 U+20087, a name character outside the BMP"),
        ([0x81, 0x39, 0xEF, 0x31], "\u{3402}", "four bytes: 㐂 U+3402, CJK extension A"),
        ([0xA2, 0xE3], "€", "A2E3 is GB18030's €"),
        ([0x80], "€", "0x80 is code page 936's € (Excel on Chinese Windows)"),
        ([0xA6, 0xD9], "\u{FE10}", "A6D9 is U+FE10 (2022 table), not the 2005 table's private-use U+E78D"),
        ([0xFE, 0x51], "\u{E816}", "FE51 stays private-use U+E816 in both editions"),
        ([0xD6, 0xD0, 0xCE, 0xC4], "中文", "two-byte GBK"),
        ([0x41, 0x81, 0x80], "A\u{4E90}", "0x80 as a trail byte is part of its character, not €"),
    ]

    @Test(arguments: pinned)
    func gb18030Decodes(bytes: [UInt8], text: String, why: String) {
        #expect(TextEncoding.gb18030.decode(bytes) == .success(text), "\(why)")
    }

    @Test func gb18030Encodes() {
        #expect(TextEncoding.gb18030.encode("€") == [0xA2, 0xE3])
        #expect(TextEncoding.gb18030.encode("\u{FE10}") == [0xA6, 0xD9])
        #expect(TextEncoding.gb18030.encode("\u{20087}") == [0x95, 0x32, 0x90, 0x31])
        #expect(TextEncoding.gb18030.encode("㐂") == [0x81, 0x39, 0xEF, 0x31])
        #expect(TextEncoding.gb18030.encode("abc") == Array("abc".utf8))
    }

    @Test(arguments: [
        (TextEncoding.gb18030, [0x41, 0xFF, 0x42] as [UInt8], 1, [0xFF] as [UInt8]),
        (.gb18030, [0xD6, 0xD0, 0x41, 0xD6], 3, [0xD6]),  // a lead byte cut off at the end
        (.gb18030, [0xD6, 0xD0, 0x81, 0x30, 0x41], 2, [0x81, 0x30]),  // a four-byte sequence broken
        (.utf8, [0xE4, 0xB8, 0xAD, 0xE5, 0x9D, 0x41], 3, [0xE5, 0x9D]),
        (.utf8, [0x41, 0xC0, 0x80], 1, [0xC0]),
    ])
    func badBytesAreLocated(encoding: TextEncoding, bytes: [UInt8], offset: Int, bad: [UInt8]) {
        guard case .failure(let failure) = encoding.decode(bytes) else {
            Issue.record("decoded bad bytes")
            return
        }
        #expect(failure.offset == offset)
        #expect(failure.bytes == bad)
    }

    @Test func detection() {
        func detect(_ bytes: [UInt8]) -> TextEncoding {
            var detector = EncodingDetector()
            for chunk in stride(from: 0, to: bytes.count, by: 7) {  // sequences split across chunks
                detector.feed(bytes[chunk..<min(chunk + 7, bytes.count)])
            }
            return detector.finish()
        }
        let chinese = Array(String(repeating: "工单编号来电时间诉求内容", count: 20).utf8)
        #expect(detect([0xEF, 0xBB, 0xBF] + [0x41, 0xFF]) == .utf8, "a BOM decides")
        #expect(detect(chinese) == .utf8)
        #expect(detect(Array("ascii only,1,2".utf8)) == .utf8)
        #expect(detect(TextEncoding.gb18030.encode(String(decoding: chinese, as: UTF8.self))) == .gb18030)
        #expect(detect(chinese + [0xFF] + chinese) == .utf8, "one bad byte among many UTF-8 characters")
        #expect(detect(Array("名".utf8) + [0xFF, 0xFE, 0xFD]) == .gb18030, "mostly bad: not UTF-8")
    }

    @Test func fixturesAreDetected() throws {
        #expect(try EncodingDetector.detect(path: Fixture.path("hotline-gb18030.csv")).encoding == .gb18030)
        let bom = try EncodingDetector.detect(path: Fixture.path("hotline-utf8-bom.csv"))
        #expect(bom.encoding == .utf8 && bom.bom)
    }
}

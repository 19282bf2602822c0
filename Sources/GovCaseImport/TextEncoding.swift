import Foundation

/// The text encodings of data files: what Excel on Chinese Windows saves (GB18030, or UTF-8 with a BOM).
///
/// GB18030 is decoded with Foundation's table (ICU's, GB18030-2022) and one addition, pinned by tests:
/// - the single byte 0x80 is €: Excel on Chinese Windows saves in code page 936, where 0x80 is €
///   (GB18030 itself has no single-byte 0x80; A2E3 is its €, and A2E3 is what is written);
/// - A6D9 is U+FE10 ︐ (the 2022 table; the 2005 table had the private-use U+E78D, which is still written as A6D9);
/// - four-byte sequences reach every plane: 95 32 90 31 is U+20087 𠂇, 81 39 EF 31 is U+3402 㐂;
/// - FE51 stays the private-use U+E816 in both editions.
public enum TextEncoding: String, Sendable, CaseIterable {
    case utf8 = "utf-8"
    case gb18030 = "gb18030"

    /// Foundation's GB18030 (kCFStringEncodingGB_18030_2000 as an NSStringEncoding).
    static let foundationGB18030 = String.Encoding(rawValue: 0x8000_0632)

    /// Parses `utf-8`, `utf8`, `gb18030` (any case), as `--encoding` takes them.
    public init?(name: String) {
        switch name.lowercased() {
        case "utf-8", "utf8": self = .utf8
        case "gb18030", "gb-18030": self = .gb18030
        default: return nil
        }
    }

    /// Decodes `bytes`, or says where the first byte that is not text of this encoding is.
    public func decode(_ bytes: ArraySlice<UInt8>) -> Result<String, DecodeFailure> {
        if bytes.allSatisfy({ $0 < 0x80 }) { return .success(String(decoding: bytes, as: UTF8.self)) }
        switch self {
        case .utf8:
            if let text = String(validating: bytes, as: UTF8.self) { return .success(text) }
            return .failure(Self.firstBadUTF8(bytes))
        case .gb18030:
            if let text = String(bytes: Self.windows80(bytes), encoding: Self.foundationGB18030) {
                return .success(text)
            }
            return .failure(Self.firstBadGB18030(bytes))
        }
    }

    /// Decodes a whole byte array (see `decode(_:)` for slices).
    public func decode(_ bytes: [UInt8]) -> Result<String, DecodeFailure> { decode(bytes[...]) }

    /// `text` in this encoding: UTF-8, or GB18030 with € as A2E3 (GB18030 encodes every Unicode scalar).
    public func encode(_ text: String) -> [UInt8] {
        if self == .utf8 || text.utf8.allSatisfy({ $0 < 0x80 }) { return Array(text.utf8) }
        return Array(text.data(using: Self.foundationGB18030) ?? Data(text.utf8))
    }

    /// Code page 936's single-byte € (0x80), as GB18030's A2E3; 0x80 as a trail byte is left alone.
    private static func windows80(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 4)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b == 0x80 {
                out += [0xA2, 0xE3]
                i += 1
            } else if b > 0x80, b < 0xFF, let length = gbSequenceLength(bytes, at: i) {
                out += bytes[i..<i + length]
                i += length
            } else {
                out.append(b)
                i += 1
            }
        }
        return out
    }

    /// The length of the GB18030 multi-byte sequence starting at `i` (lead byte 81–FE), or nil if malformed.
    static func gbSequenceLength(_ bytes: ArraySlice<UInt8>, at i: Int) -> Int? {
        guard i + 1 < bytes.endIndex else { return nil }
        let second = bytes[i + 1]
        if (0x40...0x7E).contains(second) || (0x80...0xFE).contains(second) { return 2 }
        guard (0x30...0x39).contains(second), i + 3 < bytes.endIndex, (0x81...0xFE).contains(bytes[i + 2]),
            (0x30...0x39).contains(bytes[i + 3])
        else { return nil }
        return 4
    }

    private static func firstBadGB18030(_ bytes: ArraySlice<UInt8>) -> DecodeFailure {
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b <= 0x80 {
                i += 1
                continue
            }
            guard b != 0xFF, let length = gbSequenceLength(bytes, at: i) else {
                let end = b == 0xFF ? i + 1 : Swift.min(i + 2, bytes.endIndex)
                return DecodeFailure(offset: i - bytes.startIndex, bytes: Array(bytes[i..<end]), encoding: .gb18030)
            }
            // Well formed but perhaps unassigned (a four-byte sequence past U+10FFFF).
            if String(bytes: Array(bytes[i..<i + length]), encoding: foundationGB18030) == nil {
                return DecodeFailure(
                    offset: i - bytes.startIndex, bytes: Array(bytes[i..<i + length]), encoding: .gb18030)
            }
            i += length
        }
        return DecodeFailure(offset: 0, bytes: [], encoding: .gb18030)
    }

    private static func firstBadUTF8(_ bytes: ArraySlice<UInt8>) -> DecodeFailure {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return DecodeFailure(offset: 0, bytes: [], encoding: .utf8)
            case .error(let length):
                let start = bytes.startIndex + offset
                return DecodeFailure(
                    offset: offset, bytes: Array(bytes[start..<Swift.min(start + Swift.max(length, 1), bytes.endIndex)]),
                    encoding: .utf8)
            }
        }
    }
}

/// Bytes that are not text of the file's encoding: where they are in the field, and what they are.
public struct DecodeFailure: Error, Sendable, Equatable {
    /// Offset of the first bad byte from the start of the decoded bytes.
    public var offset: Int
    /// The bad byte and, for a sequence, the rest of it.
    public var bytes: [UInt8]
    /// The encoding the bytes were read as.
    public var encoding: TextEncoding

    /// "byte 0xFF is not GB18030", as a reject line says it.
    public var summary: String {
        let hex = bytes.map { String(format: "%02X", $0) }.joined(separator: " ")
        return "bytes \(hex) are not \(encoding == .utf8 ? "UTF-8" : "GB18030") text"
    }
}

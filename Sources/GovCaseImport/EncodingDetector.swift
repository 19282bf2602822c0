import Foundation

/// Which encoding a file is in, read once as a stream: a UTF-8 BOM means UTF-8; otherwise UTF-8 if the file is
/// UTF-8 (allowing a few bad bytes among many UTF-8 characters: at most one per 100 multi-byte characters, so
/// that one bad byte in a UTF-8 file rejects its row rather than turning the file into GB18030); otherwise GB18030.
public struct EncodingDetector: Sendable {
    /// Multi-byte UTF-8 characters seen.
    public private(set) var utf8Characters = 0
    /// Bytes that were no part of a valid UTF-8 character.
    public private(set) var invalidBytes = 0
    /// Whether the first bytes were a UTF-8 BOM.
    public private(set) var hasBOM = false
    private var pending: [UInt8] = []
    private var started = false

    public init() {}

    /// Feeds the next bytes of the file.
    public mutating func feed(_ chunk: some Collection<UInt8>) {
        var bytes = pending + chunk
        pending = []
        if !started {
            guard bytes.count >= 3 || chunk.isEmpty else {
                pending = bytes
                return
            }
            started = true
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
                hasBOM = true
                bytes.removeFirst(3)
            }
        }
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 {
                i += 1
                continue
            }
            let length: Int
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default:
                invalidBytes += 1
                i += 1
                continue
            }
            if i + length > bytes.count {  // split across chunks: keep for the next one
                if chunk.isEmpty {
                    invalidBytes += bytes.count - i
                    return
                }
                pending = Array(bytes[i...])
                return
            }
            if String(validating: bytes[i..<i + length], as: UTF8.self) != nil {
                utf8Characters += 1
                i += length
            } else {
                invalidBytes += 1
                i += 1
            }
        }
    }

    /// The verdict once every byte was fed (`finish` flushes a sequence cut off at the end).
    public mutating func finish() -> TextEncoding {
        feed([UInt8]())
        if hasBOM { return .utf8 }
        if invalidBytes == 0 { return .utf8 }
        return invalidBytes * 100 <= utf8Characters ? .utf8 : .gb18030
    }

    /// Reads the file at `path` in 1 MiB chunks and decides; also whether it had a BOM.
    public static func detect(path: String) throws -> (encoding: TextEncoding, bom: Bool) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileReadNoSuchFile) }
        defer { try? handle.close() }
        var detector = EncodingDetector()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { detector.feed(chunk) }
        let encoding = detector.finish()
        return (encoding, detector.hasBOM)
    }
}

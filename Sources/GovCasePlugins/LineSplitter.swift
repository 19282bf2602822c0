/// Splits a byte stream into lines with bounded memory: a line longer than `maxLineBytes` is cut there (and
/// marked), the rest of it dropped, so a plugin writing without newlines cannot grow the gateway. The bound is on
/// the bytes read: decoded, an invalid byte becomes U+FFFD, so a line's text is at most three times as long in
/// UTF-8 (the plugin-protocol fuzz target found that its first, tighter assertion was wrong).
public struct LineSplitter {
    public let maxLineBytes: Int
    private var current: [UInt8] = []
    private var cut = false

    public init(maxLineBytes: Int = 4_096) { self.maxLineBytes = maxLineBytes }

    /// Feeds bytes; returns the lines they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [String] {
        var lines: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                lines.append(take())
            } else if current.count < maxLineBytes {
                current.append(byte)
            } else {
                cut = true
            }
        }
        return lines
    }

    /// What is left at the end of the stream, if anything.
    public mutating func finish() -> String? { current.isEmpty && !cut ? nil : take() }

    private mutating func take() -> String {
        var line = String(decoding: current, as: UTF8.self)
        if line.hasSuffix("\r") { line.removeLast() }
        if cut { line += " …(cut at \(maxLineBytes) bytes)" }
        current.removeAll(keepingCapacity: true)
        cut = false
        return line
    }
}

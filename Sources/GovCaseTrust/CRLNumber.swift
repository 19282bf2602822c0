import Foundation

/// A CRL's sequence number (RFC 5280 §5.2.3): a CA numbers the CRLs it issues in increasing order, so a lower
/// number is an older list. Up to 20 octets, so kept as bytes rather than a machine integer.
public struct CRLNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The non-negative value, big-endian, without leading zero bytes (zero is empty).
    let magnitude: [UInt8]

    /// A number from its big-endian bytes; leading zero bytes are dropped.
    init<Bytes: Collection<UInt8>>(magnitude bytes: Bytes) {
        magnitude = Array(bytes.drop { $0 == 0 })
    }

    /// A number from a machine integer.
    public init(_ value: UInt64) {
        self.init(magnitude: (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) })
    }

    public static func < (lhs: CRLNumber, rhs: CRLNumber) -> Bool {
        // Without leading zeros, the shorter magnitude is the smaller number.
        lhs.magnitude.count != rhs.magnitude.count
            ? lhs.magnitude.count < rhs.magnitude.count : lhs.magnitude.lexicographicallyPrecedes(rhs.magnitude)
    }

    /// In decimal, as `openssl crl -text` prints a small number; larger ones in hex, as it prints those.
    public var description: String {
        guard magnitude.count <= 8 else { return "0x" + magnitude.map { String(format: "%02X", $0) }.joined() }
        return String(magnitude.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }
}

import Foundation
import SwiftASN1
import X509

/// An X.509 certificate revocation list (RFC 5280 §5), as a province's CA publishes it: which serial numbers
/// of the certificates it issued are revoked, until when the list is current, and the CA's signature over it.
///
/// swift-certificates has no CRL type, so this parses the DER with swift-asn1 and checks the signature with
/// swift-certificates' public keys. It reads full CRLs only: a delta CRL, a partitioned one (an issuing
/// distribution point) or an indirect one (entries for another issuer) is refused, since reading one as a full
/// list would miss revocations; so is any other critical extension it does not know (RFC 5280 §5.2).
public struct CertificateRevocationList: Sendable {
    /// The CA that issued the list, and the certificates it covers.
    public let issuer: DistinguishedName
    /// When the list was issued.
    public let thisUpdate: Date
    /// When the next list will be issued; after it, this one is out of date. RFC 5280 requires it.
    public let nextUpdate: Date?
    /// The list's sequence number (the CRL number extension), if it has one: a conforming CA always sets it.
    public let number: CRLNumber?
    /// The revoked certificates' serial numbers.
    public let revokedSerialNumbers: Set<Certificate.SerialNumber>
    /// The signed part, as encoded, and the signature over it.
    let signedBytes: ArraySlice<UInt8>
    let signatureAlgorithm: Certificate.SignatureAlgorithm
    let signature: [UInt8]

    init(
        issuer: DistinguishedName, thisUpdate: Date, nextUpdate: Date?, number: CRLNumber?,
        revokedSerialNumbers: Set<Certificate.SerialNumber>, signedBytes: ArraySlice<UInt8>,
        signatureAlgorithm: Certificate.SignatureAlgorithm, signature: [UInt8]
    ) {
        self.issuer = issuer
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.number = number
        self.revokedSerialNumbers = revokedSerialNumbers
        self.signedBytes = signedBytes
        self.signatureAlgorithm = signatureAlgorithm
        self.signature = signature
    }

    /// A CRL in DER, or in PEM (`-----BEGIN X509 CRL-----`), as `openssl ca -gencrl` and most CAs write it.
    public init(bytes: [UInt8]) throws(CRLError) {
        let pemMarker = Array("-----BEGIN X509 CRL-----".utf8)
        if let start = bytes.firstRange(of: pemMarker)?.lowerBound {
            let text = String(decoding: bytes[start...], as: UTF8.self)
            let document: PEMDocument
            do {
                document = try PEMDocument(pemString: text)
            } catch {
                throw CRLError("not a PEM X509 CRL: \(error)")
            }
            try self.init(derEncoded: document.derBytes)
        } else {
            try self.init(derEncoded: bytes)
        }
    }

    /// A CRL in DER.
    public init(derEncoded der: [UInt8]) throws(CRLError) {
        do {
            self = try Self.parse(DER.parse(der))
        } catch let error as CRLError {
            throw error
        } catch {
            throw CRLError("not a DER CertificateList: \(error)")
        }
    }

    /// Whether `certificate`'s serial number is listed.
    public func revokes(_ certificate: Certificate) -> Bool {
        revokedSerialNumbers.contains(certificate.serialNumber)
    }

    /// Whether `issuer` signed this list: its subject is the list's issuer and its key made the signature.
    public func isSigned(by issuer: Certificate) -> Bool {
        issuer.subject == self.issuer
            && issuer.publicKey.isValidSignature(signature, for: signedBytes, signatureAlgorithm: signatureAlgorithm)
    }

    /// Whether the list is out of date at `time`: past its `nextUpdate`, or without one.
    public func isExpired(at time: Date) -> Bool {
        guard let nextUpdate else { return true }
        return time > nextUpdate
    }

    /// Whether this list was issued before `other`, a list of the same CA: a lower CRL number, or the same
    /// number (or a number missing on either side) and an earlier `thisUpdate`. A stale mirror or a restored
    /// backup is such a list; taking it in place of the newer one would un-revoke what was revoked since.
    public func isOlder(than other: CertificateRevocationList) -> Bool {
        if let number, let otherNumber = other.number, number != otherNumber { return number < otherNumber }
        return thisUpdate < other.thisUpdate
    }
}

/// Why a CRL cannot be used.
public struct CRLError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Parsing

extension CertificateRevocationList {
    /// Extensions a full CRL may carry that this reader understands (it reads the CRL number, to tell an older
    /// list from a newer one; none of them changes which serials are revoked): authority key identifier, CRL
    /// number; in entries: reason code, invalidity date, hold instruction.
    static let understoodExtensions: Set<ASN1ObjectIdentifier> = [
        [2, 5, 29, 35], crlNumberExtension, [2, 5, 29, 21], [2, 5, 29, 24], [2, 5, 29, 23],
    ]

    /// The CRL number extension (RFC 5280 §5.2.3).
    static let crlNumberExtension: ASN1ObjectIdentifier = [2, 5, 29, 20]

    /// What the extensions RFC 5280 defines but this reader refuses are, for the message.
    static let refusedExtensions: [ASN1ObjectIdentifier: String] = [
        [2, 5, 29, 27]: "a delta CRL (delta CRL indicator); give the full CRL",
        [2, 5, 29, 28]: "a partitioned CRL (issuing distribution point); give the full CRL",
        [2, 5, 29, 29]: "an indirect CRL (certificate issuer in an entry); give the issuing CA's own CRL",
    ]

    static func parse(_ root: ASN1Node) throws -> CertificateRevocationList {
        try DER.sequence(root, identifier: .sequence) { nodes in
            guard let tbs = nodes.next() else { throw CRLError("empty CertificateList") }
            let outerAlgorithm = try algorithmIdentifier(&nodes)
            let signature = try ASN1BitString(derEncoded: &nodes)
            guard nodes.next() == nil else { throw CRLError("trailing data after the signature") }
            guard signature.paddingBits == 0 else { throw CRLError("the signature is not whole bytes") }
            return try DER.sequence(tbs, identifier: .sequence) { fields in
                let version: Int? = try DER.optionalImplicitlyTagged(&fields, tag: .integer)
                guard version == nil || version == 1 else {
                    throw CRLError("version \(version ?? 0) is not v2 (1)")
                }
                let innerAlgorithm = try algorithmIdentifier(&fields)
                guard innerAlgorithm == outerAlgorithm else {
                    throw CRLError("the signed algorithm \(innerAlgorithm) differs from the outer \(outerAlgorithm)")
                }
                let issuer = try DistinguishedName(derEncoded: &fields)
                guard let thisNode = fields.next() else { throw CRLError("no thisUpdate") }
                let thisUpdate = try time(thisNode)
                var next = fields.next()
                var nextUpdate: Date?
                if let node = next, node.identifier == .utcTime || node.identifier == .generalizedTime {
                    nextUpdate = try time(node)
                    next = fields.next()
                }
                var serials = Set<Certificate.SerialNumber>()
                if let node = next, node.identifier == .sequence {
                    try forEachElement(of: node) { serials.insert(try revokedEntry($0)) }
                    next = fields.next()
                }
                var number: CRLNumber?
                if let node = next, node.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
                    let values = try DER.explicitlyTagged(node, tagNumber: 0, tagClass: .contextSpecific) {
                        try checkExtensions($0)
                    }
                    number = try values[crlNumberExtension].map(crlNumber)
                    next = fields.next()
                }
                guard next == nil else { throw CRLError("unexpected field \(next!.identifier) in TBSCertList") }
                return CertificateRevocationList(
                    issuer: issuer, thisUpdate: thisUpdate, nextUpdate: nextUpdate, number: number,
                    revokedSerialNumbers: serials,
                    signedBytes: tbs.encodedBytes, signatureAlgorithm: try signatureAlgorithm(outerAlgorithm),
                    signature: Array(signature.bytes))
            }
        }
    }

    /// `AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }`: the OID.
    static func algorithmIdentifier(_ nodes: inout ASN1NodeCollection.Iterator) throws -> ASN1ObjectIdentifier {
        guard let node = nodes.next() else { throw CRLError("no AlgorithmIdentifier") }
        return try DER.sequence(node, identifier: .sequence) { inner in
            let oid = try ASN1ObjectIdentifier(derEncoded: &inner)
            _ = inner.next()  // NULL for RSA, absent for ECDSA and Ed25519
            guard inner.next() == nil else { throw CRLError("AlgorithmIdentifier has extra fields") }
            return oid
        }
    }

    /// The signature algorithms swift-certificates verifies; SHA-1 and others are refused.
    static func signatureAlgorithm(_ oid: ASN1ObjectIdentifier) throws -> Certificate.SignatureAlgorithm {
        let known: [ASN1ObjectIdentifier: Certificate.SignatureAlgorithm] = [
            [1, 2, 840, 10045, 4, 3, 2]: .ecdsaWithSHA256, [1, 2, 840, 10045, 4, 3, 3]: .ecdsaWithSHA384,
            [1, 2, 840, 10045, 4, 3, 4]: .ecdsaWithSHA512, [1, 2, 840, 113549, 1, 1, 11]: .sha256WithRSAEncryption,
            [1, 2, 840, 113549, 1, 1, 12]: .sha384WithRSAEncryption,
            [1, 2, 840, 113549, 1, 1, 13]: .sha512WithRSAEncryption, [1, 3, 101, 112]: .ed25519,
        ]
        guard let algorithm = known[oid] else {
            throw CRLError("signature algorithm \(oid) is not one of ECDSA or RSA with SHA-2, or Ed25519")
        }
        return algorithm
    }

    /// `SEQUENCE { userCertificate INTEGER, revocationDate Time, crlEntryExtensions Extensions OPTIONAL }`.
    static func revokedEntry(_ node: ASN1Node) throws -> Certificate.SerialNumber {
        try DER.sequence(node, identifier: .sequence) { fields in
            let serial = try ArraySlice<UInt8>(derEncoded: &fields)
            guard let date = fields.next() else { throw CRLError("a revoked entry has no revocation date") }
            _ = try time(date)
            if let extensions = fields.next() { _ = try checkExtensions(extensions) }
            guard fields.next() == nil else { throw CRLError("a revoked entry has extra fields") }
            return Certificate.SerialNumber(bytes: serial)
        }
    }

    /// `Extensions ::= SEQUENCE OF SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }`:
    /// refuses a critical extension this reader does not understand, and one that appears twice (RFC 5280
    /// §4.2: which of two CRL numbers would count?). Returns each extension's value by its OID.
    static func checkExtensions(_ node: ASN1Node) throws -> [ASN1ObjectIdentifier: ArraySlice<UInt8>] {
        var values: [ASN1ObjectIdentifier: ArraySlice<UInt8>] = [:]
        try forEachElement(of: node) { extensionNode in
            try DER.sequence(extensionNode, identifier: .sequence) { fields in
                let oid = try ASN1ObjectIdentifier(derEncoded: &fields)
                let critical: Bool = try DER.optionalImplicitlyTagged(&fields, tag: .boolean) ?? false
                let value = try ASN1OctetString(derEncoded: &fields)
                guard fields.next() == nil else { throw CRLError("extension \(oid) has extra fields") }
                if let refusal = refusedExtensions[oid] { throw CRLError("this is \(refusal)") }
                if critical && !understoodExtensions.contains(oid) {
                    throw CRLError("critical extension \(oid) is not understood")
                }
                guard values.updateValue(value.bytes, forKey: oid) == nil else {
                    throw CRLError("extension \(oid) appears twice")
                }
            }
        }
        return values
    }

    /// `CRLNumber ::= INTEGER (0..MAX)`, the value of the CRL number extension (swift-asn1 refuses a negative one).
    static func crlNumber(_ value: ArraySlice<UInt8>) throws -> CRLNumber {
        do {
            return CRLNumber(magnitude: try ArraySlice<UInt8>(derEncoded: DER.parse(value)))
        } catch {
            throw CRLError("the CRL number is not a non-negative INTEGER: \(error)")
        }
    }

    /// Runs `body` on each element of a SEQUENCE OF.
    static func forEachElement(of node: ASN1Node, _ body: (ASN1Node) throws -> Void) throws {
        try DER.sequence(node, identifier: .sequence) { elements in
            while let element = elements.next() { try body(element) }
        }
    }

    /// `Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }`, in UTC.
    static func time(_ node: ASN1Node) throws -> Date {
        var components = DateComponents(timeZone: TimeZone(identifier: "UTC"))
        switch node.identifier {
        case .utcTime:
            let time = try UTCTime(derEncoded: node)
            (components.year, components.month, components.day) = (time.year, time.month, time.day)
            (components.hour, components.minute, components.second) = (time.hours, time.minutes, time.seconds)
        case .generalizedTime:
            let time = try GeneralizedTime(derEncoded: node)
            (components.year, components.month, components.day) = (time.year, time.month, time.day)
            (components.hour, components.minute, components.second) = (time.hours, time.minutes, time.seconds)
        default:
            throw CRLError("\(node.identifier) is not a time")
        }
        guard let date = Calendar(identifier: .gregorian).date(from: components) else {
            throw CRLError("\(components) is not a date")
        }
        return date
    }
}

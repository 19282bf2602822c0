import GovCaseTrust

/// Any bytes as a CRL file: parsed or refused with a `CRLError`, never a crash or a hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCRL(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let list = try? CertificateRevocationList(bytes: bytes) {
        _ = list.revokedSerialNumbers.count
        _ = list.isExpired(at: list.thisUpdate)
    }
    return 0
}

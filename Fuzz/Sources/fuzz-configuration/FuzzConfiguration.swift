import GovCasePolicy
import GovCaseServer

/// Any text as the gateway's YAML configuration and as an access policy: decoded or refused with an error
/// naming its key, never a crash or a hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfiguration(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let configuration = try? GatewayConfiguration.parse(yaml: text) {
        try? configuration.checkCodeOverrides()
    }
    _ = try? AccessPolicy(yaml: text)
    return 0
}

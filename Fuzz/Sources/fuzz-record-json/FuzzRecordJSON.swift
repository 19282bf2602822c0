import Foundation
import GovCaseAdapters
import GovCaseCore

let adapters = BuiltInAdapters.all()
let context = TranslationContext(sourceSystem: "fuzz", receivedAt: Date(timeIntervalSince1970: 1_796_000_000))
let validator = CaseValidator(context: ValidationContext(now: Date(timeIntervalSince1970: 1_796_000_000)))

/// Any text as `govcase translate`'s input: a JSON record with its `@type`, decoded by the adapter that accepts
/// the type, translated and validated; never a crash or a hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecordJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let record = try? SourceRecordJSON(text), let typeName = record.typeName else { return 0 }
    for adapter in adapters where adapter.info.messageTypes.contains(typeName) {
        guard let message = try? adapter.decode(json: record.json, typeName: typeName) else { continue }
        if case .newCase(let c)? = adapter.translate(message, context: context) {
            _ = validator.violations(in: c)
        }
    }
    return 0
}

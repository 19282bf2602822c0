import Foundation
import GovCaseAdapters
import GovCaseCore
import SwiftProtobuf

/// Every message type the built-in adapters accept, sorted by name: the input's first byte picks one.
let messageTypes: [(adapter: AnySourceAdapter, type: any SwiftProtobuf.Message.Type)] = BuiltInAdapters.all()
    .flatMap { adapter in adapter.messageTypes.map { (name: $0.key, entry: (adapter: adapter, type: $0.value)) } }
    .sorted { $0.name < $1.name }.map(\.entry)

let context = TranslationContext(sourceSystem: "fuzz", receivedAt: Date(timeIntervalSince1970: 1_796_000_000))
let validator = CaseValidator(context: ValidationContext(now: Date(timeIntervalSince1970: 1_796_000_000)))

/// One byte choosing the message type, then protobuf binary: decoded (or refused), translated by its adapter,
/// and the case checked by the core validator, as the ingest path does; never a crash or a hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSourceRecords(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let (adapter, type) = messageTypes[Int(data[0]) % messageTypes.count]
    let bytes = Data(UnsafeBufferPointer(start: data + 1, count: size - 1))
    guard let message = try? type.init(serializedBytes: bytes) else { return 0 }
    if case .newCase(let c)? = adapter.translate(message, context: context) {
        _ = validator.violations(in: c)
    }
    return 0
}

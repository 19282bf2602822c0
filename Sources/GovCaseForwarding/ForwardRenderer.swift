import Foundation
import GovCaseAdapters
import GovCaseCore
import GovCaseProto
import GovCaseStore
import SwiftProtobuf

/// Turns an outbox row into the records the destination receives, through the render path of the route's
/// adapter, from the case as it is stored now (a later revision renders its latest content; the receiver takes
/// it as the correction it is, and the later row comes back DUPLICATE).
struct ForwardRenderer: Sendable {
    let adapter: AnySourceAdapter
    /// The adapter id the records name at the receiver.
    let destinationAdapter: String

    /// What a row renders to.
    enum Rendered {
        /// The records to send, in order; empty when the destination has no record for this change.
        case records([Govcase_Gateway_V1_GenericRecord])
        /// The row cannot be sent as it is: a dead letter with this reason.
        case unrenderable(String)
    }

    func render(_ row: Forward, of c: Case) -> Rendered {
        do {
            let messages: [any SwiftProtobuf.Message]
            switch row.change {
            case .created, .revised:
                messages = try adapter.render(c)
            case .step:
                guard let event = c.events.first(where: { $0.sequence == row.eventSequence }) else {
                    return .unrenderable("case \(c.caseID) has no event \(row.eventSequence)")
                }
                messages = try adapter.render(event, of: c)
            }
            return .records(
                try messages.map { message in
                    try Govcase_Gateway_V1_GenericRecord.with {
                        $0.adapterID = destinationAdapter
                        $0.record = try Google_Protobuf_Any(message: message)
                    }
                })
        } catch {
            return .unrenderable("\(adapter.info.id) cannot render it: \(error)")
        }
    }
}

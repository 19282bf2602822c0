import Foundation
import SwiftProtobuf

extension Optional where Wrapped == Date {
    /// The timestamp, or `nil` for no date (so the field stays unset on the wire).
    var timestamp: Google_Protobuf_Timestamp? { map { Google_Protobuf_Timestamp(date: $0) } }
}

extension Message {
    /// Sets an optional message field only when there is a value, keeping unset fields unset.
    mutating func set<Field>(_ keyPath: WritableKeyPath<Self, Field>, _ value: Field?) {
        if let value { self[keyPath: keyPath] = value }
    }
}

import Foundation
import GovCaseCore
import SwiftProtobuf

/// Any built-in adapter behind one type: records in and out as protobuf messages named by type.
public struct AnySourceAdapter: Sendable {
    /// Who the adapter is.
    public let info: AdapterInfo
    /// The adapter's shipped code table, before any override.
    public let codeTable: CodeTable
    /// The source message types it accepts, by fully qualified name.
    public let messageTypes: [String: any SwiftProtobuf.Message.Type]
    private let translateMessage: @Sendable (any SwiftProtobuf.Message, TranslationContext) -> Translation?
    private let renderCase: @Sendable (Case) throws(CaseError) -> [any SwiftProtobuf.Message]
    private let renderEvent: @Sendable (LifecycleEvent, Case) throws(CaseError) -> [any SwiftProtobuf.Message]
    private let fieldPaths: @Sendable (String) -> FieldPathMap?

    public init<A: SourceMessageAdapter>(_ adapter: A) {
        info = adapter.info
        codeTable = adapter.codes.defaults
        messageTypes = Dictionary(uniqueKeysWithValues: A.messageTypes.map { ($0.protoMessageName, $0) })
        translateMessage = { message, context in A.wrap(message).map { adapter.translate($0, context: context) } }
        renderCase = { c throws(CaseError) in try adapter.render(c).compactMap(A.unwrap) }
        renderEvent = { event, c throws(CaseError) in try adapter.render(event, of: c).compactMap(A.unwrap) }
        fieldPaths = { A.fieldPaths(ofRecordType: $0) }
    }

    /// Translates a source message; `nil` if the adapter does not accept its type.
    public func translate(_ message: any SwiftProtobuf.Message, context: TranslationContext) -> Translation? {
        translateMessage(message, context)?.reported(by: context.sourceSystem)
    }

    /// Checks the gateway made on a case this adapter translated from a record of `recordType`, named by the
    /// record's own field paths where the adapter maps them (`case.<core path>` where it does not).
    public func inSourceTerms(_ violations: [FieldViolation], recordType: String) -> [FieldViolation] {
        Self.renamed(violations, by: fieldPaths(recordType) ?? FieldPathMap([:]))
    }

    /// Checks the gateway made on a case a plugin translated: the gateway knows none of the plugin record's paths,
    /// so each is named `case.<core path>` (violation.proto).
    public static func unmapped(_ violations: [FieldViolation]) -> [FieldViolation] {
        renamed(violations, by: FieldPathMap([:]))
    }

    private static func renamed(_ violations: [FieldViolation], by paths: FieldPathMap) -> [FieldViolation] {
        violations.map { violation in
            var renamed = violation
            renamed.field = paths.sourcePath(for: violation.field)
            return renamed
        }
    }

    /// Renders a case into source messages.
    public func render(_ c: Case) throws(CaseError) -> [any SwiftProtobuf.Message] { try renderCase(c) }

    /// Renders an event of a case into source messages.
    public func render(_ event: LifecycleEvent, of c: Case) throws(CaseError) -> [any SwiftProtobuf.Message] {
        try renderEvent(event, c)
    }

    /// Decodes a source message of type `typeName` from protobuf JSON; `nil` if the adapter does not accept the type.
    public func decode(json: String, typeName: String) throws -> (any SwiftProtobuf.Message)? {
        guard let type = messageTypes[typeName] else { return nil }
        return try type.init(jsonString: json)
    }
}

import Foundation
import GovCaseCore
import GovCaseProto

/// The adapter for the national integrated online government service platform's 好差评 system
/// (全国一体化在线政务服务平台): evaluations of handled matters, rectification feedback and appeals.
public struct NationalPlatformAdapter: Adapter {
    public typealias SourceRecord = Govcase_Gateway_V1_NationalRecord

    /// Code tables: the shipped defaults with the deployment's overrides per source system.
    public let codes: CodeTables

    public let info = AdapterInfo(
        id: "national-platform", version: "1.0.0",
        messageTypes: [
            Govcase_Sources_National_V1_EvaluationRecord.protoMessageName,
            Govcase_Sources_National_V1_RectificationFeedback.protoMessageName,
            Govcase_Sources_National_V1_AppealRecord.protoMessageName,
            Govcase_Sources_National_V1_ServiceNodeRecord.protoMessageName,
        ],
        summary:
            "National 好差评 system: evaluations of handled matters, rectification feedback, appeals, service nodes")

    /// The shipped code table (`Resources/codes.json`).
    public static let defaultCodes = CodeTable.shipped(
        Bundle.module.url(forResource: "codes", withExtension: "json"), adapter: "NationalPlatformAdapter")

    /// - Parameter overrides: Code-table overrides by source system.
    public init(overrides: [String: CodeTable] = [:]) {
        codes = CodeTables(defaults: Self.defaultCodes, overrides: overrides)
    }

    public func translate(_ record: SourceRecord, context: TranslationContext) -> Translation {
        let reader = RecordReader(codes: codes.table(for: context.sourceSystem))
        switch record.record {
        case .evaluation(let r): return translate(r, reader: reader, context: context)
        case .rectificationFeedback(let r): return translate(r, reader: reader)
        case .appeal(let r): return translate(r, reader: reader)
        case .serviceNode(let r): return translate(r, reader: reader, context: context)
        case nil: return .rejected([FieldViolation(field: "record", rule: .required, message: "no record is set")])
        }
    }
}

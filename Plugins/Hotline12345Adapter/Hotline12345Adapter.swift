import Foundation
import GovCaseCore
import GovCaseProto

/// The adapter for 12345 government service hotline work orders (12345政务服务便民热线): orders of the five
/// request kinds, their status updates along 受理 → 派单/转办 → 签收/退回 → 办理 (延期) → 回复 → 回访 → 办结,
/// and return-visit evaluations. A dissatisfied return visit reopens the order (重办).
public struct Hotline12345Adapter: Adapter {
    public typealias SourceRecord = Govcase_Gateway_V1_HotlineRecord

    /// Code tables: the shipped defaults with the deployment's overrides per source system.
    public let codes: CodeTables

    public let info = AdapterInfo(
        id: "hotline-12345", version: "1.0.0",
        messageTypes: [
            Govcase_Sources_Hotline12345_V1_WorkOrder.protoMessageName,
            Govcase_Sources_Hotline12345_V1_StatusUpdate.protoMessageName,
            Govcase_Sources_Hotline12345_V1_ReturnVisitEvaluation.protoMessageName,
        ],
        summary: "12345 hotline: work orders, status updates, return-visit evaluations")

    /// The shipped code table (`Resources/codes.json`).
    public static let defaultCodes = CodeTable.shipped(
        Bundle.module.url(forResource: "codes", withExtension: "json"), adapter: "Hotline12345Adapter")

    /// - Parameter overrides: Code-table overrides by source system.
    public init(overrides: [String: CodeTable] = [:]) {
        codes = CodeTables(defaults: Self.defaultCodes, overrides: overrides)
    }

    public func translate(_ record: SourceRecord, context: TranslationContext) -> Translation {
        let reader = RecordReader(codes: codes.table(for: context.sourceSystem))
        switch record.record {
        case .workOrder(let r): return translate(r, reader: reader, context: context)
        case .statusUpdate(let r): return translate(r, reader: reader)
        case .returnVisit(let r): return translate(r, reader: reader)
        case nil: return .rejected([FieldViolation(field: "record", rule: .required, message: "no record is set")])
        }
    }
}

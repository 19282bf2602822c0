import Foundation
import GovCaseCore
import GovCaseProto
import NationalPlatformAdapter

/// The adapter for the culture and tourism market platforms (全国文化市场技术监管与服务平台 /
/// 全国旅游监管服务平台): evaluations of approvals, culture-market reports, tourism complaints and their
/// progress, and 12345 work orders handed over to culture and tourism with their progress.
///
/// Hand-overs are routed by kind (文化和旅游部 2021 notice): a report, or any order alleging a violation,
/// goes to the culture-market law-enforcement body; a tourism dispute (a complaint alleging no violation)
/// to the tourism complaint body, as a tourism complaint; the rest to the designated unit. The units are
/// the `routing` table of the code table, so each region names its own.
public struct CultureTourismAdapter: Adapter {
    public typealias SourceRecord = Govcase_Gateway_V1_CultureTourismRecord

    /// Code tables: the shipped defaults with the deployment's overrides per source system.
    public let codes: CodeTables

    public let info = AdapterInfo(
        id: "culture-tourism", version: "1.0.0",
        messageTypes: [
            Govcase_Sources_Culturetourism_V1_ApprovalEvaluation.protoMessageName,
            Govcase_Sources_Culturetourism_V1_MarketReport.protoMessageName,
            Govcase_Sources_Culturetourism_V1_TourismComplaint.protoMessageName,
            Govcase_Sources_Culturetourism_V1_ComplaintProgress.protoMessageName,
            Govcase_Sources_Culturetourism_V1_HotlineHandover.protoMessageName,
            Govcase_Sources_Culturetourism_V1_HandoverProgress.protoMessageName,
        ],
        summary: "Culture and tourism market platforms: approval evaluations, market reports, tourism complaints, "
            + "12345 hand-overs")

    /// The shipped code table (`Resources/codes.json`), with the national tables of the messages the approval
    /// evaluation shares with the national record (`NationalShapes.sharedTables`).
    public static let defaultCodes = NationalShapes.addingSharedTables(
        to: CodeTable.shipped(
            Bundle.module.url(forResource: "codes", withExtension: "json"), adapter: "CultureTourismAdapter"))

    /// - Parameter overrides: Code-table overrides by source system.
    public init(overrides: [String: CodeTable] = [:]) {
        codes = CodeTables(defaults: Self.defaultCodes, overrides: overrides)
    }

    public func translate(_ record: SourceRecord, context: TranslationContext) -> Translation {
        let reader = RecordReader(codes: codes.table(for: context.sourceSystem))
        switch record.record {
        case .approvalEvaluation(let r): return translate(r, reader: reader, context: context)
        case .marketReport(let r): return translate(r, reader: reader, context: context)
        case .tourismComplaint(let r): return translate(r, reader: reader, context: context)
        case .complaintProgress(let r): return translate(r, reader: reader)
        case .hotlineHandover(let r): return translate(r, reader: reader, context: context)
        case .handoverProgress(let r): return translate(r, reader: reader)
        case nil: return .rejected([FieldViolation(field: "record", rule: .required, message: "no record is set")])
        }
    }
}

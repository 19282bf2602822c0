import GovCaseCore
import CultureTourismAdapter
import GovCaseProto
import Hotline12345Adapter
import NationalPlatformAdapter
import SwiftProtobuf

/// An adapter whose source records are protobuf messages of known types, wrapped in one record message
/// (the `oneof` of its ingest service). This is what lets the gateway take a record by type name.
public protocol SourceMessageAdapter: Adapter where SourceRecord: SwiftProtobuf.Message {
    /// The adapter's code tables, defaults and overrides.
    var codes: CodeTables { get }
    /// The source message types it accepts.
    static var messageTypes: [any SwiftProtobuf.Message.Type] { get }
    /// The record wrapping `message`, or `nil` if the adapter does not accept its type.
    static func wrap(_ message: any SwiftProtobuf.Message) -> SourceRecord?
    /// The source message inside a record.
    static func unwrap(_ record: SourceRecord) -> (any SwiftProtobuf.Message)?
    /// Core paths → the paths of a message type's records, for checks the gateway makes on a translated case (a
    /// region's default-rating rule): the sender gets its own field names. `nil` where the adapter has no map.
    static func fieldPaths(ofRecordType typeName: String) -> FieldPathMap?
}

extension SourceMessageAdapter {
    public static func fieldPaths(ofRecordType typeName: String) -> FieldPathMap? { nil }
}

extension NationalPlatformAdapter: SourceMessageAdapter {
    public static func fieldPaths(ofRecordType typeName: String) -> FieldPathMap? {
        switch typeName {
        case Govcase_Sources_National_V1_EvaluationRecord.protoMessageName: evaluationPaths
        case Govcase_Sources_National_V1_ServiceNodeRecord.protoMessageName: nodePaths
        default: nil
        }
    }

    public static let messageTypes: [any SwiftProtobuf.Message.Type] = [
        Govcase_Sources_National_V1_EvaluationRecord.self, Govcase_Sources_National_V1_RectificationFeedback.self,
        Govcase_Sources_National_V1_AppealRecord.self, Govcase_Sources_National_V1_ServiceNodeRecord.self,
    ]

    public static func wrap(_ message: any SwiftProtobuf.Message) -> SourceRecord? {
        switch message {
        case let m as Govcase_Sources_National_V1_EvaluationRecord: .with { $0.evaluation = m }
        case let m as Govcase_Sources_National_V1_RectificationFeedback: .with { $0.rectificationFeedback = m }
        case let m as Govcase_Sources_National_V1_AppealRecord: .with { $0.appeal = m }
        case let m as Govcase_Sources_National_V1_ServiceNodeRecord: .with { $0.serviceNode = m }
        default: nil
        }
    }

    public static func unwrap(_ record: SourceRecord) -> (any SwiftProtobuf.Message)? {
        switch record.record {
        case .evaluation(let m): m
        case .rectificationFeedback(let m): m
        case .appeal(let m): m
        case .serviceNode(let m): m
        case nil: nil
        }
    }
}

extension CultureTourismAdapter: SourceMessageAdapter {
    public static func fieldPaths(ofRecordType typeName: String) -> FieldPathMap? {
        typeName == Govcase_Sources_Culturetourism_V1_ApprovalEvaluation.protoMessageName ? approvalPaths : nil
    }

    public static let messageTypes: [any SwiftProtobuf.Message.Type] = [
        Govcase_Sources_Culturetourism_V1_ApprovalEvaluation.self, Govcase_Sources_Culturetourism_V1_MarketReport.self,
        Govcase_Sources_Culturetourism_V1_TourismComplaint.self,
        Govcase_Sources_Culturetourism_V1_ComplaintProgress.self,
        Govcase_Sources_Culturetourism_V1_HotlineHandover.self, Govcase_Sources_Culturetourism_V1_HandoverProgress.self,
    ]

    public static func wrap(_ message: any SwiftProtobuf.Message) -> SourceRecord? {
        switch message {
        case let m as Govcase_Sources_Culturetourism_V1_ApprovalEvaluation: .with { $0.approvalEvaluation = m }
        case let m as Govcase_Sources_Culturetourism_V1_MarketReport: .with { $0.marketReport = m }
        case let m as Govcase_Sources_Culturetourism_V1_TourismComplaint: .with { $0.tourismComplaint = m }
        case let m as Govcase_Sources_Culturetourism_V1_ComplaintProgress: .with { $0.complaintProgress = m }
        case let m as Govcase_Sources_Culturetourism_V1_HotlineHandover: .with { $0.hotlineHandover = m }
        case let m as Govcase_Sources_Culturetourism_V1_HandoverProgress: .with { $0.handoverProgress = m }
        default: nil
        }
    }

    public static func unwrap(_ record: SourceRecord) -> (any SwiftProtobuf.Message)? {
        switch record.record {
        case .approvalEvaluation(let m): m
        case .marketReport(let m): m
        case .tourismComplaint(let m): m
        case .complaintProgress(let m): m
        case .hotlineHandover(let m): m
        case .handoverProgress(let m): m
        case nil: nil
        }
    }
}

extension Hotline12345Adapter: SourceMessageAdapter {
    public static let messageTypes: [any SwiftProtobuf.Message.Type] = [
        Govcase_Sources_Hotline12345_V1_WorkOrder.self, Govcase_Sources_Hotline12345_V1_StatusUpdate.self,
        Govcase_Sources_Hotline12345_V1_ReturnVisitEvaluation.self,
    ]

    public static func wrap(_ message: any SwiftProtobuf.Message) -> SourceRecord? {
        switch message {
        case let m as Govcase_Sources_Hotline12345_V1_WorkOrder: .with { $0.workOrder = m }
        case let m as Govcase_Sources_Hotline12345_V1_StatusUpdate: .with { $0.statusUpdate = m }
        case let m as Govcase_Sources_Hotline12345_V1_ReturnVisitEvaluation: .with { $0.returnVisit = m }
        default: nil
        }
    }

    public static func unwrap(_ record: SourceRecord) -> (any SwiftProtobuf.Message)? {
        switch record.record {
        case .workOrder(let m): m
        case .statusUpdate(let m): m
        case .returnVisit(let m): m
        case nil: nil
        }
    }
}

import GovCaseCore
import GovCaseProto
import SwiftProtobuf

/// A core enum whose cases are declared in the same order as its proto enum's values 1, 2, 3 …
/// (0 being `*_UNSPECIFIED`). `ProtoEnumMirrorTests` checks every pair against the descriptor set.
public protocol ProtoMirroredEnum: CaseIterable, Equatable where AllCases == [Self] {
    /// The generated proto enum.
    associatedtype Proto: SwiftProtobuf.Enum where Proto.RawValue == Int
}

extension ProtoMirroredEnum {
    /// The core value of a proto value; `nil` for `*_UNSPECIFIED` and for numbers this build does not know.
    public init?(proto: Proto) {
        let index = proto.rawValue - 1
        guard Self.allCases.indices.contains(index) else { return nil }
        self = Self.allCases[index]
    }

    /// The proto value.
    public var proto: Proto { Proto(rawValue: Self.allCases.firstIndex(of: self)! + 1)! }
}

extension Optional where Wrapped: ProtoMirroredEnum {
    /// The proto value, `*_UNSPECIFIED` for `nil`.
    var proto: Wrapped.Proto { map(\.proto) ?? Wrapped.Proto(rawValue: 0)! }
}

extension CaseKind: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_CaseKind }
extension SatisfactionLevel: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_SatisfactionLevel }
extension Channel: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_Channel }
extension PartyKind: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_PartyKind }
extension IdentityDocumentType: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_IdentityDocumentType }
extension EvaluatedObjectKind: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_EvaluatedObjectKind }
extension EvaluationOrigin: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_EvaluationOrigin }
extension EvaluationDimension: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_EvaluationDimension }
extension HandlingTrack: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_HandlingTrack }
extension ComplaintAcceptance: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_ComplaintAcceptance }
extension MediationOutcome: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_MediationOutcome }
extension BadReviewOutcome: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_BadReviewOutcome }
extension RequestOutcome: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_RequestOutcome }
extension ReviewResult: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_ReviewResult }
extension Urgency: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_Urgency }
extension ItemType: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_ItemType }
extension MatterStatus: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_MatterStatus }
extension MatterKind: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_MatterKind }
extension TimeLimitUnit: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_TimeLimitUnit }
extension HandlingChannel: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_HandlingChannel }
extension EvaluatedPersonRole: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_EvaluatedPersonRole }
extension NotAdoptedReason: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_NotAdoptedReason }
extension AppealDecision: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_AppealDecision }
extension FeedbackMethod: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_FeedbackMethod }
extension Lifecycle: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_Lifecycle }
extension CaseStatus: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_CaseStatus }
extension LifecycleActionKind: ProtoMirroredEnum { public typealias Proto = Govcase_Core_V1_LifecycleActionKind }

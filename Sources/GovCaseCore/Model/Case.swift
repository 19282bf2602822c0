import Foundation

/// Where a case came from. `sourceSystem` is the caller's certificate identity, never a field of the record.
public struct SourceIdentity: Sendable, Hashable, Codable {
    /// Source system id from the caller's certificate.
    public var sourceSystem: String
    /// Adapter that translated the record.
    public var adapterID: String
    /// The record's id in the source (来源编号).
    public var externalID: String
    /// Revision at the source; an older one than stored is refused.
    public var revision: UInt64
    /// Fully qualified source message type, set by the gateway; with the source system and external id it
    /// identifies the record. `nil` for cases stored before the store recorded it.
    public var recordType: String?
    /// SHA-256 of the source message's deterministic serialization, set by the gateway; `nil` for cases stored
    /// before the store recorded it.
    public var contentDigest: Data?

    public init(
        sourceSystem: String = "", adapterID: String = "", externalID: String, revision: UInt64 = 1,
        recordType: String? = nil, contentDigest: Data? = nil
    ) {
        self.sourceSystem = sourceSystem
        self.adapterID = adapterID
        self.externalID = externalID
        self.revision = revision
        self.recordType = recordType
        self.contentDigest = contentDigest
    }
}

/// The core case: one evaluation or one request, with its handling and lifecycle.
public struct Case: Sendable, Hashable, Codable {
    /// Gateway case id, assigned on first commit.
    public var caseID: String
    /// Where the record came from.
    public var source: SourceIdentity
    /// What the case is.
    public var kind: CaseKind
    /// Six-digit division code of the responsible region (GB/T 2260).
    public var regionCode: String
    /// The service evaluated or concerned.
    public var service: ServiceReference
    /// The evaluation, for evaluation cases.
    public var evaluation: Evaluation?
    /// The request, for the five request kinds.
    public var request: Request?
    /// The evaluator or requester.
    public var requester: Party?
    /// Handling record.
    public var handling: Handling
    /// Bad-review loop, for bad reviews.
    public var badReview: BadReviewLoop?
    /// State machine the case follows.
    public var lifecycle: Lifecycle
    /// Current status within it.
    public var status: CaseStatus
    /// Applied events, oldest first; append-only.
    public var events: [LifecycleEvent]
    /// When the source received the record.
    public var receivedAt: Date?
    /// Linked cases, found by the store when the case is read; never stored with the case.
    public var links = CaseLinks()
    /// When the gateway first stored the case: set by the store when it reads a case, never by a source.
    public var createdAt: Date?

    /// Everything but `links` and `createdAt`, which the store gives at read time (and v1 JSON payloads never had).
    enum CodingKeys: String, CodingKey {
        case caseID, source, kind, regionCode, service, evaluation, request, requester, handling, badReview
        case lifecycle, status, events, receivedAt
    }

    public init(
        caseID: String = "", source: SourceIdentity, kind: CaseKind, regionCode: String,
        service: ServiceReference = .init(), evaluation: Evaluation? = nil, request: Request? = nil,
        requester: Party? = nil, handling: Handling = .init(), badReview: BadReviewLoop? = nil,
        lifecycle: Lifecycle? = nil, status: CaseStatus? = nil, events: [LifecycleEvent] = [], receivedAt: Date?
    ) {
        self.caseID = caseID
        self.source = source
        self.kind = kind
        self.regionCode = regionCode
        self.service = service
        self.evaluation = evaluation
        self.request = request
        self.requester = requester
        self.handling = handling
        let lifecycle = lifecycle ?? Lifecycle.natural(for: kind, evaluation: evaluation)
        self.badReview = badReview ?? (lifecycle == .badReview ? BadReviewLoop() : nil)
        self.lifecycle = lifecycle
        self.status = status ?? lifecycle.initialStatus
        self.events = events
        self.receivedAt = receivedAt
    }

    /// Whether this case counts in satisfaction rates; mediation and law-enforcement matters are set apart.
    public var isSetApartFromSatisfaction: Bool { request?.track.isSetApartFromSatisfaction ?? false }
}

/// Links between cases, found when a case is read (关联案件).
public struct CaseLinks: Sendable, Hashable, Codable {
    /// On a request opened from an evaluation (差评工单): the evaluation's case id, when the gateway holds it.
    public var originEvaluationCaseID: String?
    /// On an evaluation: the requests opened from it, oldest first.
    public var workOrderCaseIDs: [String]
    /// On an evaluation naming a service node: the node's case id, when the gateway holds it.
    public var serviceNodeCaseID: String?
    /// On a service node: its evaluations' case ids, oldest first.
    public var nodeEvaluationCaseIDs: [String] = []

    public init(originEvaluationCaseID: String? = nil, workOrderCaseIDs: [String] = []) {
        self.originEvaluationCaseID = originEvaluationCaseID
        self.workOrderCaseIDs = workOrderCaseIDs
    }
}

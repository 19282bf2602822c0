import Foundation

/// Outcome decided after verifying a bad review.
public enum BadReviewOutcome: String, Sendable, Hashable, CaseIterable, Codable {
    /// 立行立改.
    case immediateFix
    /// 限期整改.
    case fixByDeadline
    /// 解释说明.
    case explanation
    /// 不予采纳, after an upheld appeal.
    case notAdopted
}

/// Why a bad review was not adopted.
public enum NotAdoptedReason: String, Sendable, Hashable, CaseIterable, Codable {
    /// 误评.
    case mistaken
    /// 恶意差评.
    case malicious
}

/// Result of reviewing an appeal (复核结果).
public enum AppealDecision: String, Sendable, Hashable, CaseIterable, Codable {
    /// 申诉成立: the review leaves the statistics.
    case upheld
    /// 申诉不成立: the review stands.
    case rejected
}

/// How feedback reached the evaluator (反馈方式).
public enum FeedbackMethod: String, Sendable, Hashable, CaseIterable, Codable {
    /// 电话.
    case phone
    /// 短信.
    case sms
    /// 微信.
    case wechat
    /// 当面.
    case inPerson
    /// 网上.
    case online
}

/// The bad-review loop of one evaluation (差评整改闭环); filled in as lifecycle actions are applied.
public struct BadReviewLoop: Sendable, Hashable, Codable {
    /// Verifier (核实人), once verified.
    public var verifier: String
    /// Verification finding.
    public var finding: String
    /// When verified.
    public var verifiedAt: Date?
    /// Decided outcome.
    public var outcome: BadReviewOutcome?
    /// Rectification measures (整改措施).
    public var rectificationMeasures: String
    /// Rectification deadline, for a fix by deadline.
    public var rectificationDeadline: Date?
    /// When rectification was completed.
    public var rectifiedAt: Date?
    /// How feedback was delivered.
    public var feedbackMethod: FeedbackMethod?
    /// Feedback content.
    public var feedbackContent: String
    /// When feedback was delivered.
    public var feedbackAt: Date?
    /// The evaluator's rating of the feedback.
    public var evaluatorRating: SatisfactionLevel?
    /// When rated.
    public var ratedAt: Date?
    /// Appeal reason, if the unit appealed (申诉).
    public var appealReason: String
    /// When the appeal was filed.
    public var appealFiledAt: Date?
    /// Review decision (复核).
    public var appealDecision: AppealDecision?
    /// Why not adopted, for an upheld appeal.
    public var notAdoptedReason: NotAdoptedReason?
    /// Reviewer's opinion.
    public var reviewOpinion: String
    /// When reviewed.
    public var reviewedAt: Date?

    public init() {
        verifier = ""
        finding = ""
        rectificationMeasures = ""
        feedbackContent = ""
        appealReason = ""
        reviewOpinion = ""
    }

    /// An upheld appeal takes the review out of the bad-review statistics.
    public var isExcludedFromStatistics: Bool { appealDecision == .upheld }
}

import Foundation
import GovCaseCore
import GovCasePolicy
import GovCaseStore

/// When the clocks fire (差评提醒, overdue, escalation), beside the deadlines they watch:
///
/// ```yaml
/// clocks:
///   reminder_leads: [2, 1, 0]        # working days before a deadline's last day; 0 = on the last day
///   escalation_grace_days: 1         # working days after the last day an unmet obligation is escalated
///   hour: 9                          # local hour reminders and escalations fire (overdue fires at the deadline)
///   supervisors: { "51": 四川省政务服务管理局, "5101": 成都市政务服务管理和网络理政办公室 }   # by region prefix
/// ```
///
/// Every key is optional; the section too (these are the defaults). Deadlines themselves are `deadlines`.
public struct ClocksConfiguration: Sendable, Hashable, Decodable {
    public var policy = ClockPolicy()
    public var supervisors: [String: String] = [:]

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case reminderLeads = "reminder_leads"
        case escalationGraceDays = "escalation_grace_days"
        case hour, supervisors
    }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        policy.reminderLeads = try c.decodeIfPresent([Int].self, forKey: .reminderLeads) ?? policy.reminderLeads
        guard policy.reminderLeads.allSatisfy({ (0...30).contains($0) }) else {
            throw DecodingError.dataCorruptedError(
                forKey: .reminderLeads, in: c, debugDescription: "each lead is 0–30 working days")
        }
        policy.escalationGraceDays =
            try c.decodeIfPresent(Int.self, forKey: .escalationGraceDays) ?? policy.escalationGraceDays
        guard (0...60).contains(policy.escalationGraceDays) else {
            throw DecodingError.dataCorruptedError(
                forKey: .escalationGraceDays, in: c, debugDescription: "must be 0–60 working days")
        }
        policy.hour = try c.decodeIfPresent(Int.self, forKey: .hour) ?? policy.hour
        guard (0...23).contains(policy.hour) else {
            throw DecodingError.dataCorruptedError(forKey: .hour, in: c, debugDescription: "must be 0–23")
        }
        supervisors = try c.decodeIfPresent([String: String].self, forKey: .supervisors) ?? [:]
        if let bad = supervisors.keys.first(where: { $0.isEmpty || $0.count > 6 || Int($0) == nil }) {
            throw DecodingError.dataCorruptedError(
                forKey: .supervisors, in: c, debugDescription: "\"\(bad)\" is not a region code prefix (1–6 digits)")
        }
    }

    /// The store's rules with these settings and the deadlines'.
    public func rules(deadlines: RegionalDeadlinePolicies) -> ClockRules {
        ClockRules(deadlines: deadlines, policy: policy, supervisors: supervisors)
    }
}

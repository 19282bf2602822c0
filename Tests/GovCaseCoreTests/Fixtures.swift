import Foundation
import GovCaseCore

/// Valid cases to start from; each test changes one thing and checks what the validator says.
enum Fixtures {
    /// 2025-03-10 10:00 China Standard Time, a Monday.
    static let now = Date(timeIntervalSince1970: 1_741_572_000)
    static let context = ValidationContext(now: now)

    static func evaluation(level: SatisfactionLevel = .verySatisfied) -> Case {
        Case(
            source: SourceIdentity(sourceSystem: "sc-gov", adapterID: "national-platform", externalID: "PJ-2025-0001"),
            kind: .evaluation,
            regionCode: "510104",
            service: ServiceReference(
                itemCode: "11510104MB1234567X4000117009000", itemName: "食品经营许可", matterID: "BJ-510104-20250301-0009",
                organisation: Organisation(name: "成都市锦江区行政审批局", creditCode: "91440300708461136T"),
                window: "3号窗口", staffID: "A017", staffName: "李明", channel: .windowDevice, objectKind: .staff),
            evaluation: Evaluation(
                level: level, detailItems: level.isBadReview ? ["等待时间过长"] : [], text: "",
                origin: .active, evaluatedAt: now.addingTimeInterval(-3600),
                serviceDeliveredAt: now.addingTimeInterval(-7200)),
            requester: Party(
                kind: .naturalPerson, realName: true, name: "张三", phone: "13812345678",
                documentType: .residentIDCard, documentNumber: "11010519491231002X"),
            receivedAt: now.addingTimeInterval(-3500))
    }

    static func request(_ kind: CaseKind) -> Case {
        Case(
            source: SourceIdentity(
                sourceSystem: "hotline-sc", adapterID: "hotline-12345", externalID: "GD-20250310-0042"),
            kind: kind,
            regionCode: "500151",
            service: ServiceReference(channel: .hotlineCall),
            request: Request(
                title: "旅行社擅自变更行程", content: "报名的三日游被擅自取消一个景点,要求退还差价。",
                respondent: Respondent(name: "某某国际旅行社有限公司", creditCode: "91110000802100433B")),
            requester: Party(kind: .naturalPerson, realName: true, name: "王五", phone: "023-45671234"),
            receivedAt: now.addingTimeInterval(-600))
    }
}

extension CaseValidator {
    static let standard = CaseValidator(context: Fixtures.context)
}

/// The (field, rule) pairs a validator reports, the part of a violation a caller acts on.
func fieldsAndRules(_ c: Case) -> [String] {
    CaseValidator.standard.violations(in: c).map { "\($0.field) \($0.rule)" }
}

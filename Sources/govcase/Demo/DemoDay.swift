import Foundation
import GovCaseProto
import SwiftProtobuf

/// The records of one working day in Chengdu's Jinjiang district and Chongqing's Tongnan district, as the three
/// source systems would send them. Times are Beijing time on `day`.
struct DemoDay {
    /// Midnight, Beijing time, of the day played.
    let day: Date

    /// The day before `now`, so every record lies in the past.
    init(before now: Date = Date()) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        day = calendar.date(byAdding: .day, value: -1, to: calendar.startOfDay(for: now))!
    }

    /// The day as `2026-11-22`.
    var dateText: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: day)
    }

    /// `hh:mm` Beijing time on the day (hours past 24 run into the following days).
    func at(_ hour: Int, _ minute: Int = 0) -> Google_Protobuf_Timestamp {
        Google_Protobuf_Timestamp(date: day.addingTimeInterval(TimeInterval(hour * 3600 + minute * 60)))
    }

    // MARK: National platform (政务服务好差评), Jinjiang district

    static let nationalChannels = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"]
    /// One evaluation per channel; levels chosen so every level appears, two of them bad reviews.
    static let nationalLevels: [Int32] = [5, 4, 5, 3, 5, 4, 4, 5, 3, 5, 4, 2, 1]

    /// An evaluation of a food-business licence (食品经营许可) handled at the district's approval bureau.
    func evaluation(
        _ number: Int, channel: String, level: Int32, realName: Bool = true, type: String = "1", hour: Int = 9
    ) -> Govcase_Sources_National_V1_EvaluationRecord {
        .with {
            $0.evaluationID = "PJ-510104-\(dateText.filter(\.isNumber))-\(String(format: "%04d", number))"
            $0.revision = 1
            $0.matterID = "BJ-510104-\(dateText.filter(\.isNumber))-\(String(format: "%04d", number))"
            $0.item = .with {
                $0.itemCode = "11510104MB1234567X4000117009000"
                $0.itemName = "食品经营许可"
                $0.orgName = "成都市锦江区行政审批局"
                $0.orgCreditCode = "91440300708461136T"
            }
            $0.regionCode = "510104"
            $0.channel = channel
            $0.level = level
            $0.evaluationType = type
            if type != "2" {
                $0.evaluator = .with {
                    $0.partyType = "1"
                    $0.realName = realName
                    $0.phone = "13812345678"
                    if realName {
                        $0.name = "张三"
                        $0.documentType = "111"
                        $0.documentNumber = "11010519491231002X"
                    }
                }
            }
            if level <= 2 {
                $0.detailItems = ["等待时间过长", "服务态度差"]
                $0.text = "排队两小时无人引导"
            }
            // A default rating comes once the region's 7 natural days after completion have run out.
            $0.matterCompletedAt = type == "2" ? at(hour - 8 * 24) : at(hour)
            $0.evaluatedAt = at(hour, 30)
        }
    }

    /// The morning's evaluations: every national channel, every level, one anonymous, one default.
    var nationalEvaluations: [Govcase_Gateway_V1_NationalRecord] {
        var records = zip(Self.nationalChannels, Self.nationalLevels).enumerated().map { index, pair in
            evaluation(index + 1, channel: pair.0, level: pair.1, realName: index != 1, hour: 9 + index % 6)
        }
        // 默认好评: the evaluator did not rate in time, so the platform recorded the default 基本满意.
        records.append(evaluation(14, channel: "8", level: 3, type: "2", hour: 10))
        return records.map { record in .with { $0.evaluation = record } }
    }

    /// The bad review whose whole loop the demo plays: 非常不满意 at the window.
    var badReview: Govcase_Gateway_V1_NationalRecord {
        .with { $0.evaluation = evaluation(30, channel: "8", level: 1, hour: 14) }
    }

    /// A record a broken province system might send: a short region code, a level out of range, no time.
    var malformedEvaluation: Govcase_Gateway_V1_NationalRecord {
        var record = evaluation(31, channel: "8", level: 7)
        record.regionCode = "5101"
        record.clearEvaluatedAt()
        return .with { $0.evaluation = record }
    }

    // MARK: Culture and tourism market platform, Sichuan

    /// Approval evaluations (行政审批评价) of a travel-agency licence; the in-person channel is theirs alone.
    var approvalEvaluations: [Govcase_Gateway_V1_CultureTourismRecord] {
        [("08", 5), ("01", 4), ("02", 5)].enumerated().map { index, pair in
            .with {
                $0.approvalEvaluation = .with {
                    $0.evaluationID = "WLPJ-\(dateText.filter(\.isNumber))-\(index + 1)"
                    $0.revision = 1
                    $0.matterID = "WLSP-510000-\(dateText.filter(\.isNumber))-\(index + 1)"
                    $0.itemCode = "000125006000"
                    $0.itemName = "旅行社业务经营许可"
                    $0.department = "四川省文化和旅游厅"
                    $0.departmentCreditCode = "12100000400000624D"
                    $0.regionCode = "510000"
                    $0.channel = pair.0
                    $0.level = Int32(pair.1)
                    $0.evaluator = .with {
                        $0.partyType = "2"
                        $0.realName = true
                        $0.name = "成都某某旅行社有限公司"
                        $0.phone = "028-85556666"
                        $0.documentType = "41"
                        $0.documentNumber = "91110000802100433B"
                    }
                    $0.approvedAt = at(10 + index)
                    $0.evaluatedAt = at(11 + index)
                }
            }
        }
    }

    // MARK: The 12345 hotline, Tongnan district, and its hand-over to culture and tourism (转办)

    var orderID: String { "GD-500151-\(dateText.filter(\.isNumber))-0001" }

    /// A citizen's report, taken by phone: an internet café admitting minors at night.
    var workOrder: Govcase_Sources_Hotline12345_V1_WorkOrder {
        .with {
            $0.orderID = orderID
            $0.revision = 1
            $0.regionCode = "500151"
            $0.requestKind = "1"
            $0.channel = "1"
            $0.caller = .with {
                $0.partyType = "1"
                $0.realName = true
                $0.name = "王五"
                $0.phone = "13512345678"
            }
            $0.title = "网吧接纳未成年人"
            $0.content = "某网吧夜间接纳未成年人上网。"
            $0.category = "文化旅游/文化市场"
            $0.allegesViolation = true
            $0.respondent = "潼南区某某网吧"
            $0.receivedAt = at(8, 40)
            $0.handleBy = at(24 * 7 + 16)
        }
    }

    /// A status change of the work order, as the hotline records it.
    func hotlineStatus(_ number: Int, _ status: String, hour: Int, unit: String, note: String = "")
        -> Govcase_Gateway_V1_HotlineRecord
    {
        .with {
            $0.statusUpdate = .with {
                $0.updateID = "LZ-\(orderID)-\(number)"
                $0.revision = 1
                $0.orderID = orderID
                $0.status = status
                $0.unit = unit
                $0.operator = "话务员01"
                $0.note = note
                $0.occurredAt = at(hour)
            }
        }
    }

    static let tongnanCultureTourism = "潼南区文化和旅游发展委员会"

    /// The hotline takes the order and hands it over (转办) to the district's culture-tourism commission.
    var hotlineMorning: [Govcase_Gateway_V1_HotlineRecord] {
        [
            .with { $0.workOrder = workOrder },
            hotlineStatus(1, "21", hour: 9, unit: Self.tongnanCultureTourism, note: "属文化市场执法职责"),
        ]
    }

    /// The commission's work as the hotline sees it, the citizen's return visit, and closure (办结).
    var hotlineAfternoon: [Govcase_Gateway_V1_HotlineRecord] {
        [
            hotlineStatus(2, "30", hour: 10, unit: Self.tongnanCultureTourism),
            hotlineStatus(3, "40", hour: 11, unit: Self.tongnanCultureTourism),
            hotlineStatus(4, "50", hour: 15, unit: Self.tongnanCultureTourism, note: "已现场检查并立案查处"),
            .with {
                $0.returnVisit = .with {
                    $0.visitID = "HF-\(orderID)"
                    $0.revision = 1
                    $0.orderID = orderID
                    $0.satisfaction = "2"
                    $0.resolved = true
                    $0.comment = "处理及时"
                    $0.visitor = "回访员07"
                    $0.visitedAt = at(16)
                }
            },
            hotlineStatus(5, "70", hour: 16, unit: "12345热线"),
        ]
    }

    /// The same order as the culture-tourism platform receives it, and its handling through to 办结.
    var handover: [Govcase_Gateway_V1_CultureTourismRecord] {
        let steps: [(String, Int, String, Int32)] = [
            ("QS", 10, "", 0), ("BL", 11, "执法人员现场检查", 0), ("HF", 15, "已立案查处，责令整改", 0),
            ("HFPJ", 16, "满意", 4), ("BJ", 16, "", 0),
        ]
        let order = workOrder
        let record: Govcase_Gateway_V1_CultureTourismRecord = .with {
            $0.hotlineHandover = .with {
                $0.orderID = order.orderID
                $0.revision = 1
                $0.regionCode = order.regionCode
                $0.requestKind = "JB"
                $0.caller = .with {
                    $0.partyType = "1"
                    $0.realName = true
                    $0.name = order.caller.name
                    $0.phone = order.caller.phone
                }
                $0.title = order.title
                $0.content = order.content
                $0.category = "文化旅游"
                $0.allegesViolation = true
                $0.respondent = .with { $0.name = order.respondent }
                $0.receivedAt = order.receivedAt
                $0.handedOverAt = at(9)
                $0.handleBy = order.handleBy
            }
        }
        return [record]
            + steps.enumerated().map { index, step in
                .with {
                    $0.handoverProgress = .with {
                        $0.progressID = "JD-\(orderID)-\(index + 1)"
                        $0.revision = 1
                        $0.orderID = orderID
                        $0.step = step.0
                        $0.unit = "文化市场综合执法机构"
                        $0.operator = "郑承办"
                        $0.content = step.2
                        $0.satisfaction = step.3
                        $0.occurredAt = at(step.1, 10 * index)
                    }
                }
            }
    }
}

import Foundation
import GovCaseProto
import SwiftProtobuf

/// Valid records for trying a gateway: tests, benchmarks and integrators' smoke checks.
public enum SampleRecords {
    /// A national-platform evaluation (好差评) of a food-business licence in Chengdu's Jinjiang district,
    /// evaluated a minute ago by a real-name citizen. Levels 1–2 carry the text a bad review needs.
    public static func nationalEvaluation(
        _ id: String, level: Int32 = 5, region: String = "510104", evaluatedAt: Date = Date().addingTimeInterval(-60)
    ) -> Govcase_Gateway_V1_NationalRecord {
        .with {
            $0.evaluation = .with {
                $0.evaluationID = id
                $0.revision = 1
                $0.matterID = "BJ-\(id)"
                $0.item = .with {
                    $0.itemCode = "11510104MB1234567X4000117009000"
                    $0.itemName = "食品经营许可"
                    $0.orgName = "成都市锦江区行政审批局"
                    $0.orgCreditCode = "91440300708461136T"
                }
                $0.regionCode = region
                $0.channel = "1"
                $0.level = level
                $0.evaluationType = "1"
                if level <= 2 { $0.text = "排队两小时无人引导" }
                $0.evaluator = .with {
                    $0.partyType = "1"
                    $0.realName = true
                    $0.name = "张三"
                    $0.phone = "13812345678"
                }
                $0.matterCompletedAt = Google_Protobuf_Timestamp(date: evaluatedAt.addingTimeInterval(-3600))
                $0.evaluatedAt = Google_Protobuf_Timestamp(date: evaluatedAt)
            }
        }
    }

    /// Rectification feedback (整改反馈) on the bad review `evaluationID`: verified, explained (解释说明) and fed
    /// back by WeChat, which leaves the case awaiting the citizen's rating.
    public static func rectificationFeedback(
        _ id: String, for evaluationID: String, at time: Date = Date()
    ) -> Govcase_Gateway_V1_NationalRecord {
        .with {
            $0.rectificationFeedback = .with {
                $0.feedbackID = id
                $0.revision = 1
                $0.evaluationID = evaluationID
                $0.verifier = "赵核实"
                $0.verificationFinding = "窗口排队时间过长属实"
                $0.verifiedAt = Google_Protobuf_Timestamp(date: time.addingTimeInterval(-30))
                $0.outcome = "3"
                $0.measures = "该事项须本人到场办理,已解释法律依据"
                $0.feedbackMethod = "3"
                $0.feedbackContent = "已解释"
                $0.feedbackAt = Google_Protobuf_Timestamp(date: time)
            }
        }
    }
}

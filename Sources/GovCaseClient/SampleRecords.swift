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
}

import Foundation
import GovCaseProto
import SwiftProtobuf

/// Records the receiver role sends beyond `SampleRecords`: one with every field of a national evaluation set, so
/// that a read-back shows any field a receiver drops.
enum ReceiverRecords {
    /// A national evaluation of a completed, promised matter in Chengdu's Jinjiang district, rated 4 through an
    /// agent with a comment, detail codes, both rated staff and every matter field: every field of
    /// `EvaluationRecord` holds a value (`invalid` is false, its default, which the record cannot carry otherwise).
    static func everyField(_ id: String, evaluatedAt: Date = Date().addingTimeInterval(-60))
        -> Govcase_Gateway_V1_NationalRecord
    {
        func at(_ seconds: TimeInterval) -> Google_Protobuf_Timestamp {
            Google_Protobuf_Timestamp(date: Date(timeIntervalSince1970: (evaluatedAt.timeIntervalSince1970 + seconds).rounded()))
        }
        return .with {
            $0.evaluation = .with {
                $0.evaluationID = id
                $0.revision = 1
                $0.matterID = "BJ-\(id)"
                $0.item = .with {
                    $0.itemCode = "11510104MB1234567X4000117009000"
                    $0.itemName = "食品经营许可"
                    $0.orgName = "成都市锦江区行政审批局"
                    $0.orgCreditCode = "91440300708461136T"
                    $0.handleItemCode = "11510104MB1234567X400011700900001"
                    $0.itemType = "01"
                    $0.subject = "食品经营"
                    $0.itemVersion = "3"
                }
                $0.regionCode = "510104"
                $0.channel = "1"
                $0.level = 4
                $0.detailItems = ["401"]
                $0.detailVersion = "2"
                $0.text = "窗口引导清楚，材料一次说清"
                $0.evaluator = .with {
                    $0.partyType = "1"
                    $0.realName = true
                    $0.name = "张三"
                    $0.phone = "13812345678"
                    $0.documentType = "111"
                    $0.documentNumber = "11010519491231002X"
                    $0.certKey = "3f2a9c5e7b1d4e6f8a0b2c4d6e8f0a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f"
                    $0.agentName = "李四"
                    $0.agentDocumentType = "111"
                    $0.agentDocumentNumber = "11010519491231002X"
                }
                $0.evaluationType = "1"
                $0.window = "综合窗口3号"
                $0.staffID = "JJ-0107"
                $0.staffName = "赵六"
                $0.matterCompletedAt = at(-1_800)
                $0.evaluatedAt = at(0)
                $0.dataSource = "510000"
                $0.serviceNumber = 2
                $0.serviceName = "受理"
                $0.serviceTime = at(-86_400)
                $0.matter = .with {
                    $0.status = "3"
                    $0.acceptedAt = at(-2 * 86_400)
                    $0.kind = "2"
                    $0.promisedLimit = .with {
                        $0.value = 5
                        $0.unit = "1"
                    }
                    $0.statutoryLimit = .with {
                        $0.value = 20
                        $0.unit = "1"
                    }
                    $0.handlingChannel = "1"
                    $0.handlerName = "王五"
                    $0.handlerNumber = "JJ-0042"
                    $0.officeCode = "KS-03"
                    $0.officeName = "食品药品许可科"
                    $0.completedAt = at(-1_800)  // the same time as matter_completed_at: one matter, one completion
                }
                $0.evaluatedPersons = [
                    .with {
                        $0.role = "1"
                        $0.staffNumber = "JJ-0107"
                        $0.name = "赵六"
                        $0.office = "综合窗口"
                    },
                    .with {
                        $0.role = "2"
                        $0.staffNumber = "JJ-0042"
                        $0.name = "王五"
                        $0.office = "食品药品许可科"
                    },
                ]
                $0.deviceNumber = "PJQ-0371-008"
                $0.hallCode = "DT-510104-01"
            }
        }
    }
}

import Foundation
import GRPCCore
import GovCasePKI
import GovCaseProto
import SwiftProtobuf
import Testing

/// The case service over real mTLS: reading with and without the privacy role, querying within the grant,
/// lifecycle transitions by a handler, and a resumable watch.
extension MutualTLSTests {
    static func badReview(_ id: String, region: String = "510104") -> Govcase_Gateway_V1_NationalRecord {
        var record = evaluation(id, level: 2, region: region)
        record.evaluation.detailItems = ["等待时间过长"]
        record.evaluation.evaluator = .with {
            $0.partyType = "1"
            $0.realName = true
            $0.name = "张三"
            $0.phone = "13812345678"
        }
        return record
    }

    func client(_ system: String, region: String) throws -> IssuedCertificate {
        try ca.issueClient(commonName: system, uri: Self.spiffe(system, region: region))
    }

    @Test func readersSeeMaskedEvaluatorsAndPrivacyReadersSeeThemAudited() async throws {
        try await withRunningGateway { address in
            var caseID = ""
            try await connect(to: address, as: try client("national-sc", region: "510000")) { grpc in
                caseID = try await Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc)
                    .submit(Self.badReview("PJ-read")).caseID
            }
            try await connect(to: address, as: try client("handler-jinjiang", region: "510104")) { grpc in
                let c = try await Govcase_Gateway_V1_CaseService.Client(wrapping: grpc).getCase(
                    .with { $0.caseID = caseID })
                #expect(c.requester.name == "张*")
                #expect(c.requester.phone == "138****5678")
                #expect(c.status == .awaitingVerification)
            }
            try await connect(to: address, as: try client("auditor-sc", region: "510000")) { grpc in
                let c = try await Govcase_Gateway_V1_CaseService.Client(wrapping: grpc).getCase(
                    .with { $0.caseID = caseID })
                #expect(c.requester.name == "张三")
                #expect(c.requester.phone == "13812345678")
            }
        }
    }

    /// "No such case" and "not yours" look the same: a reader learns nothing of cases outside its grant.
    @Test func aCaseOutsideTheGrantLooksLikeNoCaseAtAll() async throws {
        try await withRunningGateway { address in
            var elsewhere = ""
            try await connect(to: address, as: try client("national-sc", region: "510000")) { grpc in
                elsewhere = try await Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc)
                    .submit(Self.evaluation("PJ-elsewhere", region: "510105")).caseID
            }
            try await connect(to: address, as: try client("handler-jinjiang", region: "510104")) { grpc in
                let cases = Govcase_Gateway_V1_CaseService.Client(wrapping: grpc)
                var answers: [RPCError] = []
                for id in [elsewhere, "019a0000-0000-7000-8000-000000000000"] {
                    do {
                        _ = try await cases.getCase(.with { $0.caseID = id })
                        Issue.record("case \(id) was read")
                    } catch let error as RPCError { answers.append(error) }
                }
                #expect(answers.map(\.code) == [.notFound, .notFound])
                try #require(answers.count == 2)
                #expect(
                    answers[0].message.replacingOccurrences(of: elsewhere, with: "ID")
                        == answers[1].message.replacingOccurrences(
                            of: "019a0000-0000-7000-8000-000000000000", with: "ID"))
            }
        }
    }

    @Test func queriesStayWithinTheGrantAndPage() async throws {
        try await withRunningGateway { address in
            try await connect(to: address, as: try client("national-sc", region: "510000")) { grpc in
                let ingest = Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc)
                for i in 0..<3 { _ = try await ingest.submit(Self.evaluation("PJ-q\(i)")) }
                _ = try await ingest.submit(Self.evaluation("PJ-q-other", region: "510105"))
            }
            try await connect(to: address, as: try client("handler-jinjiang", region: "510104")) { grpc in
                let cases = Govcase_Gateway_V1_CaseService.Client(wrapping: grpc)
                var ids: [String] = []
                var token = ""
                repeat {
                    let page = try await cases.queryCases(
                        .with {
                            $0.pageSize = 2; $0.pageToken = token
                        })
                    ids += page.cases.map(\.source.externalID)
                    token = page.nextPageToken
                } while !token.isEmpty
                #expect(Set(ids) == ["PJ-q0", "PJ-q1", "PJ-q2"])  // 510105 is outside this reader's grant
                await #expect {
                    _ = try await cases.queryCases(.with { $0.filter.regionPrefixes = ["51"] })
                } throws: { ($0 as? RPCError)?.code == .permissionDenied }
                await #expect {
                    _ = try await cases.queryCases(.with { $0.pageToken = "bogus" })
                } throws: { ($0 as? RPCError)?.code == .invalidArgument }
                // No clock has fired yet: an overdue filter finds nothing; a kind that is no clock event is refused,
                // naming the field.
                #expect(try await cases.queryCases(.with { $0.filter.clockEvents = [.overdue] }).cases.isEmpty)
                await #expect {
                    _ = try await cases.queryCases(.with { $0.filter.clockEvents = [.verify] })
                } throws: { error in
                    let error = error as? RPCError
                    let violations = error?.metadata[binaryValues: "govcase-rejection-bin"].first(where: { _ in true })
                        .flatMap { try? Govcase_Core_V1_Rejection(serializedBytes: $0) }?.violations ?? []
                    return error?.code == .invalidArgument && violations.map(\.field) == ["filter.clock_events"]
                }
            }
        }
    }

    /// A 12-digit region (a 统计用区划代码) is kept as sent, and its first six digits decide who may read it and
    /// which queries find it.
    @Test func aTwelveDigitRegionIsKeptAndReadByItsDistrict() async throws {
        try await withRunningGateway { address in
            try await connect(to: address, as: try client("national-sc", region: "510000")) { grpc in
                let ingest = Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc)
                let ack = try await ingest.submit(Self.evaluation("PJ-12-digit", region: "510104021003"))
                #expect(ack.outcome == .accepted)
                _ = try await ingest.submit(Self.evaluation("PJ-12-digit-other", region: "510105000000"))
            }
            try await connect(to: address, as: try client("handler-jinjiang", region: "510104")) { grpc in
                let page = try await Govcase_Gateway_V1_CaseService.Client(wrapping: grpc).queryCases(
                    .with { $0.filter.regionPrefixes = ["510104"] })
                #expect(page.cases.map(\.source.externalID) == ["PJ-12-digit"])
                #expect(page.cases.first?.regionCode == "510104021003")
            }
        }
    }

    @Test func handlersMoveCasesAndIllegalActionsNameTheAllowedOnes() async throws {
        try await withRunningGateway { address in
            var caseID = ""
            try await connect(to: address, as: try client("national-sc", region: "510000")) { grpc in
                caseID = try await Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc)
                    .submit(Self.badReview("PJ-t")).caseID
            }
            try await connect(to: address, as: try client("handler-jinjiang", region: "510104")) { grpc in
                let cases = Govcase_Gateway_V1_CaseService.Client(wrapping: grpc)
                do {
                    _ = try await cases.transitionCase(
                        .with {
                            $0.caseID = caseID
                            $0.action.kind = .giveFeedback
                        })
                    Issue.record("an illegal transition was applied")
                } catch let error as RPCError {
                    #expect(error.code == .failedPrecondition)
                    #expect(error.message.contains("allowed: verify"))
                }
                let done = try await cases.transitionCase(
                    .with {
                        $0.caseID = caseID
                        $0.action.kind = .verify
                        $0.action.note = "属实"
                        $0.person = "赵核实"
                        $0.expectedStatus = .awaitingVerification
                    })
                #expect(done.case.status == .verified)
                #expect(done.event.sequence == 1 && done.event.actor.person == "赵核实")
                await #expect {
                    _ = try await cases.transitionCase(.with { $0.caseID = caseID })
                } throws: { ($0 as? RPCError)?.code == .invalidArgument }
                // The clocks' events are the gateway's own: a handler cannot make one, in any status.
                for kind in [Govcase_Core_V1_LifecycleActionKind.remind, .overdue, .escalate, .defaultRatingDue] {
                    await #expect {
                        _ = try await cases.transitionCase(
                            .with {
                                $0.caseID = caseID
                                $0.action.kind = kind
                                $0.action.note = "提醒"
                            })
                    } throws: { error in
                        let error = error as? RPCError
                        return error?.code == .invalidArgument && error?.message.contains("clocks only") == true
                    }
                }
            }
            try await connect(to: address, as: try client("auditor-sc", region: "510000")) { grpc in
                await #expect {
                    _ = try await Govcase_Gateway_V1_CaseService.Client(wrapping: grpc).transitionCase(
                        .with {
                            $0.caseID = caseID
                            $0.action.kind = .explain
                        })
                } throws: { ($0 as? RPCError)?.code == .permissionDenied }
            }
        }
    }

    @Test func watchingResumesFromACursorWithoutGaps() async throws {
        try await withRunningGateway { address in
            var caseIDs: [String] = []
            try await connect(to: address, as: try client("national-sc", region: "510000")) { grpc in
                let ingest = Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc)
                for i in 0..<2 { caseIDs.append(try await ingest.submit(Self.badReview("PJ-w\(i)")).caseID) }
            }
            try await connect(to: address, as: try client("handler-jinjiang", region: "510104")) { grpc in
                let cases = Govcase_Gateway_V1_CaseService.Client(wrapping: grpc)
                for id in caseIDs {
                    _ = try await cases.transitionCase(
                        .with {
                            $0.caseID = id
                            $0.action.kind = .verify
                        })
                }
                func watch(from cursor: String, count: Int) async throws -> [Govcase_Gateway_V1_CaseEventNotice] {
                    try await cases.watchCaseEvents(.with { $0.cursor = cursor }) { response in
                        var notices: [Govcase_Gateway_V1_CaseEventNotice] = []
                        for try await notice in response.messages {
                            notices.append(notice)
                            if notices.count == count { break }
                        }
                        return notices
                    }
                }
                let all = try await watch(from: "0", count: 2)
                #expect(all.map(\.caseID) == caseIDs)
                let rest = try await watch(from: all[0].cursor, count: 1)
                #expect(rest.map(\.caseID) == [caseIDs[1]])
                #expect(rest.first?.event.toStatus == .verified)
            }
        }
    }
}

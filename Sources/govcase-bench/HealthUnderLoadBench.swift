import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GovCaseClient
import GovCaseProto
import SwiftProtobuf

/// 8: health checks while the store is busy. A load balancer's health check must answer promptly however many
/// store calls are in flight: the store's blocking calls run on threads of their own, not on Swift's
/// cooperative pool. Health checks at a fixed rate, alone and then beside 100 concurrent store callers, in
/// interleaved slices: 50 audited reads (each a write and an fsync of the privacy audit) and 50 follow-up
/// loops (a bad review, then its rectification feedback: two commits, the second a follow-up that reads and
/// moves the case).
struct HealthUnderLoadBench {
    let settings: BenchSettings
    let pki: URL
    let run: String

    func measure(port: Int, report: inout Report) async throws {
        let source = GatewayClientIdentity.development("national-sc", in: pki)
        let auditor = GatewayClientIdentity.development("auditor-sc", in: pki)
        let caseID = try await withGatewayClient(host: "127.0.0.1", port: port, as: source) { grpc in
            let ack = try await Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc).submit(
                SampleRecords.nationalEvaluation("PJ-\(run)-audited"))
            guard ack.outcome == .accepted else { throw BenchError("the audited case: \(ack)") }
            return ack.caseID
        }
        let audited = Shared(0)
        let followUps = Shared(0)
        // Three connections: a load balancer's health checks do not share one with the callers they are measured
        // beside.
        try await withGatewayClient(host: "127.0.0.1", port: port, as: source) { healthGRPC in
            try await withGatewayClient(host: "127.0.0.1", port: port, as: source) { ingestGRPC in
                try await withGatewayClient(host: "127.0.0.1", port: port, as: auditor) { auditGRPC in
                    let ingest = Govcase_Gateway_V1_NationalIngestService.Client(wrapping: ingestGRPC)
                    let health = Grpc_Health_V1_Health.Client(wrapping: healthGRPC)
                    let cases = Govcase_Gateway_V1_CaseService.Client(wrapping: auditGRPC)
                    @Sendable func check(_: Int, _: Int) async throws -> Int {
                        let answer = try await health.check(.with { $0.service = "" })
                        guard answer.status == .serving else { throw BenchError("health: \(answer.status)") }
                        return 1
                    }
                    let (idle, busy) = await Load.interleaved(settings.duration) { duration in
                        await Load.paced("A health check, store idle", rate: 50, duration: duration, operation: check)
                    } subject: { duration, slice in
                        let readers = Task {
                            await Load.closedLoop(
                                "audited reads", unit: "calls", concurrency: 50, duration: duration
                            ) { _, _ in
                                let read = try await cases.getCase(.with { $0.caseID = caseID })
                                guard read.caseID == caseID else { throw BenchError("read \(read.caseID)") }
                                audited.withLock { $0 += 1 }
                                return 1
                            }
                        }
                        let followers = Task {
                            await Load.closedLoop(
                                "follow-up loops", unit: "loops", concurrency: 50, duration: duration
                            ) { worker, sequence in
                                let id = "PJ-\(run)-8-\(slice)-\(worker)-\(sequence)"
                                let review = try await ingest.submit(SampleRecords.nationalEvaluation(id, level: 1))
                                guard review.outcome == .accepted else { throw BenchError("bad review: \(review)") }
                                let feedback = try await ingest.submit(
                                    SampleRecords.rectificationFeedback("ZG-\(id)", for: id))
                                guard feedback.outcome == .accepted else { throw BenchError("feedback: \(feedback)") }
                                followUps.withLock { $0 += 1 }
                                return 1
                            }
                        }
                        let checks = await Load.paced(
                            "8 health check beside 100 store callers", rate: 50, duration: duration, operation: check)
                        _ = await (readers.value, followers.value)
                        return checks
                    }
                    report.add(idle)
                    report.add(busy, comparedTo: idle.name)
                }
            }
        }
        report.auditedReadsBesideHealth = audited.withLock { $0 }
        report.followUpsBesideHealth = followUps.withLock { $0 }
    }
}

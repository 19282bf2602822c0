import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GovCaseClient
import GovCaseProto
import SwiftProtobuf

/// 9: forwarding. Two more gateways of the same development deployment, each a `govcase serve` process with its
/// own store: the first (the sender) has one route, `bench`, to the second (the receiver), selecting new cases,
/// as national-sc there (granted like any source system), batches of 100, 4 side by side (the route's
/// defaults), retry from 50 ms to at most 1 s.
///
/// - Floor: the bench itself sends the receiver N national evaluations the way the route sends them: one
///   `GenericBatch` of 100 records per `GenericIngestService.SubmitStream` call, 4 calls side by side.
/// - Forwarded: the sender takes N evaluations while the receiver is down (every row pending in its outbox),
///   then the receiver starts; from the first rows seen delivered to none pending or in flight, polled every
///   20 ms through `OutboxAdminService.GetOutboxStatus` as operator-sc. The wait before that (the route's
///   backoff after the outage and its probe batch) is a row of its own.
/// - Lag: records submitted one by one to the sender at a fixed rate, the receiver up; per record, from its
///   outbox row's `create_time` (written in the transaction that stored the case, before the sender
///   acknowledged it) to its `finish_time` (the sender settling the row delivered, after the receiver
///   acknowledged it, which it does once its own commit is durable), read through `ListForwards`: both times
///   the sender's store recorded, one clock. The receiver's own `created_at` is not used: `CaseService` does not
///   fill `Case.created_at`.
struct ForwardingBench {
    let settings: BenchSettings
    let work: URL
    let pki: URL
    let run: String

    static let batchSize = 100
    static let concurrency = 4

    func measure(report: inout Report) async throws {
        let folder = work.appendingPathComponent("forwarding")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let original = try String(contentsOf: pki.appendingPathComponent("gateway.yaml"), encoding: .utf8)
        let pkiPath = pki.path
        func configuration(_ name: String, port: Int, route: String = "") throws -> URL {
            let file = pki.appendingPathComponent("forwarding-\(name).yaml")
            try
                (original
                .replacingOccurrences(of: "path: cases.sqlite", with: "path: \(folder.path)/\(name).sqlite")
                .replacingOccurrences(of: "  port: 0\n", with: "  port: \(port)\n") + route)
                .write(to: file, atomically: true, encoding: .utf8)
            return file
        }
        let govcase = BenchRun.binaries.appendingPathComponent("govcase")
        let records = settings.forwardRecords
        let run = self.run
        let source = GatewayClientIdentity.development("national-sc", in: pki)
        let operatorIdentity = GatewayClientIdentity.development("operator-sc", in: pki)

        // The receiver, first on a port of the system's choosing: the floor, and the port the route will name.
        var receiver = try ServerProcess(govcase, ["serve", "--config", try configuration("receiver", port: 0).path])
        let receiverPort = try await receiver.port()
        let floor = try await withGatewayClient(host: "127.0.0.1", port: receiverPort, as: source) { grpc in
            try await Self.floor(
                records: records, run: run,
                ingest: Govcase_Gateway_V1_GenericIngestService.Client(wrapping: grpc))
        }
        await receiver.stop()
        report.add(floor)
        defer {
            let last = receiver
            Task { await last.stop() }
        }

        // The sender, its route pointing at the receiver's port while nothing listens there.
        let route = """
            forwarding:
              routes:
                - name: bench
                  select: { changes: [new-case] }
                  adapter: national-platform
                  destination:
                    address: 127.0.0.1:\(receiverPort)
                    ca: \(pkiPath)/ca.pem
                    server_name: localhost
                    certificate: \(pkiPath)/clients/national-sc.pem
                    key: \(pkiPath)/clients/national-sc-key.pem
                  concurrency: \(Self.concurrency)
                  batch_size: \(Self.batchSize)
                  retry: { initial_backoff_ms: 50, max_backoff_seconds: 1 }

            """
        let sender = try ServerProcess(
            govcase, ["serve", "--config", try configuration("sender", port: 0, route: route).path])
        let senderPort = try await sender.port()
        defer { Task { await sender.stop() } }

        try await withGatewayClient(host: "127.0.0.1", port: senderPort, as: operatorIdentity) { adminGRPC in
            let outbox = Govcase_Gateway_V1_OutboxAdminService.Client(wrapping: adminGRPC)
            @Sendable func status() async throws -> Govcase_Gateway_V1_RouteStatus {
                guard let status = try await outbox.getOutboxStatus(.with { $0.route = "bench" }).routes.first
                else { throw BenchError("the sender reports no route bench") }
                return status
            }
            try await withGatewayClient(host: "127.0.0.1", port: senderPort, as: source) { senderGRPC in
                let national = Govcase_Gateway_V1_NationalIngestService.Client(wrapping: senderGRPC)
                let ingest = try await Self.preload(records: records, run: run, into: national)
                report.add(ingest)
                let waiting = try await status()
                guard waiting.pending + waiting.inFlight == UInt64(records), waiting.dead == 0 else {
                    throw BenchError("the outbox holds \(waiting.pending) pending of \(records) rows: \(waiting)")
                }

                // The receiver back on the same port; the clock starts when it says it serves.
                receiver = try ServerProcess(
                    govcase, ["serve", "--config", try configuration("receiver", port: receiverPort).path])
                _ = try await receiver.port()
                let back = ContinuousClock.now
                var first: (at: ContinuousClock.Instant, delivered: UInt64)?
                var polled = try await status()
                while polled.pending + polled.inFlight > 0 {
                    guard ContinuousClock.now - back < .seconds(600) else {
                        throw BenchError("the route did not drain in 600 s: \(polled)")
                    }
                    try await Task.sleep(for: .milliseconds(20))
                    polled = try await status()
                    if first == nil, polled.delivered > 0 { first = (ContinuousClock.now, polled.delivered) }
                }
                let drained = ContinuousClock.now
                let start = first ?? (drained, UInt64(records))
                let forwardedRecords = UInt64(records) - start.delivered
                let seconds = (drained - start.at).seconds
                report.add(
                    Measurement(
                        name: "9 forwarded, \(records) from the outbox, \(Self.batchSize) a batch ×\(Self.concurrency)",
                        rate: seconds > 0 ? Double(forwardedRecords) / seconds : 0, unit: "records", latencies: [],
                        errors: Int(polled.dead)),
                    comparedTo: floor.name)
                report.forwardingWaitAfterOutage = start.at - back

                // Lag at a steady rate, the receiver up.
                let submitted = Shared(Set<String>())
                let lagStart = Date()
                let submits = await Load.paced(
                    "9 submit to the sender @ \(Int(settings.forwardRate))/s", rate: settings.forwardRate,
                    duration: settings.forwardDuration, concurrency: 32
                ) { worker, n in
                    let ack = try await national.submit(SampleRecords.nationalEvaluation("FWL-\(run)-\(worker)-\(n)"))
                    guard ack.outcome == .accepted else { throw BenchError("\(ack)") }
                    submitted.withLock { _ = $0.insert(ack.caseID) }
                    return 1
                }
                polled = try await status()
                while polled.pending + polled.inFlight > 0 {
                    guard Date().timeIntervalSince(lagStart) < 600 else {
                        throw BenchError("the lag records did not drain in 600 s: \(polled)")
                    }
                    try await Task.sleep(for: .milliseconds(20))
                    polled = try await status()
                }
                let cases = submitted.withLock { $0 }
                var lags: [Double] = []
                var after: Int64 = 0
                repeat {
                    let page = try await outbox.listForwards(
                        .with {
                            $0.route = "bench"
                            $0.state = .delivered
                            $0.afterID = after
                            $0.pageSize = 1000
                        })
                    for row in page.forwards where cases.contains(row.caseID) && row.hasFinishTime {
                        lags.append(row.finishTime.date.timeIntervalSince(row.createTime.date))
                    }
                    after = page.nextAfterID
                } while after != 0
                report.add(
                    Measurement(
                        name: "9 lag, stored by the sender → receiver's ack settled @ \(Int(settings.forwardRate))/s",
                        rate: submits.rate, unit: "records", latencies: lags.sorted(),
                        errors: submits.errors + (cases.count - lags.count) + Int(polled.dead)))
            }
        }
        await receiver.stop()
        await sender.stop()
    }

    /// The floor: `records` evaluations sent to the receiver as the route sends them.
    static func floor(
        records: Int, run: String,
        ingest: Govcase_Gateway_V1_GenericIngestService.Client<HTTP2ClientTransport.Posix>
    ) async throws -> Measurement {
        let batches = (records + batchSize - 1) / batchSize
        let next = Shared(0)
        let start = ContinuousClock.now
        let tallies = try await withThrowingTaskGroup(of: Load.Tally.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var tally = Load.Tally(worker: worker)
                    while true {
                        let batch = next.withLock { n in
                            defer { n += 1 }
                            return n
                        }
                        guard batch < batches else { return tally }
                        let message = try Govcase_Gateway_V1_GenericBatch.with {
                            $0.records = try (batch * batchSize..<min((batch + 1) * batchSize, records)).map { n in
                                try Govcase_Gateway_V1_GenericRecord.with {
                                    $0.adapterID = "national-platform"
                                    $0.record = try Google_Protobuf_Any(
                                        message: SampleRecords.nationalEvaluation("FWF-\(run)-\(n)").evaluation)
                                }
                            }
                        }
                        await tally.time { _, _ in
                            let acks = try await ingest.submitStream(
                                request: StreamingClientRequest { writer in try await writer.write(message) }
                            ) { response in
                                var acks: [Govcase_Gateway_V1_RecordAck] = []
                                for try await answer in response.messages { acks += answer.acks }
                                return acks
                            }
                            let accepted = acks.filter { $0.outcome == .accepted }.count
                            guard accepted == message.records.count else {
                                throw BenchError("\(accepted) of \(message.records.count) accepted")
                            }
                            return accepted
                        }
                    }
                }
            }
            return try await group.reduce(into: [Load.Tally]()) { $0.append($1) }
        }
        let elapsed = (ContinuousClock.now - start).seconds
        return Measurement(
            name: "9 ingest into the receiver, \(records) records, \(batchSize) a call ×\(concurrency)",
            rate: Double(tallies.map(\.units).reduce(0, +)) / elapsed, unit: "records",
            latencies: tallies.flatMap(\.latencies).sorted(), errors: tallies.map(\.errors).reduce(0, +))
    }

    /// `records` evaluations into the sender on one client stream, 100 a message; each case's outbox row is
    /// written in the same commit.
    static func preload(
        records: Int, run: String,
        into national: Govcase_Gateway_V1_NationalIngestService.Client<HTTP2ClientTransport.Posix>
    ) async throws -> Measurement {
        let start = ContinuousClock.now
        let summary = try await national.submitBatch(requestProducer: { writer in
            for first in stride(from: 0, to: records, by: batchSize) {
                try await writer.write(
                    .with {
                        $0.records = (first..<min(first + batchSize, records)).map {
                            SampleRecords.nationalEvaluation("FWP-\(run)-\($0)")
                        }
                    })
            }
        })
        let elapsed = (ContinuousClock.now - start).seconds
        return Measurement(
            name: "9 ingest into the sender (outbox rows in the same commits), \(batchSize) records/message",
            rate: Double(summary.accepted) / elapsed, unit: "records", latencies: [],
            errors: records - Int(summary.accepted))
    }
}

import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GovCaseClient
import GovCaseProto
import SwiftProtobuf
import Synchronization

/// One run: a development deployment, the floor A echo server and the gateway in their own processes, the
/// load from this one.
struct BenchRun {
    let settings: BenchSettings
    let work: URL
    /// A tag making this run's external ids unique.
    let run = String(UUID().uuidString.prefix(8))

    static let binaries = Bundle.main.executableURL!.deletingLastPathComponent()

    var pki: URL { work.appendingPathComponent("pki") }

    func measureAll() async throws -> Report {
        var report = Report()
        for binary in ["govcase", "govcase-bench", "govcase-adapter-plugin"]
        where !FileManager.default.isExecutableFile(atPath: Self.binaries.appendingPathComponent(binary).path) {
            throw BenchError("\(binary) is not built beside govcase-bench: build them with `swift build -c release`")
        }
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try await command(
            Self.binaries.appendingPathComponent("govcase"), ["pki", "init", "--out", pki.path, "--port", "0"])

        let echo = try ServerProcess(
            Self.binaries.appendingPathComponent("govcase-bench"), ["echo-server", "--pki", pki.path])
        let gateway = try ServerProcess(
            Self.binaries.appendingPathComponent("govcase"),
            ["serve", "--config", pki.appendingPathComponent("gateway.yaml").path])
        defer {
            Task {
                await echo.stop(); await gateway.stop()
            }
        }
        let echoPort = try await echo.port()
        let gatewayPort = try await gateway.port()
        report.startToServing = try await timeToServing(gateway, port: gatewayPort)

        if settings.postgresOnly, let postgres = settings.postgres {
            await gateway.stop()
            await echo.stop()
            try await PostgresBench(settings: settings, work: work, pki: pki, run: run, server: postgres)
                .measure(report: &report)
            return report
        }
        if settings.forwardingOnly {
            await gateway.stop()
            await echo.stop()
            try await ForwardingBench(settings: settings, work: work, pki: pki, run: run).measure(report: &report)
            return report
        }
        if settings.scalingSizes != nil || settings.floorsOnly {
            await gateway.stop()
            await echo.stop()
            try Self.measureStoreFloors(
                work: work, keyFile: pki.appendingPathComponent("evaluator.key"), duration: settings.duration,
                into: &report)
        }
        if let sizes = settings.scalingSizes {
            try await ScalingBench(settings: settings, work: work, pki: pki, run: run).measure(sizes: sizes, report: &report)
            return report
        }
        if settings.floorsOnly { return report }
        if settings.queryOnly {
            await gateway.stop()
            await echo.stop()
            for (measurement, floor) in try await QueryBench(settings: settings, work: work, pki: pki).measure() {
                report.add(measurement, comparedTo: floor)
            }
            return report
        }
        if settings.memoryOnly {
            report.openStreams = settings.openStreams
            report.memoryWithOpenStreams = try await Self.memoryWithOpenStreams(
                settings.openStreams, gateway: gateway, port: gatewayPort,
                source: GatewayClientIdentity.development("national-sc", in: pki), run: run)
            await gateway.stop()
            report.ingestBudgetPeak = await gateway.ingestBudgetPeak()
            await echo.stop()
            return report
        }
        if settings.pluginOnly {
            try await PluginBench(settings: settings, work: work, pki: pki, run: run)
                .measure(inProcessPort: gatewayPort, report: &report)
            await gateway.stop()
            await echo.stop()
            return report
        }

        let record = SampleRecords.nationalEvaluation("PJ-size-probe")
        let size = try (record.serializedBytes() as [UInt8]).count
        let payload = [UInt8](repeating: 0x47, count: size)
        report.messageBytes = payload.count
        let source = GatewayClientIdentity.development("national-sc", in: pki)
        let duration = settings.duration

        // The write-ahead log's size, sampled while the gateway ingests: it must stay bounded.
        let database = pki.appendingPathComponent("cases.sqlite").path
        let largestLog = Mutex(0)
        let sampler = Task {
            while !Task.isCancelled {
                largestLog.withLock { $0 = max($0, Self.fileSize(database + "-wal")) }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        try await withGatewayClient(host: "127.0.0.1", port: echoPort, as: source) { echoClient in
            try await withGatewayClient(host: "127.0.0.1", port: gatewayPort, as: source) { gatewayClient in
                let national = Govcase_Gateway_V1_NationalIngestService.Client(wrapping: gatewayClient)
                let run = self.run
                // 1 and 2: unary, floor and full path, at each concurrency.
                for concurrency in [1, 16, 64] {
                    let (floor, full) = await Load.interleaved(duration) { duration in
                        await Load.closedLoop(
                            "A unary echo ×\(concurrency)", unit: "calls", concurrency: concurrency, duration: duration
                        ) { _, _ in try await Self.echo(payload, on: echoClient) }
                    } subject: { duration, slice in
                        await Load.closedLoop(
                            "2 unary submit ×\(concurrency)", unit: "calls", concurrency: concurrency,
                            duration: duration
                        ) { w, n in
                            try await Self.submitAccepted("PJ-\(run)-u\(concurrency)-\(slice)-\(w)-\(n)", national)
                        }
                    }
                    report.add(floor)
                    report.add(full, comparedTo: floor.name)
                }
                // p99 at half of the peak unary rate, both measured open-loop at the same offered rate.
                let peak = report.measurements.filter { $0.name.hasPrefix("2 unary") }.map(\.rate).max() ?? 1
                let (pacedFloor, pacedFull) = await Load.interleaved(duration) { duration in
                    await Load.paced("A unary echo @ ½ peak", rate: peak / 2, duration: duration) { _, _ in
                        try await Self.echo(payload, on: echoClient)
                    }
                } subject: { duration, slice in
                    await Load.paced("2 unary submit @ ½ peak", rate: peak / 2, duration: duration) { w, n in
                        let ack = try await national.submit(
                            SampleRecords.nationalEvaluation("PJ-\(run)-p-\(slice)-\(w)-\(n)"))
                        guard ack.outcome == .accepted else { throw BenchError("\(ack)") }
                        return 1
                    }
                }
                report.add(pacedFloor)
                report.add(pacedFull, comparedTo: pacedFloor.name)

                // 1 and 3: one bidirectional stream, echo and ingest; then batched ingest.
                let (echoStream, ingestStream) = await Load.interleaved(duration) { duration in
                    await Self.echoStream(payload, on: echoClient, duration: duration)
                } subject: { duration, slice in
                    await Self.ingestStream(
                        "3 bidi ingest, 1 record/message", national, run: "\(run)-\(slice)", perMessage: 1,
                        duration: duration)
                }
                report.add(echoStream)
                report.add(ingestStream, comparedTo: echoStream.name)
                report.add(
                    await Self.ingestStream(
                        "3 bidi ingest, 100 records/message", national, run: run, perMessage: 100, duration: duration),
                    comparedTo: "C SQLite C API, 100 rows/commit")
                report.add(
                    await Self.ingestBatch(
                        "3 client-stream batch, 100 records/message", national, run: run, duration: duration),
                    comparedTo: "C SQLite C API, 100 rows/commit")
            }
        }

        if settings.ingestOnly {
            sampler.cancel()
            await gateway.stop()
            await echo.stop()
            try Self.measureStoreFloors(
                work: work, keyFile: pki.appendingPathComponent("evaluator.key"), duration: duration, into: &report)
            return report
        }

        // 8: health checks beside 100 concurrent audited reads.
        try await HealthUnderLoadBench(settings: settings, pki: pki, run: run)
            .measure(port: gatewayPort, report: &report)

        // 7: the plugin path against the in-process path.
        try await PluginBench(settings: settings, work: work, pki: pki, run: run)
            .measure(inProcessPort: gatewayPort, report: &report)

        // 9: forwarding from one gateway's outbox to another gateway.
        try await ForwardingBench(settings: settings, work: work, pki: pki, run: run).measure(report: &report)

        sampler.cancel()
        report.storeBytes = (
            Self.fileSize(database), Self.fileSize(database + "-wal"), largestLog.withLock { $0 }
        )

        // 4: the floors of the store, after the gateway's load, each in a file of its own: F the disk's durable
        // write, C the store's own rows through SQLite's C API, B the store (`CaseStore`) alone.
        try Self.measureStoreFloors(work: work, keyFile: pki.appendingPathComponent("evaluator.key"), duration: duration, into: &report)

        // 10: the store on PostgreSQL, alone and through 1, 2 and 3 gateways.
        if let postgres = settings.postgres {
            try await PostgresBench(settings: settings, work: work, pki: pki, run: run, server: postgres)
                .measure(report: &report)
        }

        // 6: memory with many open streams.
        report.openStreams = settings.openStreams
        report.memoryWithOpenStreams = try await Self.memoryWithOpenStreams(
            settings.openStreams, gateway: gateway, port: gatewayPort, source: source, run: run)

        // 5: queries over a large store, through a gateway started on it.
        await gateway.stop()
        report.ingestBudgetPeak = await gateway.ingestBudgetPeak()
        for (measurement, floor) in try await QueryBench(settings: settings, work: work, pki: pki).measure() {
            report.add(measurement, comparedTo: floor)
        }
        await echo.stop()
        return report
    }

    /// Floors F, C (1, 100 and 1,000 rows a commit) and B (the same), B compared with C.
    static func measureStoreFloors(work: URL, keyFile: URL, duration: Duration, into report: inout Report) throws {
        report.add(try SQLiteFloors.fsync(folder: work.appendingPathComponent("floor-f"), duration: duration))
        let folder = work.appendingPathComponent("floor-c")
        let template = try CaseRows.template(folder: folder, keyFile: keyFile)
        let floorB = StoreFloor(folder: work.appendingPathComponent("floor-b"), keyFile: keyFile)
        for perCommit in [1, 100, 1_000] {
            let floorC = try SQLiteFloors.writes(
                template, storeAt: folder.appendingPathComponent("floor-c-\(perCommit).sqlite").path, keyFile: keyFile,
                rowsPerCommit: perCommit, duration: duration)
            report.add(floorC)
            report.add(try floorB.measure(rowsPerCommit: perCommit, duration: duration), comparedTo: floorC.name)
        }
    }

    /// One unary submit of a sample record that must be accepted; 1 record.
    static func submitAccepted(
        _ externalID: String, _ national: Govcase_Gateway_V1_NationalIngestService.Client<HTTP2ClientTransport.Posix>
    ) async throws -> Int {
        let ack = try await national.submit(SampleRecords.nationalEvaluation(externalID))
        guard ack.outcome == .accepted else { throw BenchError("\(ack)") }
        return 1
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    private func command(_ executable: URL, _ arguments: [String]) async throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("\(executable.lastPathComponent) \(arguments) failed")
        }
    }

    /// From the process's start to its first SERVING health check, over mutual TLS.
    private func timeToServing(_ gateway: ServerProcess, port: Int) async throws -> Duration {
        let identity = GatewayClientIdentity.development("auditor-sc", in: pki)
        while true {
            let serving = try? await withGatewayClient(host: "127.0.0.1", port: port, as: identity) { grpc in
                try await Grpc_Health_V1_Health.Client(wrapping: grpc).check(.init()).status == .serving
            }
            if serving == true { return ContinuousClock.now - gateway.started }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    static func echo(_ payload: [UInt8], on client: GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Int {
        try await client.unary(
            request: ClientRequest(message: payload), descriptor: EchoService.unary, serializer: RawBytes(),
            deserializer: RawBytes(), options: .defaults
        ) { response in _ = try response.message }
        return 1
    }

    /// One echo stream, the client writing as fast as flow control lets it; messages echoed per second.
    static func echoStream(_ payload: [UInt8], on client: GRPCClient<HTTP2ClientTransport.Posix>, duration: Duration)
        async -> Measurement
    {
        await streamRate("A bidi echo stream", unit: "messages", duration: duration) { stop, count in
            try await client.bidirectionalStreaming(
                request: StreamingClientRequest(of: [UInt8].self) { writer in
                    while !stop() { try await writer.write(payload) }
                }, descriptor: EchoService.stream, serializer: RawBytes(), deserializer: RawBytes(), options: .defaults
            ) { response in
                for try await _ in response.messages { count(1) }
            }
        }
    }

    static func ingestStream(
        _ name: String, _ national: Govcase_Gateway_V1_NationalIngestService.Client<HTTP2ClientTransport.Posix>,
        run: String, perMessage: Int, duration: Duration
    ) async -> Measurement {
        await streamRate(name, unit: "records", duration: duration) { stop, count in
            try await national.submitStream(requestProducer: { writer in
                var n = 0
                while !stop() {
                    let records = (0..<perMessage).map {
                        SampleRecords.nationalEvaluation("PJ-\(run)-s\(perMessage)-\(n)-\($0)")
                    }
                    try await writer.write(.with { $0.records = records })
                    n += 1
                }
            }) { response in
                for try await message in response.messages {
                    count(message.acks.filter { $0.outcome == .accepted }.count)
                }
            }
        }
    }

    static func ingestBatch(
        _ name: String, _ national: Govcase_Gateway_V1_NationalIngestService.Client<HTTP2ClientTransport.Posix>,
        run: String, duration: Duration
    ) async -> Measurement {
        await streamRate(name, unit: "records", duration: duration) { stop, count in
            let summary = try await national.submitBatch(requestProducer: { writer in
                var n = 0
                while !stop() {
                    let records = (0..<100).map { SampleRecords.nationalEvaluation("PJ-\(run)-b-\(n)-\($0)") }
                    try await writer.write(.with { $0.records = records })
                    n += 1
                }
            })
            count(Int(summary.accepted))
        }
    }

    /// Runs `body` until `duration` has passed (it polls `stop`), counting what it reports.
    static func streamRate(
        _ name: String, unit: String, duration: Duration,
        _ body:
            @escaping @Sendable (_ stop: @escaping @Sendable () -> Bool, _ count: @escaping @Sendable (Int) -> Void)
            async throws -> Void
    ) async -> Measurement {
        let clock = ContinuousClock()
        let start = clock.now
        let counted = Mutex(0)
        var errors = 0
        do {
            try await body({ clock.now - start >= duration }) { n in counted.withLock { $0 += n } }
        } catch {
            errors += 1
        }
        let elapsed = (clock.now - start).seconds
        return Measurement(
            name: name, rate: Double(counted.withLock { $0 }) / elapsed, unit: unit, latencies: [], errors: errors)
    }

    /// Opens `count` SubmitStream calls (100 per connection), each acknowledged once and held open; the
    /// gateway's resident memory then, and its peak so far.
    static func memoryWithOpenStreams(
        _ count: Int, gateway: ServerProcess, port: Int, source: GatewayClientIdentity, run: String
    ) async throws -> (current: Int, peak: Int) {
        let connections = max(1, (count + 99) / 100)
        let opened = Shared(0)
        let held = Shared<[AsyncStream<Void>.Continuation]>([])
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for connection in 0..<connections {
                let streams = min(100, count - connection * 100)
                group.addTask {
                    try await withGatewayClient(host: "127.0.0.1", port: port, as: source) { grpc in
                        let national = Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc)
                        try await withThrowingTaskGroup(of: Void.self) { streamsGroup in
                            for stream in 0..<streams {
                                let (closed, close) = AsyncStream<Void>.makeStream()
                                held.withLock { $0.append(close) }
                                streamsGroup.addTask {
                                    try await national.submitStream(requestProducer: { writer in
                                        try await writer.write(
                                            .with {
                                                $0.records = [
                                                    SampleRecords.nationalEvaluation(
                                                        "PJ-\(run)-o-\(connection)-\(stream)")
                                                ]
                                            })
                                        for await _ in closed {}
                                    }) { response in
                                        var first = true
                                        for try await _ in response.messages where first {
                                            first = false
                                            opened.withLock { $0 += 1 }
                                        }
                                    }
                                }
                            }
                            try await streamsGroup.waitForAll()
                        }
                    }
                }
            }
            while opened.withLock({ $0 }) < count { try await Task.sleep(for: .milliseconds(20)) }
            let memory = gateway.memory()
            for close in held.withLock({ $0 }) { close.finish() }
            try await group.waitForAll()
            return memory
        }
    }
}

/// A value shared between tasks, behind a lock.
final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func withLock<Result>(_ body: (inout Value) -> Result) -> Result { value.withLock { body(&$0) } }
}

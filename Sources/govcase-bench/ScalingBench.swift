import Foundation
import GovCaseClient
import GovCaseProto
import GovCaseStore
import SwiftProtobuf

/// `--scaling`: how the gateway's costs grow with what it has stored. One store file is filled to each size in turn
/// (copies of the rows the store writes for a case, spread over twenty districts and the past year, written through
/// SQLite's C API: the fill is not what is measured), and a gateway started on it is measured at each: batched
/// ingest, unary submits at ×1 and ×16, queries of a region's week at ×1 and ×16, and floor C (the same rows through
/// SQLite's C API, 100 a commit, into the same file: what SQLite itself does at that size). Each figure is compared with the
/// same figure on the empty store (a query with the same on the smallest store filled: its page is full from about
/// 100,000 cases); the table also gives the file's size per million cases.
struct ScalingBench {
    let settings: BenchSettings
    let work: URL
    let pki: URL
    let run: String

    func measure(sizes: [Int], report: inout Report) async throws {
        let storePath = pki.appendingPathComponent("scaling.sqlite").path
        let configuration = pki.appendingPathComponent("scaling.yaml")
        try String(contentsOf: pki.appendingPathComponent("gateway.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "path: cases.sqlite", with: "path: scaling.sqlite")
            .write(to: configuration, atomically: true, encoding: .utf8)
        let keyFile = pki.appendingPathComponent("evaluator.key")
        let template = try CaseRows.template(folder: work.appendingPathComponent("scaling-template"), keyFile: keyFile)
        let writer = try CaseRows.Writer(template, emptyStoreAt: storePath, keyFile: keyFile, durable: false)
        let now = Date()
        var random = SplitMix(seed: 2027)
        var filled = 0
        let clock = ContinuousClock()
        for size in [0] + sizes.sorted() {
            let began = clock.now
            while filled < size {
                let count = min(10_000, size - filled)
                try writer.write(
                    writer.rows(count: count) { _ in
                        (
                            QueryBench.districts[Int(random.next() % 20)],
                            now.timeIntervalSince1970 - random.fraction() * QueryBench.year
                        )
                    })
                filled += count
                if filled % 500_000 == 0 { Report.progress("scaling: \(filled) cases stored …") }
            }
            try writer.checkpoint()
            // The fill wrote without syncing; its gigabytes of dirty pages must reach the disk now, not while the
            // gateway is measured (a first run at 5M cases lost half its ingest rate to that writeback).
            sync()
            if size > 0 {
                Report.progress(
                    String(format: "scaling: filled to %d cases in %.0f s", size, (clock.now - began).seconds))
            }
            // The cases in the file, counting what the gateway stored while earlier sizes were measured.
            report.scalingStoreBytes.append((size, try writer.storedCases(), BenchRun.fileSize(storePath)))
            // What SQLite itself does with the same rows at this size: floor C on this store, before the gateway.
            let floorC = try SQLiteFloors.writes(
                template, storeAt: storePath, keyFile: keyFile, rowsPerCommit: 100, duration: settings.duration,
                name: "\(Self.label(size)) C SQLite C API, 100 rows/commit")
            let gateway = try await measureGateway(configuration: configuration, label: Self.label(size), now: now)
            let measured = [floorC] + gateway
            // Writes are compared with the empty store. A query of a region's week fills its page of 100 only once
            // the store holds some 100,000 cases, so queries are compared with the smallest store filled.
            let smallest = sizes.min() ?? 0
            for measurement in measured {
                let baseline = measurement.name.contains("query") ? smallest : 0
                let compared = measurement.name.replacingOccurrences(of: Self.label(size), with: Self.label(baseline))
                report.add(measurement, comparedTo: size == baseline || (baseline > 0 && size == 0) ? nil : compared)
            }
        }
    }

    static func label(_ size: Int) -> String {
        "S " + size.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US"))) + " cases:"
    }

    private func measureGateway(configuration: URL, label: String, now: Date) async throws -> [Measurement] {
        let gateway = try ServerProcess(
            BenchRun.binaries.appendingPathComponent("govcase"), ["serve", "--config", configuration.path])
        defer { Task { await gateway.stop() } }
        let port = try await gateway.port()
        let duration = settings.duration
        let run = "\(self.run)-\(label.filter(\.isNumber))"
        var results = try await withGatewayClient(
            host: "127.0.0.1", port: port, as: .development("national-sc", in: pki)
        ) { grpc in
            let national = Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc)
            var results = [
                await BenchRun.ingestBatch(
                    "\(label) client-stream batch, 100 records/message", national, run: run, duration: duration)
            ]
            for concurrency in [1, 16] {
                results.append(
                    await Load.closedLoop(
                        "\(label) unary submit ×\(concurrency)", unit: "calls", concurrency: concurrency,
                        duration: duration
                    ) { w, n in try await BenchRun.submitAccepted("PJ-\(run)-u\(concurrency)-\(w)-\(n)", national) })
            }
            return results
        }
        results += try await QueryBench.regionWeeks(port: port, pki: pki, duration: duration, now: now) {
            "\(label) query region + 7 days ×\($0)"
        }
        await gateway.stop()
        return results
    }
}

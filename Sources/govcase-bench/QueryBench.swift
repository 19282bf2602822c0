import Foundation
import GovCaseClient
import GovCaseCore
import GovCaseProto
import GovCaseStore
import SwiftProtobuf

/// Queries by region and period, through a gateway serving a store of `settings.queryCases` cases spread
/// over twenty districts of Chengdu and the past year.
struct QueryBench {
    let settings: BenchSettings
    let work: URL
    let pki: URL

    static let districts = [
        "510104", "510105", "510106", "510107", "510108", "510112", "510113", "510114", "510115", "510116",
        "510117", "510118", "510121", "510129", "510131", "510181", "510182", "510183", "510184", "510185",
    ]
    static let year: TimeInterval = 365 * 86_400

    /// The fill, the gateway's queries and floor Q's, each gateway figure with the floor it is compared with.
    func measure() async throws -> [(Measurement, floor: String?)] {
        let storePath = pki.appendingPathComponent("query.sqlite").path
        let fill = try fillStore(at: storePath)
        let configuration = pki.appendingPathComponent("query.yaml")
        try String(contentsOf: pki.appendingPathComponent("gateway.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "path: cases.sqlite", with: "path: query.sqlite")
            .write(to: configuration, atomically: true, encoding: .utf8)
        let gateway = try ServerProcess(
            BenchRun.binaries.appendingPathComponent("govcase"), ["serve", "--config", configuration.path])
        let port = try await gateway.port()
        let now = Date()
        let results = try await Self.regionWeeks(
            port: port, pki: pki, duration: settings.duration, now: now
        ) { "5 query region + 7 days, \(settings.queryCases) cases ×\($0)" }
        await gateway.stop()
        var measured: [(Measurement, floor: String?)] = [(fill, nil)]
        for (concurrency, result) in zip([1, 16], results) {
            let floor = try await SQLiteFloors.queries(
                "Q query SQL, C API, \(settings.queryCases) cases ×\(concurrency)", storePath: storePath,
                concurrency: concurrency, duration: settings.duration
            ) { reader, n in Self.regionWeek(worker: reader, n: n, now: now).firstPageStatement(limit: 100) }
            measured += [(floor, nil), (result, floor.name)]
        }
        return measured
    }

    /// Queries of `regionWeek` through the gateway at `port` as the auditor, ×1 then ×16 (`name` of each).
    static func regionWeeks(
        port: Int, pki: URL, duration: Duration, now: Date, name: @escaping (Int) -> String
    ) async throws -> [Measurement] {
        try await withGatewayClient(host: "127.0.0.1", port: port, as: .development("auditor-sc", in: pki)) { grpc in
            let cases = Govcase_Gateway_V1_CaseService.Client(wrapping: grpc)
            var results: [Measurement] = []
            for concurrency in [1, 16] {
                results.append(
                    await Load.closedLoop(name(concurrency), unit: "queries", concurrency: concurrency, duration: duration) {
                        worker, n in
                        _ = try await cases.queryCases(Self.request(worker: worker, n: n, now: now))
                        return 1
                    })
            }
            return results
        }
    }

    /// `regionWeek` as the gateway's request, a page of 100.
    static func request(worker: Int, n: Int, now: Date) -> Govcase_Gateway_V1_QueryCasesRequest {
        let query = regionWeek(worker: worker, n: n, now: now)
        return .with {
            $0.filter.regionPrefixes = query.regionPrefixes
            $0.filter.receivedFrom = Google_Protobuf_Timestamp(date: query.receivedFrom!)
            $0.filter.receivedUntil = Google_Protobuf_Timestamp(date: query.receivedUntil!)
            $0.pageSize = 100
        }
    }

    /// The query mix of both the gateway's figures and floor Q: a random district's random week of the past year.
    static func regionWeek(worker: Int, n: Int, now: Date) -> CaseQuery {
        var random = SplitMix(seed: UInt64(worker * 1_000_003 + n))
        let until = now.addingTimeInterval(-random.fraction() * (Self.year - 7 * 86_400))
        var query = CaseQuery()
        query.regionPrefixes = [Self.districts[Int(random.next() % 20)]]
        query.receivedFrom = until.addingTimeInterval(-7 * 86_400)
        query.receivedUntil = until
        return query
    }

    /// Writes the cases 1,000 per commit: one translated sample, varied in id, district and time.
    private func fillStore(at path: String) throws -> Measurement {
        let store = try CaseStore(
            path: path, vault: EvaluatorVault(keyFile: pki.appendingPathComponent("evaluator.key").path))
        defer { try? store.close() }
        Report.progress("filling the query store with \(settings.queryCases) cases …")
        let template = StoreFloor.sampleCase("PJ-query-template")
        let now = Date()
        var random = SplitMix(seed: 2026)
        let clock = ContinuousClock()
        let start = clock.now
        var written = 0
        while written < settings.queryCases {
            let batch = (written..<min(written + 1_000, settings.queryCases)).map { n -> Case in
                var c = template
                c.source.externalID = "PJ-query-\(n)"
                c.regionCode = Self.districts[Int(random.next() % 20)]
                c.receivedAt = now.addingTimeInterval(-random.fraction() * Self.year)
                return c
            }
            _ = try store.submit(batch: batch, now: now)
            written += batch.count
        }
        return Measurement(
            name: "5 fill the query store, 1,000 rows/commit", rate: Double(written) / (clock.now - start).seconds,
            unit: "rows", latencies: [], errors: 0)
    }
}

/// A small deterministic generator, so runs query the same mix.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func fraction() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

import Foundation
import GovCaseAdapters
import GovCaseClient
import GovCaseCore
import GovCaseProto
import GovCaseStore

/// Floor B: the store alone, storing the cases the gateway would store (the same records through the same
/// adapter), in a fresh file, with the given number of rows per durable commit.
struct StoreFloor {
    let folder: URL
    let keyFile: URL

    /// The national adapter's translation of a sample record, as the gateway's pipeline makes it.
    static func sampleCase(_ id: String, region: String = "510104", receivedAt: Date = Date()) -> Case {
        let adapter = BuiltInAdapters.all().first { $0.info.id == "national-platform" }!
        let context = TranslationContext(sourceSystem: "national-sc", receivedAt: receivedAt)
        let record = SampleRecords.nationalEvaluation(
            id, region: region, evaluatedAt: receivedAt.addingTimeInterval(-60))
        guard case .newCase(var c) = adapter.translate(record.evaluation, context: context) else {
            fatalError("the sample record no longer translates to a case")
        }
        c.startDeadlines(using: RegionalDeadlinePolicies().policy(forRegion: region))
        return c
    }

    func measure(rowsPerCommit: Int, duration: Duration) throws -> Measurement {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try CaseStore(
            path: folder.appendingPathComponent("floor-b-\(rowsPerCommit).sqlite").path,
            vault: EvaluatorVault(keyFile: keyFile.path))
        defer { try? store.close() }
        // Only the store is timed: the cases are made before each commit.
        let clock = ContinuousClock()
        var latencies: [Double] = []
        var rows = 0
        while latencies.reduce(0, +) < duration.seconds {
            let batch = (0..<rowsPerCommit).map { Self.sampleCase("PJ-floor-\(rows + $0)") }
            let began = clock.now
            _ = try store.submit(batch: batch, now: Date())
            latencies.append((clock.now - began).seconds)
            rows += rowsPerCommit
        }
        return Measurement(
            name: "B store, \(rowsPerCommit) row\(rowsPerCommit == 1 ? "" : "s")/commit",
            rate: Double(rows) / latencies.reduce(0, +), unit: "rows", latencies: latencies.sorted(), errors: 0)
    }
}

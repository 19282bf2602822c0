import Foundation
import GovCaseTestSupport
import Testing

/// The benchmark's smoke mode, so that it never rots: every measurement runs and the table prints.
/// It asserts nothing about time, only that each part ran without errors.
@Suite(.heavy) struct BenchSmokeTests {
    @Test func theSmokeRunMeasuresEveryPartAndPrintsTheTable() async throws {
        let run = try await GatewayProcess.run(
            ["--smoke", "--seconds", "0.3"], executable: "govcase-bench", timeout: .seconds(300))
        #expect(run.status == 0, "\(run.output)")
        for part in [
            "A unary echo ×64", "2 unary submit ×64", "2 unary submit @ ½ peak", "A bidi echo stream",
            "3 bidi ingest, 1 record/message", "3 client-stream batch", "B store, 100 rows/commit", "5 query region",
            "3 store after ingest: database, write-ahead log",
            "6 gateway RSS", "6 start to first SERVING", "7 unary submit ×16, plugin",
            "7 bidi ingest, 100 records/message, plugin", "7 unary submit ×16, plugin by calls only",
            "7 plugin register to first record accepted", "9 ingest into the receiver", "9 forwarded",
            "9 lag, stored by the sender", "9 receiver serving to first rows seen delivered",
        ] {
            #expect(run.output.contains(part), "missing \"\(part)\" in\n\(run.output)")
        }
    }
}

import Foundation
import GovCaseTestSupport
import Testing

/// The README's first command, on a fresh folder: it plays the day, checks every outcome and exits 0.
@Suite(.heavy) struct DemoCommandTests {
    @Test func theDemoPlaysTheDayAndPrintsTheSummary() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("govcase-demo-\(UUID())")
        let run = try await GatewayProcess.run(["demo", "--port", "0", "--dir", folder.path])
        #expect(run.status == 0, "\(run.output)")
        for expected in [
            "RATE_FEEDBACK → CLOSED", "DUPLICATE: the original case", "refused: INVALID_ARGUMENT, field by field:",
            "region_code: region_code:", "refused: PERMISSION_DENIED", "evaluator 张*", "evaluator 张三",
            "Summary: 20 cases", "好评率 good-review rate",
            // The county forwards to a province gateway, a second process: every change delivered, none dead.
            "Forwarded to the province", "0 dead letters, 0 pending",
        ] {
            #expect(run.output.contains(expected), "missing \"\(expected)\"")
        }
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("cases.sqlite").path))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("province/cases.sqlite").path))
    }
}

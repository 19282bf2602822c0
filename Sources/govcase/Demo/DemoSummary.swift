import Foundation
import GovCaseCore
import GovCaseStore

/// What the store holds after the day: cases by source, kind and status, and the regulators' rates.
/// Read from the SQLite file itself, beside the running gateway (WAL lets both in).
struct DemoSummary {
    let storePath: String
    let keyPath: String

    func print() throws {
        let store = try CaseStore(path: storePath, vault: EvaluatorVault(keyFile: keyPath))
        defer { try? store.close() }
        var cases: [Case] = []
        var token: String?
        repeat {
            let page = try store.query(CaseQuery(), pageSize: 1000, pageToken: token)
            cases += page.cases
            token = page.nextPageToken
        } while token != nil

        Swift.print("\nSummary: \(cases.count) cases in \(storePath)\n")
        let groups = Dictionary(grouping: cases) { [$0.source.sourceSystem, $0.kind.rawValue, $0.status.rawValue] }
        let rows = groups.map { key, value in key + [String(value.count)] }.sorted { $0.lexicographicallyPrecedes($1) }
        table(header: ["source system", "kind", "status", "cases"], rows: rows)

        let metrics = CaseMetrics(cases: cases)
        Swift.print("")
        let rates: [(String, KeyPath<SatisfactionMetrics, Rate>)] = [
            ("评价率 evaluation rate", \.evaluationRate), ("好评率 good-review rate", \.goodReviewRate),
            ("差评率 bad-review rate", \.badReviewRate), ("差评整改率 rectification rate", \.rectificationRate),
            ("实名差评回访整改率 real-name follow-up rate", \.realNameFollowUpRate),
            ("按时办结率 on-time closure rate", \.onTimeClosureRate),
        ]
        table(
            header: ["rate", "ordinary cases", "mediation and enforcement (apart)"],
            rows: rates.map {
                [$0.0, "\(metrics.ordinary[keyPath: $0.1])", "\(metrics.mediationAndEnforcement[keyPath: $0.1])"]
            })
    }

    /// A plain-text table; widths count CJK characters as two columns, as terminals show them.
    private func table(header: [String], rows: [[String]]) {
        func width(_ text: String) -> Int {
            text.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x2E80 && $1.value <= 0xFFDC ? 2 : 1) }
        }
        let widths = header.indices.map { column in ([header] + rows).map { width($0[column]) }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0 + String(repeating: " ", count: $1 - width($0)) }.joined(separator: "  ")
        }
        Swift.print("  " + line(header))
        Swift.print("  " + line(widths.map { String(repeating: "─", count: $0) }))
        for row in rows { Swift.print("  " + line(row)) }
    }
}

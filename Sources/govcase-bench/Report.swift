import Foundation

/// What a run measured, printed as one table with each figure's ratio to its floor from the same run.
struct Report {
    var measurements: [Measurement] = []
    /// Measurement name → the floor it is compared with.
    var floors: [String: String] = [:]
    var startToServing: Duration = .zero
    /// From `RegisterAdapter` to the first record accepted through the plugin.
    var registerToFirstRecord: Duration = .zero
    /// The plugin's own call figures over the unary slices: calls, records, mean call (µs).
    var pluginUnaryCalls: (calls: UInt64, records: UInt64, meanMicros: UInt64) = (0, 0, 0)
    var messageBytes = 0
    /// Audited reads completed while health was checked beside them (8).
    var auditedReadsBesideHealth = 0
    /// Bad reviews with their rectification feedback completed meanwhile (8).
    var followUpsBesideHealth = 0
    var openStreams = 0
    var memoryWithOpenStreams: (current: Int, peak: Int) = (0, 0)
    /// The most bytes of ingest messages the gateway held in flight at once over the run (its ingest budget).
    var ingestBudgetPeak: Int?
    /// The gateway's database and write-ahead log after the ingest rows, bytes; the largest log seen meanwhile.
    var storeBytes: (database: Int, log: Int, largestLog: Int) = (0, 0, 0)
    /// From the receiver serving again to the first forwarded rows seen delivered (9): the route's backoff after
    /// the outage and its probe batch.
    var forwardingWaitAfterOutage: Duration?
    /// `--scaling`: the store file's size at each fill (cases stored by the fill, bytes).
    var scalingStoreBytes: [(filled: Int, cases: Int, bytes: Int)] = []

    mutating func add(_ measurement: Measurement, comparedTo floor: String? = nil) {
        measurements.append(measurement)
        if let floor { floors[measurement.name] = floor }
        Self.progress(String(format: "%@: %.0f %@/s", measurement.name, measurement.rate, measurement.unit))
    }

    mutating func add(contentsOf more: [Measurement]) {
        for measurement in more { add(measurement) }
    }

    /// A line on standard error, so a long run shows where it is; the table alone goes to standard output.
    static func progress(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

    func ratio(of measurement: Measurement) -> String {
        guard let floorName = floors[measurement.name],
            let floor = measurements.first(where: { $0.name == floorName }), floor.rate > 0
        else { return "" }
        var text = String(format: "%.2f of %@", measurement.rate / floor.rate, floorName)
        // At the same offered rate the throughputs match; the latency is what compares.
        if measurement.name.contains("@"), let p99 = measurement.percentile(0.99),
            let floorP99 = floor.percentile(0.99),
            floorP99 > 0
        {
            text = String(format: "p99 %.2f× %@'s", p99 / floorP99, floorName)
        }
        return text
    }

    var table: String {
        func milliseconds(_ seconds: Double?) -> String { seconds.map { String(format: "%.2f", $0 * 1000) } ?? "—" }
        let header = ["measurement", "rate /s", "unit", "p50 ms", "p99 ms", "p999 ms", "errors", "ratio"]
        var rows = measurements.map { m in
            [
                m.name, String(format: "%.0f", m.rate), m.unit, milliseconds(m.percentile(0.5)),
                milliseconds(m.percentile(0.99)), milliseconds(m.percentile(0.999)), String(m.errors), ratio(of: m),
            ]
        }
        let mb = { (bytes: Int) in String(format: "%.1f MB", Double(bytes) / 1_048_576) }
        if openStreams > 0 { rows.append([
            "6 gateway RSS, \(openStreams) open streams", mb(memoryWithOpenStreams.current), "resident", "", "", "", "",
            "peak so far \(mb(memoryWithOpenStreams.peak)); ingest budget peak "
                + (ingestBudgetPeak.map(mb) ?? "not reported"),
        ]) }
        if storeBytes.database > 0 { rows.append([
            "3 store after ingest: database, write-ahead log", mb(storeBytes.database), "on disk", "", "", "", "",
            "log \(mb(storeBytes.log)), largest seen \(mb(storeBytes.largestLog))",
        ]) }
        if pluginUnaryCalls.calls > 0 { rows.append([
            "7 plugin register to first record accepted", milliseconds(registerToFirstRecord.seconds) + " ms", "", "",
            "", "", "", "",
        ])
        rows.append([
            "7 plugin calls in the unary slices", "\(pluginUnaryCalls.calls)", "calls", "", "", "", "",
            String(
                format: "%.1f records a call, mean call %.2f ms",
                Double(pluginUnaryCalls.records) / Double(max(pluginUnaryCalls.calls, 1)),
                Double(pluginUnaryCalls.meanMicros) / 1000),
        ]) }
        if auditedReadsBesideHealth + followUpsBesideHealth > 0 { rows.append([
            "8 audited reads completed beside the health checks", "\(auditedReadsBesideHealth)", "calls", "", "", "",
            "", "each a write and an fsync, 50 at once",
        ])
        rows.append([
            "8 follow-up loops completed beside the health checks", "\(followUpsBesideHealth)", "loops", "", "", "",
            "", "a bad review and its feedback, 50 at once",
        ]) }
        // Issue 24's latency goals, against floor F (the disk's durable write) of the same run.
        let named = { (name: String) in measurements.first { $0.name == name } }
        if let fsync = named("F fdatasync of a 4 KiB write"), let fsyncP50 = fsync.percentile(0.5),
            let fsyncP99 = fsync.percentile(0.99)
        {
            if let echo = named("A unary echo ×1")?.percentile(0.5), let submit = named("2 unary submit ×1")?.percentile(0.5) {
                rows.append([
                    "2 unary ×1: p50 over echo's", milliseconds(submit - echo) + " ms", "", "", "", "", "",
                    "goal ≤ 2 × F p50 = " + milliseconds(2 * fsyncP50) + " ms",
                ])
            }
            if let echo = named("A unary echo @ ½ peak")?.percentile(0.99),
                let submit = named("2 unary submit @ ½ peak")?.percentile(0.99)
            {
                rows.append([
                    "2 unary @ ½ peak: p99", milliseconds(submit) + " ms", "", "", "", "", "",
                    "goal ≤ echo p99 + F p99 = " + milliseconds(echo + fsyncP99) + " ms",
                ])
            }
        }
        for (filled, cases, bytes) in scalingStoreBytes where filled > 0 {
            rows.append([
                "\(ScalingBench.label(filled)) store file", mb(bytes), "on disk", "", "", "", "",
                String(
                    format: "%d cases in it; %.0f MB per million cases", cases,
                    Double(bytes) / 1_048_576 / (Double(cases) / 1_000_000)),
            ])
        }
        if let wait = forwardingWaitAfterOutage {
            rows.append([
                "9 receiver serving to first rows seen delivered", milliseconds(wait.seconds) + " ms", "", "", "",
                "", "", "the route's backoff (50 ms to 1 s) and its probe batch",
            ])
        }
        rows.append([
            "6 start to first SERVING health check", milliseconds(startToServing.seconds) + " ms", "", "", "", "", "",
            "",
        ])
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).enumerated().map { index, pair in
                index == 0 || index == 2 || index == 7
                    ? pair.0.padding(toLength: pair.1, withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: pair.1 - pair.0.count) + pair.0
            }.joined(separator: "  ")
        }
        var notes: [String] = []
        if measurements.contains(where: { $0.name.hasPrefix("9 ") }) {
            notes = [
                "9: a sender gateway with a route (new cases, 100 a batch, 4 batches side by side) to a receiver gateway.",
                "   forwarded: N records waiting in the sender's outbox while the receiver was down, from the first seen",
                "   delivered to none pending or in flight (GetOutboxStatus, polled every 20 ms); its floor: the bench",
                "   sending the receiver N records the same way (GenericIngestService.SubmitStream, 100 a call, ×4).",
                "   lag: records submitted one by one to the sender at the rate shown; per record, its outbox row's",
                "   create_time (the sender's commit of the case, before its ack) to finish_time (the sender settling it",
                "   delivered after the receiver's ack of its durable commit), via ListForwards; p50/p99/p999 are the lag.",
            ]
        }
        return
            ([
                "govcase-bench: \(messageBytes)-byte records; floors: A echo, B the store alone, C the store's rows through SQLite's C API, "
                    + "F fdatasync, Q the query SQL through the C API; 2/3/5/6 = gateway, 7 = plugin path, 9 = forwarding, "
                    + "S = scaling",
                line(header), line(widths.map { String(repeating: "-", count: $0) }),
            ] + rows.map(line) + notes)
            .joined(separator: "\n")
    }
}

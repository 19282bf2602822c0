import Foundation
import Synchronization

/// Latencies of one measurement, and what it achieved.
struct Measurement: Sendable {
    var name: String
    /// Operations (calls, messages or records, as `unit` says) per second.
    var rate: Double
    var unit: String
    /// Sorted latencies, seconds.
    var latencies: [Double]
    /// Failed operations.
    var errors: Int

    /// Slices of equal length measured apart, as one measurement.
    static func joined(_ slices: [Measurement]) -> Measurement {
        Measurement(
            name: slices[0].name, rate: slices.map(\.rate).reduce(0, +) / Double(slices.count), unit: slices[0].unit,
            latencies: slices.flatMap(\.latencies).sorted(), errors: slices.map(\.errors).reduce(0, +))
    }

    func percentile(_ p: Double) -> Double? {
        guard !latencies.isEmpty else { return nil }
        return latencies[min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.down)))]
    }
}

/// Drives operations for a fixed time and records each one's latency.
enum Load {
    typealias Operation = @Sendable (_ worker: Int, _ sequence: Int) async throws -> Int

    /// A floor and what is compared with it, measured in alternating slices (`duration / slices` each) so
    /// that a change in the machine's load during the run weighs on both alike. `slice` numbers the slices,
    /// for ids that must not repeat.
    static func interleaved(
        _ duration: Duration, slices: Int = 4, floor: (_ duration: Duration) async -> Measurement,
        subject: (_ duration: Duration, _ slice: Int) async -> Measurement
    ) async -> (floor: Measurement, subject: Measurement) {
        var floors: [Measurement] = []
        var subjects: [Measurement] = []
        for slice in 0..<slices {
            floors.append(await floor(duration / slices))
            subjects.append(await subject(duration / slices, slice))
        }
        return (Measurement.joined(floors), Measurement.joined(subjects))
    }

    /// Closed loop: `concurrency` callers, each starting its next operation when the last one ends.
    /// An operation returns how many units it carried (1 for a call, N for a batch of N records).
    static func closedLoop(
        _ name: String, unit: String, concurrency: Int, duration: Duration, operation: @escaping Operation
    ) async -> Measurement {
        await measure(name, unit: unit, concurrency: concurrency) { worker, start in
            var tally = Tally(worker: worker)
            while ContinuousClock.now < start + duration { await tally.time(operation) }
            return tally
        }
    }

    /// Open loop at a fixed rate: operations start on schedule whether or not earlier ones have ended (at
    /// most `concurrency` at once), so latency is measured at that offered rate.
    static func paced(
        _ name: String, rate: Double, duration: Duration, concurrency: Int = 64, operation: @escaping Operation
    ) async -> Measurement {
        let interval = Duration.seconds(Double(concurrency) / rate)
        return await measure(name, unit: "calls", concurrency: concurrency) { worker, start in
            var tally = Tally(worker: worker)
            // Workers start spread over one interval, so the offered load is smooth.
            var due = start + interval * (Double(worker) / Double(concurrency))
            while due < start + duration {
                try? await ContinuousClock().sleep(until: due)
                await tally.time(operation)
                due += interval
            }
            return tally
        }
    }

    /// One worker's operations: each one's latency, the units carried, the failures.
    struct Tally: Sendable {
        var worker = 0
        var latencies: [Double] = []
        var units = 0
        var errors = 0
        var sequence = 0

        mutating func time(_ operation: Operation) async {
            let began = ContinuousClock.now
            do {
                units += try await operation(worker, sequence)
                latencies.append((ContinuousClock.now - began).seconds)
            } catch {
                errors += 1
            }
            sequence += 1
        }
    }

    /// Runs `concurrency` workers from one start and adds up their tallies.
    private static func measure(
        _ name: String, unit: String, concurrency: Int,
        worker run: @escaping @Sendable (_ worker: Int, _ start: ContinuousClock.Instant) async -> Tally
    ) async -> Measurement {
        let start = ContinuousClock.now
        let total = await withTaskGroup(of: Tally.self) { group in
            for worker in 0..<concurrency { group.addTask { await run(worker, start) } }
            return await group.reduce(into: Tally()) { total, one in
                total.latencies += one.latencies
                total.units += one.units
                total.errors += one.errors
            }
        }
        let elapsed = (ContinuousClock.now - start).seconds
        return Measurement(
            name: name, rate: Double(total.units) / elapsed, unit: unit, latencies: total.latencies.sorted(),
            errors: total.errors)
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}

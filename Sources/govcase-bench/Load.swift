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

    func percentile(_ p: Double) -> Double? {
        guard !latencies.isEmpty else { return nil }
        return latencies[min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.down)))]
    }
}

/// Drives operations for a fixed time and records each one's latency.
enum Load {
    /// Closed loop: `concurrency` callers, each starting its next operation when the last one ends.
    /// An operation returns how many units it carried (1 for a call, N for a batch of N records).
    static func closedLoop(
        _ name: String, unit: String, concurrency: Int, duration: Duration,
        operation: @escaping @Sendable (_ worker: Int, _ sequence: Int) async throws -> Int
    ) async -> Measurement {
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + duration
        let results = await withTaskGroup(of: ([Double], Int, Int).self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var latencies: [Double] = []
                    var units = 0
                    var errors = 0
                    var sequence = 0
                    while clock.now < end {
                        let began = clock.now
                        do {
                            units += try await operation(worker, sequence)
                            latencies.append((clock.now - began).seconds)
                        } catch {
                            errors += 1
                        }
                        sequence += 1
                    }
                    return (latencies, units, errors)
                }
            }
            return await group.reduce(into: ([Double](), 0, 0)) { total, one in
                total.0 += one.0
                total.1 += one.1
                total.2 += one.2
            }
        }
        let elapsed = (clock.now - start).seconds
        return Measurement(
            name: name, rate: Double(results.1) / elapsed, unit: unit, latencies: results.0.sorted(), errors: results.2)
    }

    /// Open loop at a fixed rate: operations start on schedule whether or not earlier ones have ended (at
    /// most `concurrency` at once), so latency is measured at that offered rate.
    static func paced(
        _ name: String, rate: Double, duration: Duration, concurrency: Int = 64,
        operation: @escaping @Sendable (_ worker: Int, _ sequence: Int) async throws -> Int
    ) async -> Measurement {
        let perWorker = rate / Double(concurrency)
        let interval = Duration.seconds(1 / perWorker)
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + duration
        let results = await withTaskGroup(of: ([Double], Int, Int).self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var latencies: [Double] = []
                    var units = 0
                    var errors = 0
                    // Workers start spread over one interval, so the offered load is smooth.
                    var due = start + interval * (Double(worker) / Double(concurrency))
                    var sequence = 0
                    while due < end {
                        try? await clock.sleep(until: due)
                        let began = clock.now
                        do {
                            units += try await operation(worker, sequence)
                            latencies.append((clock.now - began).seconds)
                        } catch {
                            errors += 1
                        }
                        sequence += 1
                        due += interval
                    }
                    return (latencies, units, errors)
                }
            }
            return await group.reduce(into: ([Double](), 0, 0)) { total, one in
                total.0 += one.0
                total.1 += one.1
                total.2 += one.2
            }
        }
        let elapsed = (clock.now - start).seconds
        return Measurement(
            name: name, rate: Double(results.1) / elapsed, unit: "calls", latencies: results.0.sorted(),
            errors: results.2)
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}

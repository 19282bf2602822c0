import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GovCaseClient
import GovCaseProto
import SwiftProtobuf

/// 7: the plugin path. A second gateway runs without the built-in national adapter and registers its plugin
/// form (`govcase-adapter-plugin national-platform`, the same code out of process) under the same id; the
/// same records go to both gateways in interleaved slices, so the ratio compares the paths, not the moments.
struct PluginBench {
    let settings: BenchSettings
    let work: URL
    let pki: URL
    let run: String

    func measure(inProcessPort: Int, report: inout Report) async throws {
        let configuration = pki.appendingPathComponent("gateway-plugin.yaml")
        let original = try String(contentsOf: pki.appendingPathComponent("gateway.yaml"), encoding: .utf8)
        try
            (original.replacingOccurrences(of: "path: cases.sqlite", with: "path: plugin/cases.sqlite")
            + "builtin_adapters: [culture-tourism, hotline-12345]\n")
            .write(to: configuration, atomically: true, encoding: .utf8)
        let gateway = try ServerProcess(
            BenchRun.binaries.appendingPathComponent("govcase"), ["serve", "--config", configuration.path])
        let port = try await gateway.port()
        defer { Task { await gateway.stop() } }

        let source = GatewayClientIdentity.development("national-sc", in: pki)
        let operatorIdentity = GatewayClientIdentity.development("operator-sc", in: pki)
        /// The plugin form of the national adapter; `streams` TranslateStream streams offered (0: calls only).
        func manifest(streams: Int) -> String {
            """
            id: national-platform
            version: 1.0.0
            executable: \(BenchRun.binaries.appendingPathComponent("govcase-adapter-plugin").path)
            arguments: [national-platform, --streams, "\(streams)"]
            message_types: [govcase.sources.national.v1.EvaluationRecord, govcase.sources.national.v1.RectificationFeedback, govcase.sources.national.v1.AppealRecord, govcase.sources.national.v1.ServiceNodeRecord]
            concurrency: 16
            batch_size: 100
            """
        }
        let run = self.run
        let registered = ContinuousClock.now
        try await withGatewayClient(host: "127.0.0.1", port: port, as: operatorIdentity) { grpc in
            _ = try await Govcase_Gateway_V1_AdapterAdminService.Client(wrapping: grpc).registerAdapter(
                .with { $0.manifest = manifest(streams: 256) })
        }
        try await withGatewayClient(host: "127.0.0.1", port: port, as: source) { grpc in
            let ack = try await Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc).submit(
                SampleRecords.nationalEvaluation("PJ-\(run)-plugin-first"))
            guard ack.outcome == .accepted else { throw BenchError("the first plugin record: \(ack)") }
        }
        report.registerToFirstRecord = ContinuousClock.now - registered

        let duration = settings.duration
        // The floor side of an interleaved pair is not told its slice: number its slices here, so that no
        // record is sent twice (a duplicate is not an acceptance).
        let slices = Shared(0)
        @Sendable func nextSlice() -> Int {
            slices.withLock {
                $0 += 1; return $0
            }
        }
        let before = try await pluginStatistics(port: port, as: operatorIdentity)
        try await withGatewayClient(host: "127.0.0.1", port: inProcessPort, as: source) { inProcessClient in
            try await withGatewayClient(host: "127.0.0.1", port: port, as: source) { pluginClient in
                let inProcess = Govcase_Gateway_V1_NationalIngestService.Client(wrapping: inProcessClient)
                let plugin = Govcase_Gateway_V1_NationalIngestService.Client(wrapping: pluginClient)
                let (unaryIn, unaryPlugin) = await Load.interleaved(duration) { duration in
                    let slice = nextSlice()
                    return await Load.closedLoop(
                        "2 unary submit ×16, in process", unit: "calls", concurrency: 16, duration: duration
                    ) { w, n in
                        try await Self.submit(inProcess, "PJ-\(run)-ui-\(slice)-\(w)-\(n)")
                    }
                } subject: { duration, slice in
                    await Load.closedLoop(
                        "7 unary submit ×16, plugin", unit: "calls", concurrency: 16, duration: duration
                    ) { w, n in
                        try await Self.submit(plugin, "PJ-\(run)-up-\(slice)-\(w)-\(n)")
                    }
                }
                report.add(unaryIn)
                report.add(unaryPlugin, comparedTo: unaryIn.name)
                let after = try await pluginStatistics(port: port, as: operatorIdentity)
                report.pluginUnaryCalls = (
                    after.calls - before.calls, after.records - before.records,
                    after.calls > before.calls
                        ? (after.meanCallMicros * after.calls - before.meanCallMicros * before.calls)
                            / (after.calls - before.calls) : 0
                )
                let (streamIn, streamPlugin) = await Load.interleaved(duration) { duration in
                    await BenchRun.ingestStream(
                        "3 bidi ingest, 100 records/message, in process", inProcess, run: "\(run)-si-\(nextSlice())",
                        perMessage: 100, duration: duration)
                } subject: { duration, slice in
                    await BenchRun.ingestStream(
                        "7 bidi ingest, 100 records/message, plugin", plugin, run: "\(run)-sp-\(slice)",
                        perMessage: 100,
                        duration: duration)
                }
                report.add(streamIn)
                report.add(streamPlugin, comparedTo: streamIn.name)

                // The same plugin offering no streams: every batch a TranslateBatch call, as before streams.
                try await withGatewayClient(host: "127.0.0.1", port: port, as: operatorIdentity) { grpc in
                    let admin = Govcase_Gateway_V1_AdapterAdminService.Client(wrapping: grpc)
                    _ = try await admin.removeAdapter(.with { $0.id = "national-platform" })
                    _ = try await admin.registerAdapter(.with { $0.manifest = manifest(streams: 0) })
                }
                let (callsIn, callsPlugin) = await Load.interleaved(duration) { duration in
                    let slice = nextSlice()
                    return await Load.closedLoop(
                        "2 unary submit ×16, in process (beside calls)", unit: "calls", concurrency: 16,
                        duration: duration
                    ) { w, n in
                        try await Self.submit(inProcess, "PJ-\(run)-uic-\(slice)-\(w)-\(n)")
                    }
                } subject: { duration, slice in
                    await Load.closedLoop(
                        "7 unary submit ×16, plugin by calls only", unit: "calls", concurrency: 16,
                        duration: duration
                    ) { w, n in
                        try await Self.submit(plugin, "PJ-\(run)-upc-\(slice)-\(w)-\(n)")
                    }
                }
                report.add(callsIn)
                report.add(callsPlugin, comparedTo: callsIn.name)
            }
        }
        await gateway.stop()
    }

    /// The plugin's statistics as the admin API reports them.
    func pluginStatistics(port: Int, as identity: GatewayClientIdentity) async throws
        -> Govcase_Gateway_V1_PluginStatus
    {
        try await withGatewayClient(host: "127.0.0.1", port: port, as: identity) { grpc in
            try await Govcase_Gateway_V1_AdapterService.Client(wrapping: grpc).describeAdapter(
                .with { $0.id = "national-platform" }
            ).plugin
        }
    }

    static func submit(
        _ client: Govcase_Gateway_V1_NationalIngestService.Client<HTTP2ClientTransport.Posix>, _ id: String
    ) async throws -> Int {
        let ack = try await client.submit(SampleRecords.nationalEvaluation(id))
        guard ack.outcome == .accepted else { throw BenchError("\(ack)") }
        return 1
    }
}

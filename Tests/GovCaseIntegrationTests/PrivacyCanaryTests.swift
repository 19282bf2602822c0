import Foundation
import GRPCCore
import GovCaseClient
import GovCaseProto
import SwiftProtobuf
import Synchronization
import GovCaseTestSupport
import Testing

/// Canaries: records whose evaluator name, phone and ID number are unique markers go through `govcase serve`
/// (logging at debug level), then every service is called as every role, including calls that fail. The markers
/// must appear nowhere but in the privacy-reader's responses: not in the log, not in any other response, error
/// message or trailer, and not in clear in the SQLite file or its write-ahead log.
@Suite(.heavy) struct PrivacyCanaryTests {
    static let name = "甄栩宁"
    static let phone = "13907310917"
    static let idNumber = "510104199003071237"
    static let markers = [name, phone, idNumber]

    static func canary(_ id: String, level: Int32 = 2, idNumber: String = idNumber) -> Govcase_Gateway_V1_NationalRecord
    {
        var record = SampleRecords.nationalEvaluation(id, level: level)
        record.evaluation.detailItems = ["等待时间过长"]
        record.evaluation.evaluator.name = name
        record.evaluation.evaluator.phone = phone
        record.evaluation.evaluator.documentType = "111"
        record.evaluation.evaluator.documentNumber = idNumber
        return record
    }

    /// Everything a caller saw, as text: messages in protobuf text format, errors with their trailers.
    final class Seen: Sendable {
        private let texts = Mutex<[String]>([])
        func add(_ message: some SwiftProtobuf.Message) { texts.withLock { $0.append(message.textFormatString()) } }
        func add(_ error: any Error) {
            var text = "\(error)"
            if let error = error as? RPCError {
                text += error.message
                for entry in error.metadata {
                    switch entry.value {
                    case .string(let value): text += "\(entry.key)=\(value)"
                    case .binary(let bytes): text += "\(entry.key)=" + String(decoding: bytes, as: UTF8.self)
                    }
                }
            }
            texts.withLock { $0.append(text) }
        }
        var all: String { texts.withLock { $0.joined(separator: "\n") } }
    }

    func calls(_ seen: Seen, _ body: () async throws -> Void) async {
        do { try await body() } catch { seen.add(error) }
    }

    @Test func markersAppearOnlyInPrivacyReaderResponses() async throws {
        let deployment = try await Deployment.make()
        let gateway = try deployment.serve(["--log-level", "debug"])
        let port = try await gateway.servingPort()
        let unprivileged = Seen()
        let privileged = Seen()
        var caseID = ""

        // The source: accepted, duplicate, other content under one revision, a bad ID number (its value must not
        // be echoed), a record outside the caller's region, a stream and a batch.
        try await withGatewayClient(
            host: "127.0.0.1", port: port, as: .development("national-sc", in: deployment.folder)
        ) {
            grpc in
            let ingest = Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc)
            let record = Self.canary("PJ-canary-1")
            let ack = try await ingest.submit(record)
            caseID = ack.caseID
            unprivileged.add(ack)
            await calls(unprivileged) { unprivileged.add(try await ingest.submit(record)) }
            await calls(unprivileged) {
                unprivileged.add(try await ingest.submit(Self.canary("PJ-canary-1", level: 1)))
            }
            await calls(unprivileged) {
                unprivileged.add(try await ingest.submit(Self.canary("PJ-canary-2", idNumber: "510104199003071238")))
            }
            var outside = Self.canary("PJ-canary-3")
            outside.evaluation.regionCode = "440305"
            await calls(unprivileged) { unprivileged.add(try await ingest.submit(outside)) }
            await calls(unprivileged) {
                try await ingest.submitStream { writer in
                    try await writer.write(
                        .with { $0.records = [Self.canary("PJ-canary-4"), Self.canary("PJ-canary-5", idNumber: "1")] })
                } onResponse: { response in
                    for try await acks in response.messages { unprivileged.add(acks) }
                }
            }
            await calls(unprivileged) {
                unprivileged.add(
                    try await ingest.submitBatch { writer in
                        try await writer.write(
                            .with { $0.records = [Self.canary("PJ-canary-6"), Self.canary("PJ-canary-7", level: 0)] })
                    })
            }
        }
        try #require(!caseID.isEmpty)

        // Readers and a handler: get, query, watch, transition, and calls that fail.
        for reader in ["national-sc", "handler-jinjiang", "hotline-tongnan", "auditor-sc"] {
            let seen = reader == "auditor-sc" ? privileged : unprivileged
            try await withGatewayClient(host: "127.0.0.1", port: port, as: .development(reader, in: deployment.folder))
            {
                grpc in
                let cases = Govcase_Gateway_V1_CaseService.Client(wrapping: grpc)
                await calls(seen) { seen.add(try await cases.getCase(.with { $0.caseID = caseID })) }
                await calls(seen) { seen.add(try await cases.queryCases(.with { $0.pageSize = 100 })) }
                await calls(seen) {
                    // A reader with nothing to see would wait forever: the deadline ends the watch.
                    var options = CallOptions.defaults
                    options.timeout = .seconds(2)
                    try await cases.watchCaseEvents(.with { $0.cursor = "0" }, options: options) { response in
                        for try await notice in response.messages {
                            seen.add(notice)
                            break
                        }
                    }
                }
                await calls(seen) {
                    seen.add(
                        try await cases.transitionCase(
                            .with {
                                $0.caseID = caseID
                                $0.action.kind = .verify
                            }))
                }
                await calls(seen) { seen.add(try await cases.transitionCase(.with { $0.caseID = caseID })) }
                let adapters = Govcase_Gateway_V1_AdapterService.Client(wrapping: grpc)
                await calls(seen) { seen.add(try await adapters.listAdapters(.init())) }
            }
        }
        gateway.send(SIGTERM)
        #expect(try await gateway.exitStatus() == 0)

        // The privacy reader did see them: the canaries were really there.
        for marker in Self.markers {
            #expect(privileged.all.contains(marker), "the privacy reader never saw \(marker)")
        }
        let database = deployment.folder.appendingPathComponent("cases.sqlite").path
        let files = [database, database + "-wal"].compactMap { FileManager.default.contents(atPath: $0) }
        try #require(!files.isEmpty)
        for marker in Self.markers {
            #expect(!unprivileged.all.contains(marker), "\(marker) reached an unprivileged caller")
            #expect(!gateway.text.contains(marker), "\(marker) is in the log")
            for file in files { #expect(file.range(of: Data(marker.utf8)) == nil, "\(marker) is in clear on disk") }
        }
        #expect(!unprivileged.all.contains("510104199003071238"), "a refused ID number was echoed")
    }
}

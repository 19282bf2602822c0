import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import GovCaseAdapters
import GovCaseClient
import GovCaseCore
import GovCasePKI
import GovCasePolicy
import GovCaseProto
import GovCaseServer
import GovCaseStore
import Logging
import SwiftProtobuf
import GovCaseTestSupport
import Testing

/// Real TLS handshakes on port 0, with certificates minted here, against the gateway's real services, store
/// and policy. Certificates the handshake rejects never reach a handler (UNAVAILABLE); certificates that
/// verify but name the wrong identity are refused by the gateway (UNAUTHENTICATED, PERMISSION_DENIED).
@Suite(.heavy) struct MutualTLSTests {
    static let trustDomain = "gov.test"
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("govcase-mtls-\(UUID())")
    let ca: CertificateAuthority
    let tls: GatewayTLS

    init() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        ca = try CertificateAuthority(commonName: "test CA")
        let server = try ca.issueServer(commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
        let folder = self.folder
        func write(_ text: String, _ name: String) throws -> String {
            let url = folder.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        tls = GatewayTLS(
            certificatePath: try write(server.certificatePEM(), "server.pem"),
            keyPath: try write(server.keyPEM(), "server-key.pem"),
            clientCAPath: try write(ca.root.certificatePEM(), "ca.pem"))
    }

    static let policy = try! AccessPolicy(
        yaml: """
            trust_domain: gov.test
            grants:
              - systems: [national-sc]
                regions: ["51"]
                adapters: [national-platform]
                roles: [submitter]
              - systems: [national-fj]
                regions: ["35"]
                adapters: [national-platform]
                roles: [submitter]
              - systems: [handler-jinjiang]
                regions: ["510104"]
                roles: [handler, reader]
              - systems: [auditor-sc]
                regions: ["51"]
                roles: [reader, privacy-reader]
              - systems: [operator-sc]
                regions: ["51"]
                roles: [admin]
            """)

    static func spiffe(_ system: String, region: String = "510000", domain: String = trustDomain) -> String {
        "spiffe://\(domain)/region/\(region)/system/\(system)"
    }

    static func evaluation(_ id: String, level: Int32 = 5, region: String = "510104")
        -> Govcase_Gateway_V1_NationalRecord
    {
        SampleRecords.nationalEvaluation(id, level: level, region: region)
    }

    /// Runs the gateway on 127.0.0.1:0 and calls `body` with a client presenting `clientCertificate`.
    func withGateway(
        client clientCertificate: IssuedCertificate?, trusting trustRoots: String? = nil,
        limits: GatewayLimits = GatewayLimits(), deadlines: RegionalDeadlinePolicies = RegionalDeadlinePolicies(),
        _ body: (Govcase_Gateway_V1_NationalIngestService.Client<HTTP2ClientTransport.Posix>) async throws -> Void
    ) async throws {
        try await withGatewayClient(
            client: clientCertificate, trusting: trustRoots, limits: limits, deadlines: deadlines
        ) { client in
            try await body(Govcase_Gateway_V1_NationalIngestService.Client(wrapping: client))
        }
    }

    func withGatewayClient(
        client clientCertificate: IssuedCertificate?, trusting trustRoots: String? = nil,
        limits: GatewayLimits = GatewayLimits(), deadlines: RegionalDeadlinePolicies = RegionalDeadlinePolicies(),
        _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Void
    ) async throws {
        try await withRunningGateway(limits: limits, deadlines: deadlines) { address in
            try await connect(to: address, as: clientCertificate, trusting: trustRoots, body)
        }
    }

    /// Runs the gateway with its real services, store and policy on 127.0.0.1:0.
    func withRunningGateway(
        limits: GatewayLimits = GatewayLimits(), deadlines: RegionalDeadlinePolicies = RegionalDeadlinePolicies(),
        _ body: (SocketAddress.IPv4) async throws -> Void
    ) async throws {
        let store = try CaseStore(
            path: folder.appendingPathComponent("cases.sqlite").path,
            vault: EvaluatorVault(key: SymmetricKey(size: .bits256)))
        let adapters = BuiltInAdapters.all()
        let pipeline = IngestPipeline(
            adapters: adapters, store: store, policy: Self.policy, deadlines: deadlines)
        let callers = CertificateCallerResolver(policy: Self.policy, logger: Logger(label: "test"))
        let services = try GatewayServer.services(
            pipeline: pipeline, adapters: adapters, limits: limits, watchPollInterval: .milliseconds(20))
        let transport = try GatewayServer.mutualTLSTransport(
            host: "127.0.0.1", port: 0, material: GatewayTLSMaterial(tls: tls, logger: Logger(label: "test")),
            limits: limits)
        let server = GatewayServer.server(transport: transport, services: services, callers: callers)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            defer { server.beginGracefulShutdown() }
            try await body(try #require(try await server.listeningAddress?.ipv4))
        }
    }

    /// A client presenting `clientCertificate` (none: a plain TLS client).
    func connect(
        to address: SocketAddress.IPv4, as clientCertificate: IssuedCertificate?, trusting trustRoots: String? = nil,
        _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Void
    ) async throws {
        let roots: [TLSConfig.CertificateSource] = [.file(path: trustRoots ?? tls.clientCAPath, format: .pem)]
        let security: HTTP2ClientTransport.Posix.TransportSecurity
        if let clientCertificate {
            security = .mTLS(
                certificateChain: [.bytes(Array(try clientCertificate.certificatePEM().utf8), format: .pem)],
                privateKey: .bytes(Array(try clientCertificate.keyPEM().utf8), format: .pem)
            ) { $0.trustRoots = .certificates(roots) }
        } else {
            security = .tls { $0.trustRoots = .certificates(roots) }
        }
        var config = HTTP2ClientTransport.Posix.Config.defaults
        config.http2.authority = "localhost"
        let transport = try HTTP2ClientTransport.Posix(
            target: .ipv4(address: address.host, port: address.port), transportSecurity: security, config: config)
        try await withGRPCClient(transport: transport) { client in try await body(client) }
    }

    func expectRefusal(
        _ certificate: IssuedCertificate?, code: RPCError.Code, containing reason: String = "",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        try await withGateway(client: certificate) { client in
            do {
                _ = try await client.submit(Self.evaluation("PJ-refused"))
                Issue.record("the call succeeded", sourceLocation: sourceLocation)
            } catch let error as RPCError {
                #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
                if !reason.isEmpty {
                    #expect(error.message.contains(reason), "\(error.message)", sourceLocation: sourceLocation)
                }
            }
        }
    }

    @Test func aValidClientSubmitsAndResubmissionIsADuplicate() async throws {
        let client = try ca.issueClient(commonName: "national-sc", uri: Self.spiffe("national-sc"))
        try await withGateway(client: client) { gateway in
            let record = Self.evaluation("PJ-1")
            let first = try await gateway.submit(record)
            #expect(first.outcome == .accepted)
            #expect(!first.caseID.isEmpty)
            let again = try await gateway.submit(record)
            #expect(again.outcome == .duplicate)
            #expect(again.caseID == first.caseID)
        }
    }

    @Test func noClientCertificateFailsTheHandshake() async throws {
        try await expectRefusal(nil, code: .unavailable)
    }

    @Test func aCertificateFromAnotherCAFailsTheHandshake() async throws {
        let stranger = try CertificateAuthority(commonName: "other CA")
        try await expectRefusal(
            try stranger.issueClient(commonName: "national-sc", uri: Self.spiffe("national-sc")), code: .unavailable)
    }

    @Test func anExpiredCertificateFailsTheHandshake() async throws {
        let expired = try ca.issueClient(
            commonName: "national-sc", uri: Self.spiffe("national-sc"),
            notBefore: Date().addingTimeInterval(-90 * 86_400), validity: 30 * 86_400)
        try await expectRefusal(expired, code: .unavailable)
    }

    @Test func aCertificateNotYetValidFailsTheHandshake() async throws {
        let early = try ca.issueClient(
            commonName: "national-sc", uri: Self.spiffe("national-sc"), notBefore: Date().addingTimeInterval(86_400))
        try await expectRefusal(early, code: .unavailable)
    }

    /// The handshake's own check (our verification callback) holds a certificate to its key usage: one issued
    /// for servers only is not a client's.
    @Test func aServerOnlyCertificateFailsTheHandshakeAsAClient() async throws {
        let server = try ca.issueServer(commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
        try await expectRefusal(server, code: .unavailable)
    }

    @Test func anotherTrustDomainIsUnauthenticated() async throws {
        let other = try ca.issueClient(commonName: "x", uri: Self.spiffe("national-sc", domain: "other.test"))
        try await expectRefusal(other, code: .unauthenticated, containing: "trust domain other.test is not gov.test")
    }

    @Test func aCertificateWithoutSPIFFEIDIsUnauthenticated() async throws {
        let plain = try ca.issueClient(commonName: "x", uri: "https://example.org/x")
        try await expectRefusal(plain, code: .unauthenticated, containing: "is not a spiffe:// id")
    }

    /// X.509-SVID: exactly one URI SAN. The first in-domain SPIFFE id among several used to win.
    @Test func aCertificateWithSeveralURISANsIsUnauthenticated() async throws {
        let several = try ca.issueClient(
            commonName: "x", uris: [Self.spiffe("national-sc"), Self.spiffe("national-sc", region: "510105")])
        try await expectRefusal(several, code: .unauthenticated, containing: "the certificate has 2 URI SANs")
    }

    @Test func anIdentityOutsideItsGrantedRegionIsDenied() async throws {
        let shenzhen = try ca.issueClient(commonName: "x", uri: Self.spiffe("national-sc", region: "440300"))
        try await expectRefusal(
            shenzhen, code: .permissionDenied, containing: "region 440300 of national-sc is outside its grant")
    }

    @Test func submittingForARegionOutsideTheGrantIsDenied() async throws {
        let client = try ca.issueClient(commonName: "national-sc", uri: Self.spiffe("national-sc"))
        try await withGateway(client: client) { gateway in
            await #expect {
                _ = try await gateway.submit(Self.evaluation("PJ-cq", region: "500151"))
            } throws: { ($0 as? RPCError)?.code == .permissionDenied }
        }
    }

    @Test func fieldViolationsAreInvalidArgumentWithStructuredDetails() async throws {
        let client = try ca.issueClient(commonName: "national-sc", uri: Self.spiffe("national-sc"))
        try await withGateway(client: client) { gateway in
            do {
                _ = try await gateway.submit(Self.evaluation("PJ-bad", level: 7))
                Issue.record("accepted a level of 7")
            } catch let error as RPCError {
                #expect(error.code == .invalidArgument)
                #expect(error.message.contains("level: level: "))
                let bytes = try #require(
                    error.metadata[binaryValues: "govcase-rejection-bin"].first(where: { _ in true }))
                let rejection = try Govcase_Core_V1_Rejection(serializedBytes: bytes)
                #expect(rejection.violations.map { "\($0.field) \($0.rule)" } == ["level level"])
                // The same, in gRPC's standard rich error model (grpc-status-details-bin).
                let status = try #require(try error.unpackGoogleRPCStatus())
                #expect(status.code == .invalidArgument && status.message == error.message)
                let badRequest = try #require(status.details.first?.badRequest, "no google.rpc.BadRequest")
                #expect(badRequest.violations.map(\.field) == ["level"])
                #expect(badRequest.violations.allSatisfy { $0.violationDescription.hasPrefix("level: ") })
                // The rule travels as the violation's reason, not only inside the description text.
                #expect(badRequest.violations.map(\.reason) == ["LEVEL"])
            }
        }
    }

    /// A record marked as a default rating (evaluation type 2) must have its region's default level and come after
    /// its region's delay (POLICY.md §2). Fujian (35…) is configured as 非常满意 after 2 natural days; the caller sees
    /// INVALID_ARGUMENT naming the core field and the setting, and nothing is stored.
    @Test func aDefaultRatingThatDisagreesWithItsRegionIsRefusedNamingTheSetting() async throws {
        var fujian = DeadlinePolicy.standard
        fujian.defaultRating = .naturalDays(2)
        fujian.defaultRatingLevel = .verySatisfied
        let deadlines = RegionalDeadlinePolicies(byRegionPrefix: ["35": fujian])
        let client = try ca.issueClient(commonName: "national-fj", uri: Self.spiffe("national-fj", region: "350100"))
        func defaulted(_ id: String, level: Int32, daysAfterCompletion: Double) -> Govcase_Gateway_V1_NationalRecord {
            var record = SampleRecords.nationalEvaluation(id, level: level, region: "350102")
            record.evaluation.evaluationType = "2"
            let rated = record.evaluation.evaluatedAt.date
            record.evaluation.matterCompletedAt = .init(date: rated.addingTimeInterval(-daysAfterCompletion * 86_400))
            return record
        }
        try await withGateway(client: client, deadlines: deadlines) { gateway in
            let ack = try await gateway.submit(defaulted("PJ-fj-default", level: 5, daysAfterCompletion: 3))
            #expect(ack.outcome == .accepted, "非常满意 three days after completion: Fujian's rule")
            for (id, level, days, field) in [
                // The sender's own field names (violation.proto), not the core case's.
                ("PJ-fj-level", Int32(3), 3.0, "level"), ("PJ-fj-early", 5, 0.5, "evaluated_at"),
            ] {
                do {
                    _ = try await gateway.submit(defaulted(id, level: level, daysAfterCompletion: days))
                    Issue.record("\(id) accepted")
                } catch let error as RPCError {
                    #expect(error.code == .invalidArgument)
                    let bytes = try #require(
                        error.metadata[binaryValues: "govcase-rejection-bin"].first(where: { _ in true }))
                    let rejection = try Govcase_Core_V1_Rejection(serializedBytes: bytes)
                    #expect(rejection.violations.map { "\($0.field) \($0.rule)" } == ["\(field) inconsistent"])
                    #expect(error.message.contains("deadlines.default_rating"), "\(error.message)")
                }
            }
        }
    }

    @Test func aBatchStoresTheGoodRecordsAndReportsTheBadOneByIndex() async throws {
        let client = try ca.issueClient(commonName: "national-sc", uri: Self.spiffe("national-sc"))
        try await withGateway(client: client) { gateway in
            let summary = try await gateway.submitBatch { writer in
                try await writer.write(
                    .with { $0.records = [Self.evaluation("PJ-b1"), Self.evaluation("PJ-b2", level: 0)] })
                try await writer.write(.with { $0.records = [Self.evaluation("PJ-b3")] })
            }
            #expect(summary.accepted == 2 && summary.rejected == 1)
            #expect(summary.acks.map(\.index) == [0, 1, 2])
            #expect(summary.acks[1].outcome == .rejected)
            #expect(summary.acks[1].rejection.violations.map(\.field) == ["level"])
            // A record refused before the store is still named by its external id.
            #expect(summary.acks.map(\.externalID) == ["PJ-b1", "PJ-b2", "PJ-b3"])
        }
    }

    /// A long client stream's summary stays bounded: every record's ack among the first 1,000, then only the
    /// rejected ones; the counts cover every record and `acks_omitted` says how many acks were left out.
    @Test func aLongBatchSummaryIsBoundedAndKeepsTheRejections() async throws {
        let client = try ca.issueClient(commonName: "national-sc", uri: Self.spiffe("national-sc"))
        try await withGateway(client: client) { gateway in
            let summary = try await gateway.submitBatch { writer in
                for message in 0..<5 {
                    let records = (0..<500).map { n in
                        let index = message * 500 + n
                        // Every 100th record is refused (level 0): indexes 0, 100, ..., 2400.
                        return Self.evaluation("PJ-long-\(index)", level: index % 100 == 0 ? 0 : 5)
                    }
                    try await writer.write(.with { $0.records = records })
                }
            }
            #expect(summary.accepted == 2_475 && summary.rejected == 25)
            let rejectedAfterTheFirstThousand = summary.acks.filter { $0.index >= 1_000 }
            #expect(summary.acks.count == 1_000 + 15)
            #expect(rejectedAfterTheFirstThousand.allSatisfy { $0.outcome == .rejected })
            #expect(rejectedAfterTheFirstThousand.map(\.externalID).first == "PJ-long-1000")
            #expect(summary.acksOmitted == 2_500 - 1_015)
        }
    }

    /// 0.4 MB of empty `detail_items` (200,000 items) once held a core for 40 s; 1,000 bad items made 32 KB of
    /// trailers that grpcio could not read. The first is refused up front naming the field, the second lists
    /// the first violations and counts the rest; a valid record sent meanwhile is stored.
    @Test func recordsWithTooManyItemsAreRefusedQuicklyAndRefusalsStaySmall() async throws {
        let client = try ca.issueClient(commonName: "national-sc", uri: Self.spiffe("national-sc"))
        try await withGateway(client: client) { gateway in
            var flood = Self.evaluation("PJ-flood", level: 1)
            flood.evaluation.detailItems = Array(repeating: "", count: 200_000)
            var many = Self.evaluation("PJ-many", level: 1)
            many.evaluation.detailItems = Array(repeating: "", count: 1_000)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let ack = try await gateway.submit(Self.evaluation("PJ-meanwhile"))
                    #expect(ack.outcome == .accepted)
                }
                do {
                    _ = try await gateway.submit(flood)
                    Issue.record("200,000 items were accepted")
                } catch let error as RPCError {
                    #expect(error.code == .invalidArgument)
                    #expect(error.message.contains("detail_items: max_items"), "\(error.message)")
                }
                do {
                    _ = try await gateway.submit(many)
                    Issue.record("1,000 empty items were accepted")
                } catch let error as RPCError {
                    #expect(error.code == .invalidArgument)
                    let rejection = try Govcase_Core_V1_Rejection(
                        serializedBytes: Array(
                            error.metadata[binaryValues: "govcase-rejection-bin"].first { _ in true } ?? []))
                    #expect(rejection.violations.count == 16)
                    #expect(rejection.violations.last?.rule == "truncated")
                    #expect(rejection.violations.last?.message.hasPrefix("985 more violations") == true)
                    let trailerBytes =
                        error.metadata.reduce(0) { total, entry in
                            switch entry.value {
                            case .string(let text): total + entry.key.utf8.count + text.utf8.count
                            case .binary(let bytes): total + entry.key.utf8.count + (bytes.count * 4 + 2) / 3
                            }
                        } + error.message.utf8.count
                    #expect(trailerBytes < 8_192, "\(trailerBytes) bytes of trailers")
                }
                try await group.waitForAll()
            }
        }
    }

    /// The same revision with other content was acknowledged DUPLICATE and lost; the sender now learns of it.
    @Test func theSameRevisionWithOtherContentIsAlreadyExists() async throws {
        let client = try ca.issueClient(commonName: "national-sc", uri: Self.spiffe("national-sc"))
        try await withGateway(client: client) { gateway in
            let record = Self.evaluation("PJ-x", level: 5)
            let first = try await gateway.submit(record)
            #expect(first.outcome == .accepted)
            do {
                _ = try await gateway.submit(Self.evaluation("PJ-x", level: 1))
                Issue.record("other content under the same revision was acknowledged")
            } catch let error as RPCError {
                #expect(error.code == .alreadyExists)
                #expect(error.message.contains("a correction needs a revision higher than 1"), "\(error.message)")
            }
            #expect(try await gateway.submit(record).outcome == .duplicate)
        }
    }

    @Test func aStreamAcknowledgesEachRecordByExternalID() async throws {
        let client = try ca.issueClient(commonName: "national-sc", uri: Self.spiffe("national-sc"))
        try await withGateway(client: client) { gateway in
            try await gateway.submitStream { writer in
                for i in 0..<3 { try await writer.write(.with { $0.records = [Self.evaluation("PJ-s\(i)")] }) }
            } onResponse: { response in
                var ids: [String] = []
                for try await acks in response.messages { ids += acks.acks.map(\.externalID) }
                #expect(ids == ["PJ-s0", "PJ-s1", "PJ-s2"])
            }
        }
    }

    @Test func theGenericServiceTakesAnyAdaptersRecordAndExplainsRefusals() async throws {
        let client = try ca.issueClient(commonName: "national-sc", uri: Self.spiffe("national-sc"))
        try await withGatewayClient(client: client) { grpc in
            let generic = Govcase_Gateway_V1_GenericIngestService.Client(wrapping: grpc)
            func record(_ adapter: String, _ message: any SwiftProtobuf.Message) throws
                -> Govcase_Gateway_V1_GenericRecord
            {
                var record = Govcase_Gateway_V1_GenericRecord()
                record.adapterID = adapter
                record.record = try Google_Protobuf_Any(message: message)
                return record
            }
            let evaluation = Self.evaluation("PJ-any").evaluation
            #expect(try await generic.submit(try record("national-platform", evaluation)).outcome == .accepted)
            let refusals: [(Govcase_Gateway_V1_GenericRecord, RPCError.Code, String)] = [
                (try record("provincial-x", evaluation), .notFound, "unknown adapter \"provincial-x\""),
                (
                    try record("national-platform", Govcase_Sources_Hotline12345_V1_WorkOrder()), .invalidArgument,
                    "does not accept \"govcase.sources.hotline12345.v1.WorkOrder\""
                ),
                (
                    try record("hotline-12345", Govcase_Sources_Hotline12345_V1_WorkOrder()), .permissionDenied,
                    "may not submit to adapter hotline-12345"
                ),
            ]
            for (request, code, reason) in refusals {
                await #expect {
                    _ = try await generic.submit(request)
                } throws: { error in
                    guard let error = error as? RPCError else { return false }
                    return error.code == code && error.message.contains(reason)
                }
            }
        }
    }

    @Test func aBatchOverTheLimitIsResourceExhaustedAndAnOversizedMessageToo() async throws {
        let client = try ca.issueClient(commonName: "national-sc", uri: Self.spiffe("national-sc"))
        var limits = GatewayLimits()
        limits.maxBatchRecords = 2
        limits.maxMessageBytes = 4096
        try await withGateway(client: client, limits: limits) { gateway in
            await #expect {
                _ = try await gateway.submitBatch { writer in
                    try await writer.write(.with { $0.records = (0..<3).map { Self.evaluation("PJ-l\($0)") } })
                }
            } throws: { ($0 as? RPCError)?.code == .resourceExhausted }
            var big = Self.evaluation("PJ-big")
            big.evaluation.text = String(repeating: "长", count: 1800)  // about 5.4 KB: over 4 KB, under the hard cap
            // The size the caller is told is the message's size on the wire, as its own serialization gives it.
            let size = try (big.serializedBytes() as [UInt8]).count
            await #expect {
                _ = try await gateway.submit(big)
            } throws: {
                ($0 as? RPCError)?.code == .resourceExhausted
                    && ($0 as? RPCError)?.message == "the message is \(size) bytes; at most 4096 are allowed"
            }
            let batch = Govcase_Gateway_V1_NationalBatch.with { $0.records = [big] }
            let batchSize = try (batch.serializedBytes() as [UInt8]).count
            await #expect {
                _ = try await gateway.submitBatch { writer in try await writer.write(batch) }
            } throws: {
                ($0 as? RPCError)?.code == .resourceExhausted
                    && ($0 as? RPCError)?.message == "the message is \(batchSize) bytes; at most 4096 are allowed"
            }
        }
    }
}

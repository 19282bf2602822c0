import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import GovCaseClient
import GovCasePKI
import GovCaseProto
import SwiftProtobuf
import Synchronization
import X509

/// The receiver role: an implementation of `govcase.gateway.v1` ingest (an upper-level platform, or a
/// gateway), reached over mutual TLS as a source system would reach it.
public struct ReceiverChecks: Sendable {
    public static let ids = [
        "receiver.health.serving", "receiver.reflection.lists-ingest", "receiver.interop.unimplemented-service",
        "receiver.interop.unimplemented-method", "receiver.interop.empty-stream", "receiver.interop.cancel-after-begin",
        "receiver.mtls.no-client-certificate", "receiver.mtls.unknown-ca", "receiver.mtls.expired-certificate",
        "receiver.mtls.several-uri-sans", "receiver.mtls.wrong-trust-domain", "receiver.plaintext.refused",
        "receiver.ingest.accepted-and-read-back", "receiver.idempotency.same-record-twice",
        "receiver.idempotency.same-revision-other-content", "receiver.errors.bad-record",
        "receiver.stream.acks-in-order", "receiver.interop.client-streaming",
        "receiver.interop.cancel-after-first-response", "receiver.deadline.honoured",
        "receiver.ingest.every-field-read-back", "receiver.idempotency.revisions-in-either-order",
        "receiver.ingest.ack-external-id", "receiver.stream.bad-record-alone", "receiver.grant.outside-region-refused",
        "receiver.identity.from-certificate-only", "receiver.privacy.masked-for-reader",
        "receiver.durability.survives-restart",
    ]

    /// A client identity as PEM text.
    public struct Identity: Sendable {
        public var certificatePEM: String
        public var keyPEM: String
        public init(certificatePEM: String, keyPEM: String) {
            self.certificatePEM = certificatePEM
            self.keyPEM = keyPEM
        }
    }

    let host: String
    let port: Int
    /// The CA bundle the target's certificate chains to, PEM.
    let serverTrustPEM: String
    let serverName: String
    /// The source system's identity: it must be granted the national-platform adapter, region 51, and the
    /// reader role (for read-backs).
    let submitter: Identity
    /// A CA the target trusts for this session, to mint the certificates the mTLS cases need; without one
    /// those cases are skipped.
    let testCA: CertificateAuthority?
    /// The submitter's SPIFFE id, which minted certificates vary.
    let submitterID: String?
    let run = String(UUID().uuidString.prefix(8))
    /// A region the submitter is not granted (`--outside-region`): records for it must be refused.
    public var outsideRegion = "110101"
    /// A shell command that restarts the receiver (`--restart-command`), for the durability case; without one that
    /// case is skipped.
    public var restartCommand: String?

    public init(
        host: String, port: Int, serverTrustPEM: String, serverName: String, submitter: Identity?,
        testCA: CertificateAuthority?, submitterID: String?
    ) throws {
        self.host = host
        self.port = port
        self.serverTrustPEM = serverTrustPEM
        self.serverName = serverName
        self.testCA = testCA
        self.submitterID = submitterID
        if let submitter {
            self.submitter = submitter
        } else if let testCA, let submitterID {
            let issued = try testCA.issueClient(commonName: "conformance-submitter", uri: submitterID)
            self.submitter = Identity(certificatePEM: try issued.certificatePEM(), keyPEM: try issued.keyPEM())
        } else {
            throw ConformanceError(
                "the receiver role needs a submitter identity: its certificate and key, or a test CA and --submitter")
        }
    }

    public var target: String { "receiver at \(host):\(port) (TLS server name \(serverName))" }

    public func run(_ runner: ConformanceRunner) async -> [CaseResult] {
        await runner.run(role: "receiver", checks: checks)
    }

    // MARK: Connections

    enum Security { case identity(Identity), noCertificate, plaintext }

    func connect<T: Sendable>(
        _ security: Security, _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> T
    ) async throws -> T {
        var config = HTTP2ClientTransport.Posix.Config.defaults
        config.http2.authority = serverName
        let trust: [TLSConfig.CertificateSource] = [.bytes(Array(serverTrustPEM.utf8), format: .pem)]
        let security: HTTP2ClientTransport.Posix.TransportSecurity =
            switch security {
            case .identity(let identity):
                .mTLS(
                    certificateChain: [.bytes(Array(identity.certificatePEM.utf8), format: .pem)],
                    privateKey: .bytes(Array(identity.keyPEM.utf8), format: .pem)
                ) { $0.trustRoots = .certificates(trust) }
            case .noCertificate:
                .tls { $0.trustRoots = .certificates(trust) }
            case .plaintext: .plaintext
            }
        let transport = try HTTP2ClientTransport.Posix(
            target: .ipv4(address: host, port: port), transportSecurity: security, config: config)
        return try await withGRPCClient(transport: transport, interceptors: [WireTraceInterceptor()]) {
            try await body($0)
        }
    }

    func national<T: Sendable>(
        _ security: Security? = nil,
        _ body: (Govcase_Gateway_V1_NationalIngestService.Client<HTTP2ClientTransport.Posix>) async throws -> T
    ) async throws -> T {
        try await connect(security ?? .identity(submitter)) { try await body(.init(wrapping: $0)) }
    }

    func record(_ name: String, level: Int32 = 5) -> Govcase_Gateway_V1_NationalRecord {
        SampleRecords.nationalEvaluation("CONF-\(run)-\(name)", level: level)
    }

    /// A caller the receiver must refuse: the submitter's own identity is accepted first (a receiver that refuses
    /// everyone proves nothing), then a submit of a new record with `security` must end in a failed TLS handshake
    /// or `UNAUTHENTICATED` / `PERMISSION_DENIED`. Any other status (`INVALID_ARGUMENT`, `INTERNAL`) blames the
    /// record for what is the caller's fault, and fails the case.
    func mustBeRefused(_ security: Security, what: String) async -> CheckResult {
        var options = CallOptions.defaults
        options.timeout = .seconds(10)
        let good = record("accepted-before-refusal-\(UUID().uuidString.prefix(6))")
        do {
            let ack = try await national { try await $0.submit(good, options: options) }
            guard ack.outcome == .accepted else {
                return .fail(
                    "the submitter's own certificate, which must be accepted, was acknowledged \(ack.outcome); "
                        + "a refusal of \(what) proves nothing then")
            }
        } catch {
            return .fail(
                "the submitter's own certificate, which must be accepted, was refused (\(Self.describe(error))); "
                    + "a refusal of \(what) proves nothing then")
        }
        do {
            let ack = try await national(security) {
                try await $0.submit(record("refused-\(UUID().uuidString.prefix(6))"), options: options)
            }
            return .fail("\(what): the record was acknowledged \(ack.outcome) (case \(ack.caseID))")
        } catch let error as RPCError where error.code == .unauthenticated || error.code == .permissionDenied {
            return .pass("the submitter accepted; \(what): refused, \(Self.describe(error))")
        } catch let error as RPCError where Self.isConnectionFailure(error) {
            return .pass("the submitter accepted; \(what): the handshake failed (\(Self.describe(error)))")
        } catch {
            return .fail(
                "\(what): refused \(Self.describe(error)); expected a failed TLS handshake, UNAUTHENTICATED or "
                    + "PERMISSION_DENIED (a refusal of the caller, not of the record)")
        }
    }

    /// The call never reached a server's handler: the connection (TCP, TLS, the HTTP/2 preface) could not be made.
    /// grpc-swift reports that as `UNAVAILABLE` with the transport's own message and cause; a status a server
    /// answers has no cause.
    static func isConnectionFailure(_ error: RPCError) -> Bool {
        error.code == .unavailable
            && (error.cause != nil || error.message.hasPrefix("The server accepted the TCP connection")
                || error.message.hasPrefix("Could not establish a connection"))
    }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? RPCError else { return "\(error)" }
        let code = Self.statusName(error.code)
        return "\(code) \"\(error.message.prefix(160))\""
    }

    /// A status code as gRPC names it: `INVALID_ARGUMENT`.
    static func statusName(_ code: RPCError.Code) -> String {
        let names = [
            "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
            "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
            "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
        ]
        return names.indices.contains(code.rawValue) ? names[code.rawValue] : "\(code)"
    }

    func minted(
        _ uris: [String], notBefore: Date = Date(), validity: TimeInterval = 86_400, by ca: CertificateAuthority? = nil
    ) throws -> Security? {
        guard let ca = ca ?? testCA else { return nil }
        let issued = try ca.issueClient(
            commonName: "conformance-case", uris: uris, notBefore: notBefore, validity: validity)
        return .identity(Identity(certificatePEM: try issued.certificatePEM(), keyPEM: try issued.keyPEM()))
    }

    // MARK: Cases

    var checks: [String: @Sendable () async -> CheckResult] {
        let noCA = CheckResult.skip("needs a test CA the target trusts (--test-ca-cert, --test-ca-key) and --submitter")
        return [
            "receiver.health.serving": {
                do {
                    let status = try await connect(.identity(submitter)) {
                        try await Grpc_Health_V1_Health.Client(wrapping: $0).check(.init()).status
                    }
                    return status == .serving ? .pass("SERVING") : .fail("health says \(status)")
                } catch { return .fail("\(error)") }
            },
            "receiver.reflection.lists-ingest": {
                do {
                    var services = try await listServices(alpha: false)
                    var version = "v1"
                    if services == nil {  // v1 unimplemented: ask v1alpha, as grpcurl does
                        services = try await listServices(alpha: true)
                        version = "v1alpha"
                    }
                    guard let services else { return .fail("neither grpc.reflection.v1 nor v1alpha is served") }
                    return services.contains("govcase.gateway.v1.NationalIngestService")
                        ? .pass("\(services.count) services listed (reflection \(version))")
                        : .fail("listed: \(services.joined(separator: ", "))")
                } catch { return .fail("\(error)") }
            },
            "receiver.interop.unimplemented-service": {
                await expectUnimplemented(service: "govcase.conformance.v1.NoSuchService", method: "Call")
            },
            "receiver.interop.unimplemented-method": {
                await expectUnimplemented(service: "govcase.gateway.v1.NationalIngestService", method: "NoSuchMethod")
            },
            "receiver.interop.empty-stream": {
                do {
                    let count = try await national {
                        try await $0.submitStream(requestProducer: { _ in }) { response in
                            try await response.messages.reduce(0) { count, _ in count + 1 }
                        }
                    }
                    return count == 0
                        ? .pass("OK with no acknowledgement") : .fail("\(count) messages for an empty stream")
                } catch { return .fail("\(error)") }
            },
            "receiver.interop.cancel-after-begin": {
                let stream = Task {
                    try await national {
                        try await $0.submitStream(requestProducer: { _ in try await Task.sleep(for: .seconds(60)) }) {
                            response in
                            for try await _ in response.messages {}
                        }
                    }
                }
                try? await Task.sleep(for: .milliseconds(200))
                stream.cancel()
                _ = try? await stream.value
                do {
                    let status = try await connect(.identity(submitter)) {
                        try await Grpc_Health_V1_Health.Client(wrapping: $0).check(.init()).status
                    }
                    return status == .serving
                        ? .pass("serving after a cancelled stream") : .fail("health says \(status)")
                } catch { return .fail("after a cancelled stream: \(error)") }
            },
            "receiver.mtls.no-client-certificate": {
                await mustBeRefused(.noCertificate, what: "no client certificate")
            },
            "receiver.mtls.unknown-ca": {
                do {
                    let stranger = try CertificateAuthority(commonName: "conformance stranger CA")
                    let uri = submitterID ?? "spiffe://unknown.example/region/510000/system/stranger"
                    return await mustBeRefused(
                        try minted([uri], by: stranger)!, what: "a certificate from an unknown CA")
                } catch { return .fail("could not mint: \(error)") }
            },
            "receiver.mtls.expired-certificate": {
                guard let submitterID,
                    let security = try? minted(
                        [submitterID], notBefore: Date().addingTimeInterval(-2 * 86_400), validity: 86_400 - 120)
                else { return noCA }
                return await mustBeRefused(security, what: "an expired certificate")
            },
            "receiver.mtls.several-uri-sans": {
                guard let submitterID, let security = try? minted([submitterID, submitterID + "-twin"]) else {
                    return noCA
                }
                return await mustBeRefused(security, what: "two URI SANs")
            },
            "receiver.mtls.wrong-trust-domain": {
                guard let submitterID, let url = URL(string: submitterID), let host = url.host,
                    let security = try? minted([
                        submitterID.replacingOccurrences(of: "spiffe://\(host)", with: "spiffe://elsewhere.example")
                    ])
                else { return noCA }
                return await mustBeRefused(security, what: "another trust domain")
            },
            "receiver.plaintext.refused": {
                await mustBeRefused(.plaintext, what: "plaintext HTTP/2")
            },
            "receiver.ingest.accepted-and-read-back": {
                do {
                    let sent = record("read-back")
                    let ack = try await national { try await $0.submit(sent) }
                    guard ack.outcome == .accepted, !ack.caseID.isEmpty else {
                        return .fail("acknowledged \(ack.outcome), case id \"\(ack.caseID)\"")
                    }
                    let stored = try await readBack(ack.caseID)
                    return stored.source.externalID == sent.evaluation.evaluationID
                        ? .pass("ACCEPTED as \(ack.caseID) and read back")
                        : .fail("case \(ack.caseID) reads back external id \"\(stored.source.externalID)\"")
                } catch { return .fail("\(error)") }
            },
            "receiver.idempotency.same-record-twice": {
                do {
                    let sent = record("twice")
                    let (first, second) = try await national { (try await $0.submit(sent), try await $0.submit(sent)) }
                    guard first.outcome == .accepted else { return .fail("first: \(first.outcome)") }
                    guard second.outcome == .duplicate, second.caseID == first.caseID else {
                        return .fail("second: \(second.outcome), case \(second.caseID) (first \(first.caseID))")
                    }
                    return .pass("ACCEPTED, then DUPLICATE of \(first.caseID)")
                } catch { return .fail("\(error)") }
            },
            "receiver.idempotency.same-revision-other-content": {
                do {
                    let first = record("conflict", level: 5)
                    var other = first
                    other.evaluation.level = 4
                    let ack = try await national { try await $0.submit(first) }
                    guard ack.outcome == .accepted else { return .fail("first: \(ack.outcome)") }
                    do {
                        let again = try await national { try await $0.submit(other) }
                        return .fail("other content with the same revision was acknowledged \(again.outcome)")
                    } catch let error as RPCError where error.code == .alreadyExists {
                        let stored = try await readBack(ack.caseID)
                        return stored.evaluation.level == .verySatisfied
                            ? .pass("ALREADY_EXISTS; the stored case keeps the first content")
                            : .fail("ALREADY_EXISTS, but the stored level is now \(stored.evaluation.level)")
                    } catch let error as RPCError {
                        return .fail("refused \(error.code), expected ALREADY_EXISTS")
                    }
                } catch { return .fail("\(error)") }
            },
            "receiver.errors.bad-record": {
                do {
                    let ack = try await national { try await $0.submit(record("bad-level", level: 7)) }
                    return .fail("a level of 7 was acknowledged \(ack.outcome)")
                } catch let error as RPCError {
                    guard error.code == .invalidArgument else {
                        return .fail("refused \(error.code), expected INVALID_ARGUMENT")
                    }
                    guard let status = try? error.unpackGoogleRPCStatus() else {
                        return .fail("no google.rpc.Status in grpc-status-details-bin")
                    }
                    let fields = status.details.compactMap(\.badRequest).flatMap(\.violations).map(\.field)
                    return fields.contains("level")
                        ? .pass("INVALID_ARGUMENT with BadRequest naming \(fields.joined(separator: ", "))")
                        : .fail("BadRequest names [\(fields.joined(separator: ", "))], not level")
                } catch { return .fail("\(error)") }
            },
            "receiver.stream.acks-in-order": {
                do {
                    let messages = try await national { client in
                        try await client.submitStream(requestProducer: { writer in
                            for m in 0..<3 {
                                try await writer.write(
                                    .with { $0.records = (0..<5).map { self.record("order-\(m)-\($0)") } })
                            }
                        }) { response in
                            try await response.messages.reduce(into: [[Govcase_Gateway_V1_RecordAck]]()) {
                                $0.append($1.acks)
                            }
                        }
                    }
                    let indexes = messages.flatMap { $0.map(\.index) }
                    guard messages.count == 3, messages.allSatisfy({ $0.count == 5 }) else {
                        return .fail(
                            "\(messages.count) acknowledgement messages of \(messages.map(\.count)) acks; expected 3 of 5"
                        )
                    }
                    guard indexes == (0..<15).map(UInt64.init) else { return .fail("indexes \(indexes)") }
                    let refused = messages.flatMap { $0 }.filter { $0.outcome != .accepted }
                    return refused.isEmpty
                        ? .pass("3 messages of 5 acks, indexes 0–14 in order")
                        : .fail("\(refused.count) records not accepted: \(refused[0].errorMessage)")
                } catch { return .fail("\(error)") }
            },
            "receiver.interop.client-streaming": {
                do {
                    let summary = try await national { client in
                        try await client.submitBatch(requestProducer: { writer in
                            for m in 0..<3 {
                                try await writer.write(
                                    .with { $0.records = (0..<2).map { self.record("batch-\(m)-\($0)") } })
                            }
                        }) { try $0.message }
                    }
                    let indexes = summary.acks.map(\.index)
                    guard summary.accepted == 6, summary.duplicates == 0, summary.rejected == 0 else {
                        return .fail(
                            "summary: \(summary.accepted) accepted, \(summary.duplicates) duplicates, "
                                + "\(summary.rejected) rejected; expected 6 accepted")
                    }
                    guard indexes == (0..<6).map(UInt64.init) else { return .fail("ack indexes \(indexes)") }
                    let stored = try await readBack(summary.acks[5].caseID)
                    return stored.source.externalID == "CONF-\(run)-batch-2-1"
                        ? .pass("one summary: 6 accepted, acks 0–5 in order, the last read back")
                        : .fail("the last ack's case reads back \"\(stored.source.externalID)\"")
                } catch { return .fail("\(error)") }
            },
            "receiver.interop.cancel-after-first-response": {
                // A stream cancelled by the client right after its first acknowledgement: what was acknowledged
                // stays stored, and the receiver serves the next call.
                let first = Shared<Govcase_Gateway_V1_RecordAck?>(nil)
                _ = try? await national { client in
                    try await client.submitStream(requestProducer: { writer in
                        try await writer.write(.with { $0.records = [self.record("cancel-after-first")] })
                        try await Task.sleep(for: .seconds(60))
                    }) { response in
                        for try await message in response.messages {
                            first.set(message.acks.first)
                            throw CancellationError()  // leaving the handler cancels the call
                        }
                    }
                }
                guard let ack = first.value else { return .fail("no acknowledgement came before the cancellation") }
                guard ack.outcome == .accepted else { return .fail("the first record was acknowledged \(ack.outcome)") }
                do {
                    let stored = try await readBack(ack.caseID)
                    return stored.source.externalID == "CONF-\(run)-cancel-after-first"
                        ? .pass("cancelled after the first ACCEPTED; the record reads back and the next call is served")
                        : .fail("case \(ack.caseID) reads back \"\(stored.source.externalID)\"")
                } catch { return .fail("after a cancelled stream: \(error)") }
            },
            "receiver.ingest.every-field-read-back": {
                do {
                    let sent = ReceiverRecords.everyField("CONF-\(run)-every-field")
                    let ack = try await national { try await $0.submit(sent) }
                    guard ack.outcome == .accepted, !ack.caseID.isEmpty else {
                        return .fail(
                            "the record with every field set was acknowledged \(ack.outcome) "
                                + "\(ack.errorMessage)\(ack.rejection.violations.map { " \($0.field) \($0.rule)" }.joined()); "
                                + "expected ACCEPTED")
                    }
                    let lost = try Self.fieldsLost(sent: sent.evaluation, stored: try await readBack(ack.caseID))
                    return lost.isEmpty
                        ? .pass("every field sent reads back from case \(ack.caseID)")
                        : .fail(
                            "expected every field sent to read back; case \(ack.caseID) differs in \(lost.count) field(s): "
                                + lost.prefix(8).joined(separator: "; "))
                } catch { return .fail("\(error)") }
            },
            "receiver.idempotency.revisions-in-either-order": {
                do { return try await revisionsInEitherOrder() } catch { return .fail("\(error)") }
            },
            "receiver.ingest.ack-external-id": {
                do { return try await ackExternalIDs() } catch { return .fail("\(error)") }
            },
            "receiver.stream.bad-record-alone": {
                do { return try await badRecordAlone() } catch { return .fail("\(error)") }
            },
            "receiver.grant.outside-region-refused": {
                do { return try await outsideRegionRefused() } catch { return .fail("\(error)") }
            },
            "receiver.identity.from-certificate-only": {
                do { return try await identityFromCertificateOnly() } catch { return .fail("\(error)") }
            },
            "receiver.privacy.masked-for-reader": {
                do { return try await maskedForReader() } catch { return .fail("\(error)") }
            },
            "receiver.durability.survives-restart": {
                do { return try await survivesRestart() } catch { return .fail("\(error)") }
            },
            "receiver.deadline.honoured": {
                // grpc-timeout is sent as metadata and the kit keeps no deadline of its own, so what ends the call
                // is the receiver's enforcement alone (gRPC's timeout_on_sleeping_server, on a stream left open).
                let started = ContinuousClock.now
                let ended = await within(.seconds(10)) { () async -> Result<Int, any Error> in
                    do {
                        let acks = try await self.national { client in
                            try await client.submitStream(
                                metadata: ["grpc-timeout": "300m"],
                                requestProducer: { writer in
                                    try await writer.write(.with { $0.records = [self.record("deadline")] })
                                    try await Task.sleep(for: .seconds(60))
                                }
                            ) { response in try await response.messages.reduce(0) { $0 + $1.acks.count } }
                        }
                        return .success(acks)
                    } catch { return .failure(error) }
                }
                let elapsed = ContinuousClock.now - started
                switch ended {
                case nil:
                    return .fail("the stream was still open 10 s after its 300 ms deadline (grpc-timeout: 300m)")
                case .success(let acks)?:
                    return .fail("the stream ended OK (\(acks) acks) while the client was still sending, at \(elapsed)")
                case .failure(let error as RPCError)? where error.code == .deadlineExceeded:
                    return .pass("DEADLINE_EXCEEDED after \(elapsed.formatted(.units(allowed: [.milliseconds])))")
                case .failure(let error as RPCError)?:
                    return .fail(
                        "ended \(error.code) \"\(error.message)\" after \(elapsed), expected DEADLINE_EXCEEDED")
                case .failure(let error)?:
                    return .fail("\(error)")
                }
            },
        ]
    }

    /// The services reflection lists; nil when that version of reflection is unimplemented.
    func listServices(alpha: Bool) async throws -> [String]? {
        do {
            return try await connect(.identity(submitter)) { grpc in
                if alpha {
                    return try await Grpc_Reflection_V1alpha_ServerReflection.Client(wrapping: grpc)
                        .serverReflectionInfo(
                            requestProducer: { try await $0.write(.with { $0.listServices = "" }) }
                        ) { response in
                            for try await message in response.messages {
                                return message.listServicesResponse.service.map(\.name)
                            }
                            return []
                        }
                }
                return try await Grpc_Reflection_V1_ServerReflection.Client(wrapping: grpc).serverReflectionInfo(
                    requestProducer: { try await $0.write(.with { $0.listServices = "" }) }
                ) { response in
                    for try await message in response.messages {
                        return message.listServicesResponse.service.map(\.name)
                    }
                    return []
                }
            }
        } catch let error as RPCError where error.code == .unimplemented {
            return nil
        }
    }

    func readBack(_ caseID: String) async throws -> Govcase_Core_V1_Case {
        try await connect(.identity(submitter)) {
            try await Govcase_Gateway_V1_CaseService.Client(wrapping: $0).getCase(.with { $0.caseID = caseID })
        }
    }

    func expectUnimplemented(service: String, method: String) async -> CheckResult {
        do {
            try await connect(.identity(submitter)) { grpc in
                try await grpc.unary(
                    request: ClientRequest(message: Google_Protobuf_Empty()),
                    descriptor: MethodDescriptor(fullyQualifiedService: service, method: method),
                    serializer: ProtobufSerializer(), deserializer: ProtobufDeserializer<Google_Protobuf_Empty>(),
                    options: .defaults
                ) { _ = try $0.message }
            }
            return .fail("\(service)/\(method) answered OK")
        } catch let error as RPCError {
            return error.code == .unimplemented ? .pass("UNIMPLEMENTED") : .fail("\(error.code): \(error.message)")
        } catch { return .fail("\(error)") }
    }
}

/// A value set by one task and read by another.
final class Shared<Value: Sendable>: Sendable {
    private let box: Mutex<Value>
    init(_ value: Value) { box = Mutex(value) }
    func set(_ value: Value) { box.withLock { $0 = value } }
    var value: Value { box.withLock { $0 } }
}

import Foundation
import GRPCCore
import GovCaseCore
import GovCasePolicy
import GovCaseProto
import GovCaseWire
import SwiftASN1
import SwiftProtobuf
import X509

/// The receiver cases about who the caller is and what it may see or lose: a region outside its grant, the source
/// system taken from the certificate alone, evaluator data masked for a plain reader, and acknowledged records that
/// survive a restart.
extension ReceiverChecks {
    /// The metadata headers the identity case sends, each naming an impostor system: a receiver that takes the
    /// source system from any of them (instead of the client certificate) stores the impostor.
    static let impostorHeaders = [
        "x-source-system", "source-system", "x-govcase-source-system", "govcase-source-system", "x-system-id",
        "x-caller",
    ]
    static let impostor = "conformance-impostor"

    /// The submitter's identity as its certificate names it (its single SPIFFE URI SAN), or as `--submitter` gave it.
    func submitterIdentity() throws -> CallerIdentity {
        var uri = submitterID
        if uri == nil {
            let certificate = try Certificate(pemEncoded: submitter.certificatePEM)
            let names = try certificate.extensions.subjectAlternativeNames
            uri = names?.compactMap { name -> String? in
                if case .uniformResourceIdentifier(let uri) = name { return uri }
                return nil
            }.first
        }
        guard let uri, uri.hasPrefix("spiffe://"),
            let host = URL(string: uri)?.host,
            case .success(let identity) = CallerIdentity.from(uriSANs: [uri], trustDomain: host)
        else {
            throw ConformanceError(
                "the submitter's certificate names no spiffe://<td>/region/<code>/system/<id>: \(uri ?? "no URI SAN")")
        }
        return identity
    }

    /// A record for `outsideRegion`, which the submitter is not granted, is refused PERMISSION_DENIED by Submit, and
    /// alone (REJECTED with error_code 7) between two good records of one SubmitStream message.
    func outsideRegionRefused() async throws -> CheckResult {
        let expected =
            "expected a record for region \(outsideRegion), outside the submitter's grant, refused PERMISSION_DENIED"
        let outside = Self.moved(record("outside-region-submit"), to: outsideRegion)
        do {
            let ack = try await national { try await $0.submit(outside) }
            return .fail("\(expected); by Submit it was acknowledged \(ack.outcome) (case \"\(ack.caseID)\")")
        } catch let error as RPCError where error.code == .permissionDenied {
        } catch {
            return .fail("\(expected); by Submit it was refused \(Self.describe(error))")
        }
        let records = [
            record("outside-region-0"), Self.moved(record("outside-region-1"), to: outsideRegion),
            record("outside-region-2"),
        ]
        let acks: [Govcase_Gateway_V1_RecordAck]
        do {
            acks = try await national { client in
                try await client.submitStream(requestProducer: { writer in
                    try await writer.write(.with { $0.records = records })
                }) { response in try await response.messages.reduce(into: []) { $0 += $1.acks } }
            }
        } catch {
            return .fail(
                "\(expected), alone, in a SubmitStream message between two good records; the call failed "
                    + Self.describe(error))
        }
        let seen = acks.map { "\($0.outcome)\($0.errorCode == 0 ? "" : " code \($0.errorCode)")" }
        guard acks.count == 3, acks[0].outcome == .accepted, acks[2].outcome == .accepted,
            acks[1].outcome == .rejected,
            acks[1].errorCode == Int32(RPCError.Code.permissionDenied.rawValue)
        else {
            return .fail(
                "\(expected), alone, in a SubmitStream message between two good records: ACCEPTED, REJECTED code 7 "
                    + "(PERMISSION_DENIED), ACCEPTED; saw [\(seen.joined(separator: ", "))]")
        }
        return .pass(
            "region \(outsideRegion): PERMISSION_DENIED by Submit, and REJECTED code 7 alone between two ACCEPTED "
                + "records on SubmitStream")
    }

    /// A record sent with metadata headers and its own `data_source` naming another system is stored under the
    /// system of the client certificate.
    func identityFromCertificateOnly() async throws -> CheckResult {
        let identity = try submitterIdentity()
        var sent = record("identity")
        sent.evaluation.dataSource = Self.impostor
        var metadata = Metadata()
        for header in Self.impostorHeaders { metadata.addString(Self.impostor, forKey: header) }
        let ack = try await national { try await $0.submit(sent, metadata: metadata) }
        guard ack.outcome == .accepted, !ack.caseID.isEmpty else {
            return .fail(
                "expected the record ACCEPTED and stored under the certificate's system \(identity.systemID); it was "
                    + "acknowledged \(ack.outcome) \(ack.errorMessage)")
        }
        let stored = try await readBack(ack.caseID)
        guard stored.source.sourceSystem == identity.systemID else {
            return .fail(
                "expected the case's source system to be the certificate's, \(identity.systemID), whatever the "
                    + "metadata (\(Self.impostorHeaders.joined(separator: ", ")): \(Self.impostor)) or the record's "
                    + "data_source (\(Self.impostor)) say; case \(ack.caseID) reads back source system "
                    + "\"\(stored.source.sourceSystem)\"")
        }
        return .pass(
            "case \(ack.caseID) reads back source system \(identity.systemID), the certificate's, though the metadata "
                + "and data_source named \(Self.impostor)")
    }

    /// The record with every field set, read back by the submitter (a reader without the privacy-reader role): the
    /// evaluator's and agent's name, phone and document numbers come back masked as `party.proto` says, and never as
    /// sent.
    func maskedForReader() async throws -> CheckResult {
        let sent = ReceiverRecords.everyField("CONF-\(run)-masked")
        let ack = try await national { try await $0.submit(sent) }
        guard ack.outcome == .accepted, !ack.caseID.isEmpty else {
            return .fail("the record with every field set was acknowledged \(ack.outcome) \(ack.errorMessage); expected ACCEPTED")
        }
        let clear = try Self.referenceCase(sent.evaluation).requester
        let masked = try Self.referenceCase(sent.evaluation, masked: true).requester
        let got = try await readBack(ack.caseID).requester
        let fields: [(String, String, String, String)] = [
            ("requester.name", clear.name, masked.name, got.name),
            ("requester.phone", clear.phone, masked.phone, got.phone),
            ("requester.document_number", clear.documentNumber, masked.documentNumber, got.documentNumber),
            ("requester.agent.name", clear.agent.name, masked.agent.name, got.agent.name),
            (
                "requester.agent.document_number", clear.agent.documentNumber, masked.agent.documentNumber,
                got.agent.documentNumber
            ),
        ]
        var wrong: [String] = []
        for (path, sentValue, want, back) in fields where back != want {
            wrong.append(
                "\(path): sent \"\(sentValue)\", masked \"\(want)\", read back "
                    + (back.isEmpty ? "nothing" : back == sentValue ? "\"\(back)\" in clear" : "\"\(back)\""))
        }
        return wrong.isEmpty
            ? .pass("case \(ack.caseID): name, phone and document numbers read back masked (\(got.phone), \(got.name))")
            : .fail(
                "expected evaluator data masked for a reader without the privacy-reader role; case \(ack.caseID): "
                    + wrong.joined(separator: "; "))
    }

    /// With `--restart-command`: records acknowledged by Submit, SubmitStream and SubmitBatch, then the receiver
    /// restarted by the operator's command, then every acknowledged record read back. Skipped without the option.
    func survivesRestart() async throws -> CheckResult {
        guard let restartCommand else {
            return .skip(
                "needs --restart-command <shell command>, which restarts the receiver between acknowledgement and "
                    + "read-back; without it durability is not shown")
        }
        let single = ReceiverRecords.everyField("CONF-\(run)-durable-submit")
        let streamed = (0..<3).map { record("durable-stream-\($0)") }
        let batched = (0..<2).map { record("durable-batch-\($0)") }
        var acked: [(record: Govcase_Gateway_V1_NationalRecord, ack: Govcase_Gateway_V1_RecordAck)] = []
        acked.append((single, try await national { try await $0.submit(single) }))
        let streamAcks: [Govcase_Gateway_V1_RecordAck] = try await national { client in
            try await client.submitStream(requestProducer: { writer in
                try await writer.write(.with { $0.records = streamed })
            }) { response in
                try await response.messages.reduce(into: [Govcase_Gateway_V1_RecordAck]()) { $0 += $1.acks }
            }
        }
        let summary = try await national { client in
            try await client.submitBatch(requestProducer: { try await $0.write(.with { $0.records = batched }) }) {
                try $0.message
            }
        }
        acked += zip(streamed, streamAcks).map { (record: $0, ack: $1) }
        acked += zip(batched, summary.acks).map { (record: $0, ack: $1) }
        let refused = acked.filter { $0.ack.outcome != .accepted }
        guard acked.count == 6, refused.isEmpty else {
            return .fail(
                "6 records must be ACCEPTED before the restart; \(acked.count) acknowledged, not accepted: "
                    + refused.map { "\($0.record.evaluation.evaluationID) \($0.ack.outcome) \($0.ack.errorMessage)" }
                    .joined(separator: "; "))
        }
        // What each reads back now: after the restart it must read back the same (a receiver that drops a field drops
        // it before as after, and fails the every-field case for it, not this one).
        var before: [String: Govcase_Core_V1_Case] = [:]
        for ((sent, ack), read) in zip(acked, await readBackAll(acked.map(\.ack.caseID))) {
            switch read {
            case .success(let stored): before[ack.caseID] = stored
            case .failure(let error):
                return .fail(
                    "\(sent.evaluation.evaluationID) was ACCEPTED as case \(ack.caseID) but does not read back even "
                        + "before the restart: \(Self.describe(error))")
            }
        }
        WireTrace.note("running the restart command: \(restartCommand)")
        let started = ContinuousClock.now
        let (status, output) = await Self.shell(restartCommand, limit: .seconds(60))
        guard status == 0 else {
            return .fail(
                "the restart command (\(restartCommand)) exited \(status.map { String($0) } ?? "after 60 s, killed"): "
                    + output.suffix(400))
        }
        guard let serving = await waitServing(limit: .seconds(60)) else {
            return .fail("after the restart command, the receiver did not answer health SERVING within 60 s")
        }
        let restarted = (ContinuousClock.now - started).formatted(.units(allowed: [.seconds, .milliseconds]))
        WireTrace.note("serving again after \(restarted) (\(serving) health checks)")
        var lost: [String] = []
        for ((sent, ack), read) in zip(acked, await readBackAll(acked.map(\.ack.caseID))) {
            let id = sent.evaluation.evaluationID
            do {
                let stored = try read.get()
                if stored.source.externalID != id {
                    lost.append("\(id) (case \(ack.caseID)) reads back \"\(stored.source.externalID)\"")
                } else if let earlier = before[ack.caseID],
                    let difference = try Self.changed(from: earlier, to: stored).first
                {
                    lost.append("\(id) (case \(ack.caseID)) reads back otherwise than before the restart: \(difference)")
                }
            } catch { lost.append("\(id) (case \(ack.caseID)): \(Self.describe(error))") }
        }
        return lost.isEmpty
            ? .pass("6 acknowledged records read back after the restart (serving again after \(restarted))")
            : .fail(
                "expected every acknowledged record to read back after the restart; \(lost.count) of 6 did not: "
                    + lost.joined(separator: "; "))
    }

    /// The record fields in which a case read back after the restart (`after`) differs from its read-back before, as
    /// the reference adapter renders both: only the record's own fields count.
    static func changed(from before: Govcase_Core_V1_Case, to after: Govcase_Core_V1_Case) throws -> [String] {
        let adapter = try nationalAdapter()
        let was = try json(rendered(try Case(proto: before), by: adapter))
        let now: Any
        do { now = try json(rendered(try Case(proto: after), by: adapter)) } catch {
            return ["the case read back after the restart cannot be rendered as its record (\(error))"]
        }
        return differences(now, was, path: "").map { $0.replacingOccurrences(of: ": sent ", with: ": before ") }
    }

    /// Each case read back, on one connection (a receiver may take seconds to close each).
    func readBackAll(_ caseIDs: [String]) async -> [Result<Govcase_Core_V1_Case, any Error>] {
        do {
            return try await connect(.identity(submitter)) { grpc in
                let client = Govcase_Gateway_V1_CaseService.Client(wrapping: grpc)
                var results: [Result<Govcase_Core_V1_Case, any Error>] = []
                for caseID in caseIDs {
                    do { results.append(.success(try await client.getCase(.with { $0.caseID = caseID }))) } catch {
                        results.append(.failure(error))
                    }
                }
                return results
            }
        } catch { return caseIDs.map { _ in .failure(error) } }
    }

    /// Polls health until SERVING; the number of checks made, or nil when `limit` passed first.
    func waitServing(limit: Duration) async -> Int? {
        let deadline = ContinuousClock.now + limit
        var checks = 0
        while ContinuousClock.now < deadline {
            checks += 1
            var options = CallOptions.defaults
            options.timeout = .seconds(2)
            let status = try? await connect(.identity(submitter)) {
                try await Grpc_Health_V1_Health.Client(wrapping: $0).check(.init(), options: options).status
            }
            if status == .serving { return checks }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return nil
    }

    /// Runs `command` with `/bin/sh -c`: its exit status (nil if it ran past `limit` and was killed) and output.
    /// Spawned and reaped here, not with Foundation's `Process`, which learns of a child's end from a socket the
    /// child inherits: a command that leaves the restarted receiver running in the background (as it should) passes
    /// that socket on, and `Process` would wait for the receiver's end. The output goes to a file for the same reason,
    /// and the command gets no other descriptor of the kit's.
    static func shell(_ command: String, limit: Duration) async -> (Int32?, String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-restart-\(UUID()).log")
        defer { try? FileManager.default.removeItem(at: log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of the kit's: whoever started the kit may learn of its end from a descriptor it inherited
        // (Foundation's `Process` does), which a receiver left running would otherwise hold open. Every descriptor
        // the kit holds is closed on exec (the kit starts no other program in this role).
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            if let fd = Int32(name), fd > 2 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        var pid: pid_t = 0
        let arguments = ["/bin/sh", "-c", command]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, &argv, environ)
        guard spawned == 0 else { return (127, "could not run /bin/sh: \(String(cString: strerror(spawned)))") }
        let deadline = ContinuousClock.now + limit
        var status: Int32 = 0
        var exited: Int32? = nil
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                // WIFEXITED / WEXITSTATUS, which Swift does not import: the low 7 bits are the signal, if any.
                exited = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                break
            }
            if reaped < 0 && errno != EINTR { break }
            guard ContinuousClock.now < deadline else {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                break
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return (exited, text)
    }

    /// `record` moved to `region`: the same record, for a region the submitter may not be granted.
    static func moved(_ record: Govcase_Gateway_V1_NationalRecord, to region: String) -> Govcase_Gateway_V1_NationalRecord {
        var moved = record
        moved.evaluation.regionCode = region
        return moved
    }
}

import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GovCaseAdapters
import GovCaseCore
import GovCaseProto
import GovCaseStore
import Logging
import ServiceLifecycle
import Synchronization
import SwiftProtobuf

/// Delivers one route's outbox: claims the rows due (each the first unfinished row of its case, so a case's
/// changes go out in order and a case that cannot be delivered holds back only itself), renders them through
/// the route's adapter, sends them in batches over `GenericIngestService.SubmitStream` over mutual TLS, and
/// settles each row by what the receiver answered (`UpstreamVerdict`). Its pace is
/// `RouteDeliveryStateMachine`'s.
///
/// Every forward is idempotent at the receiver: a record carries its source's external id and revision, so a
/// resend after a lost acknowledgement (a kill -9 between send and settle, a broken connection) comes back
/// DUPLICATE, never a second case.
public final class Forwarder: Service, Sendable {
    public let route: Route
    let store: CaseStore
    let renderer: ForwardRenderer
    let verifier: DestinationVerifier
    let logger: Logger
    let clock: @Sendable () -> Date
    /// How long a round's claim holds its rows: well past the calls that deliver them (each ends by the route's
    /// call timeout), so a live gateway settles its rows before another may take them over from a dead one.
    var claimLease: Duration { max(route.callTimeout * 4, CaseStore.defaultClaimLease) }
    private let machine: Mutex<RouteDeliveryStateMachine>
    private let lastError = Mutex<String>("")
    /// Past this many dead row versions in the outbox a prune pass warns (PostgreSQL).
    static let deadRowVersionsWarning = 1_000_000
    /// How often delivered and discarded rows past the retention are pruned.
    let pruneInterval: Duration = .seconds(600)

    public init(
        route: Route, store: CaseStore, adapter: AnySourceAdapter, logger: Logger,
        clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.route = route
        self.store = store
        renderer = ForwardRenderer(adapter: adapter, destinationAdapter: route.destinationAdapter)
        verifier = DestinationVerifier(identity: route.destination.identity, caPath: route.destination.caPath)
        var logger = logger
        logger[metadataKey: "route"] = "\(route.name)"
        self.logger = logger
        self.clock = clock
        machine = Mutex(RouteDeliveryStateMachine(policy: route.retry, concurrency: route.concurrency))
    }

    /// Where the route is, for `govcase outbox status`.
    public struct Status: Sendable, Hashable {
        /// The pace of `RouteDeliveryStateMachine`.
        public enum State: String, Sendable, Hashable {
            case delivering
            case backingOff = "backing-off"
            case probing
            case paused
        }

        public var state: State
        /// Why it waits, when it does.
        public var reason: String
        /// When it sends again, when it waits.
        public var nextAttemptAt: Date?
        /// The last failure of a batch, for as long as the route has not delivered since.
        public var lastError: String
    }

    public var status: Status {
        let state = machine.withLock { $0.state }
        let last = lastError.withLock { $0 }
        return switch state {
        case .delivering: Status(state: .delivering, reason: "", nextAttemptAt: nil, lastError: last)
        case .probing(_, let reason): Status(state: .probing, reason: reason, nextAttemptAt: nil, lastError: last)
        case .backingOff(_, let until, let reason):
            Status(state: .backingOff, reason: reason, nextAttemptAt: until, lastError: last)
        case .paused(let until, let reason):
            Status(state: .paused, reason: reason, nextAttemptAt: until, lastError: last)
        }
    }

    /// The route's rows by state.
    public func counts() throws -> OutboxCounts { try store.outboxCounts(route: route.name) }

    /// Delivers until a graceful shutdown (the round in flight finishes) or the task is cancelled (a round in
    /// flight is abandoned: its rows stay in flight and are resent at the next start, where they come back
    /// DUPLICATE).
    /// Set at the start of a graceful shutdown: no new round starts, and the round in flight finishes (within
    /// the route's call timeout), so a drain does not cut off calls the receiver is answering.
    private let stopping = Atomic<Bool>(false)
    private var isRunning: Bool { !Task.isCancelled && !stopping.load(ordering: .relaxed) }

    public func run() async throws {
        do {
            try await withGracefulShutdownHandler {
                try await deliverUntilCancelled()
            } onGracefulShutdown: {
                self.stopping.store(true, ordering: .relaxed)
            }
        } catch is CancellationError {}
    }

    private func deliverUntilCancelled() async throws {
        do {
            let released = try store.releaseInFlight(route: route.name, now: clock())
            if released > 0 {
                logger.info("rows left in flight by the last run are pending again", metadata: ["rows": "\(released)"])
            }
        } catch {
            // The store unreachable at start (a database restarting): the rows stay in flight until their claims'
            // leases run out, and each claim releases those; the forwarder goes on rather than ending the gateway.
            logger.error("the outbox's rows in flight cannot be released; going on", metadata: ["error": "\(error)"])
        }
        var lastPrune = ContinuousClock.now - pruneInterval
        while isRunning {
            let material = ClientMaterial(route.destination)
            let transport: HTTP2ClientTransport.Posix
            do {
                transport = try makeTransport()
            } catch {
                // A certificate or key file that cannot be read: the route's configuration, not the network.
                record(.misconfigured(reason: "cannot set up the connection: \(error)"))
                try await waitWhileBlocked()
                continue
            }
            do {
                try await withGRPCClient(transport: transport) { client in
                    try await deliver(with: client, while: material, lastPrune: &lastPrune)
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // Upstream answers never get here (`send` classifies them): what does is the store failing to
                // claim or settle (the disk, say). The rows claimed stay in flight, so they are neither lost nor
                // sent twice as new; they go back to pending before the next try.
                logger.error("the outbox cannot be read or settled; trying again", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .seconds(1))
                _ = try? store.releaseInFlight(route: route.name, now: clock())
            }
        }
    }

    /// Rounds of delivery on one client, until the client's certificate or key files change (they are read
    /// again on a new client, like the server's) or the task is cancelled.
    private func deliver(
        with client: GRPCClient<HTTP2ClientTransport.Posix>, while material: ClientMaterial,
        lastPrune: inout ContinuousClock.Instant
    ) async throws {
        let ingest = Govcase_Gateway_V1_GenericIngestService.Client(wrapping: client)
        while isRunning {
            if ContinuousClock.now - lastPrune >= pruneInterval {
                lastPrune = .now
                let pruned = try store.pruneFinishedForwards(before: clock().addingTimeInterval(-route.retention.seconds))
                if pruned > 0 { logger.debug("pruned finished rows", metadata: ["rows": "\(pruned)"]) }
                // On PostgreSQL: the outbox's dead row versions, which vacuum must keep up with.
                if let dead = try? store.deadRowVersions()["outbox"] {
                    let level: Logger.Level = dead > Self.deadRowVersionsWarning ? .warning : .debug
                    logger.log(
                        level: level,
                        "outbox dead row versions (vacuum removes them; a long transaction on the database holds it back)",
                        metadata: ["dead_row_versions": "\(dead)"])
                }
            }
            guard material == ClientMaterial(route.destination) else {
                logger.info("client certificate or key changed: reconnecting with the new files")
                return
            }
            let allowance = machine.withLock { $0.allowance(at: clock()) }
            guard allowance > 0 else {
                try await waitWhileBlocked()
                continue
            }
            let generation = store.forwardGeneration
            let rows = try store.claimForwards(
                route: route.name, now: clock(), limit: allowance * route.batchSize, lease: claimLease)
            guard !rows.isEmpty else {
                await store.waitForForwards(after: generation, timeout: .seconds(1))
                continue
            }
            try await deliverRound(rows, allowance: allowance, ingest: ingest)
        }
    }

    /// Sends claimed rows as up to `allowance` batches side by side and settles every row.
    private func deliverRound(
        _ rows: [Forward], allowance: Int, ingest: Govcase_Gateway_V1_GenericIngestService.Client<HTTP2ClientTransport.Posix>
    ) async throws {
        var settlements: [(row: Forward, settlement: ForwardSettlement)] = []
        var batches: [[(row: Forward, records: [Govcase_Gateway_V1_GenericRecord])]] = []
        var current: [(row: Forward, records: [Govcase_Gateway_V1_GenericRecord])] = []
        for row in rows {
            guard let c = try store.caseToForward(id: row.caseID) else {
                settlements.append((row, .dead(reason: "case \(row.caseID) is no longer stored", rejection: nil)))
                continue
            }
            switch renderer.render(row, of: c) {
            case .unrenderable(let reason):
                settlements.append((row, .dead(reason: reason, rejection: nil)))
            case .records(let records) where records.isEmpty:
                settlements.append(
                    (row, .delivered(upstreamCaseIDs: [], note: "the destination has no record for this change")))
            case .records(let records):
                current.append((row, records))
                if current.count == route.batchSize {
                    batches.append(current)
                    current = []
                }
            }
        }
        if !current.isEmpty { batches.append(current) }
        let sent = try await withThrowingTaskGroup(of: BatchAnswer.self) { group in
            for batch in batches { group.addTask { try await self.send(batch, ingest: ingest) } }
            return try await group.reduce(into: [BatchAnswer]()) { $0.append($1) }
        }
        for answer in sent { settlements += answer.settlements }
        try store.settle(settlements, now: clock())
        let result = Self.roundResult(sent.map(\.result))
        if let result { record(result) }
    }

    /// One batch's rows settled, and what its answer says of the route.
    struct BatchAnswer: Sendable {
        var settlements: [(row: Forward, settlement: ForwardSettlement)]
        var result: RouteDeliveryStateMachine.BatchResult
    }

    /// The round's one result for the route: a configuration fault wins, then an outage (with the longest
    /// pushback); batches sent side by side that fail together are one failure, not several.
    static func roundResult(_ results: [RouteDeliveryStateMachine.BatchResult]) -> RouteDeliveryStateMachine.BatchResult? {
        var outage: (reason: String, pushback: Duration?)?
        for result in results {
            switch result {
            case .misconfigured: return result
            case .outage(let reason, let pushback):
                let longest = [outage?.pushback, pushback].compactMap { $0 }.max()
                outage = (reason, longest)
            case .answered: continue
            }
        }
        if let outage { return .outage(reason: outage.reason, pushback: outage.pushback) }
        return results.isEmpty ? nil : .answered
    }

    private func send(
        _ batch: [(row: Forward, records: [Govcase_Gateway_V1_GenericRecord])],
        ingest: Govcase_Gateway_V1_GenericIngestService.Client<HTTP2ClientTransport.Posix>
    ) async throws -> BatchAnswer {
        let records = batch.flatMap(\.records)
        var options = CallOptions.defaults
        options.timeout = route.callTimeout
        let message = Govcase_Gateway_V1_GenericBatch.with { $0.records = records }
        let acks: [Govcase_Gateway_V1_RecordAck]
        do {
            acks = try await ingest.submitStream(
                request: StreamingClientRequest { writer in try await writer.write(message) }, options: options
            ) { response in
                var acks: [Govcase_Gateway_V1_RecordAck] = []
                for try await answer in response.messages { acks += answer.acks }
                return acks
            }
        } catch let error as RPCError where error.code == .cancelled && Task.isCancelled {
            // Our own stop cancelled the call (grpc-swift reports it as CANCELLED): not an outage of the
            // receiver, and no attempt to count. The rows stay in flight and go out again at the next start.
            throw CancellationError()
        } catch let error as RPCError {
            return failedCall(batch, verdict: callVerdict(error), pushback: Self.pushback(of: error))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return failedCall(batch, verdict: .outage(reason: "\(error)"), pushback: nil)
        }
        guard acks.count == records.count else {
            return failedCall(
                batch,
                verdict: .outage(reason: "the receiver acknowledged \(acks.count) of \(records.count) records"),
                pushback: nil)
        }
        return settle(batch, acks: acks)
    }

    /// A call that failed as a whole: every row waits (outage, configuration) for the route's next attempt.
    private func failedCall(
        _ batch: [(row: Forward, records: [Govcase_Gateway_V1_GenericRecord])], verdict: UpstreamVerdict,
        pushback: Duration?
    ) -> BatchAnswer {
        let (reason, result): (String, RouteDeliveryStateMachine.BatchResult) =
            switch verdict {
            case .misconfigured(let reason): (reason, .misconfigured(reason: reason))
            case .outage(let reason): (reason, .outage(reason: reason, pushback: pushback))
            case .refused(let reason): (reason, .misconfigured(reason: reason))
            case .delivered: ("", .answered)
            }
        let next = clock()
        return BatchAnswer(
            settlements: batch.map { ($0.row, .retry(error: reason, nextAttemptAt: next)) }, result: result)
    }

    /// Settles each row of an answered batch by its records' acknowledgements.
    private func settle(
        _ batch: [(row: Forward, records: [Govcase_Gateway_V1_GenericRecord])], acks: [Govcase_Gateway_V1_RecordAck]
    ) -> BatchAnswer {
        var settlements: [(row: Forward, settlement: ForwardSettlement)] = []
        var routeResult = RouteDeliveryStateMachine.BatchResult.answered
        var offset = 0
        for (row, records) in batch {
            let rowAcks = acks[offset..<offset + records.count]
            offset += records.count
            var upstream: [String] = []
            var settlement: ForwardSettlement?
            for ack in rowAcks {
                switch Self.verdict(of: ack) {
                case .delivered(let id): upstream.append(id)
                case .refused(let reason):
                    settlement = settlement ?? .dead(reason: reason, rejection: try? ack.rejection.serializedData())
                case .outage(let reason):
                    settlement = .retry(error: reason, nextAttemptAt: clock())
                    routeResult = .outage(reason: reason, pushback: nil)
                case .misconfigured(let reason):
                    settlement = .retry(error: reason, nextAttemptAt: clock())
                    routeResult = .misconfigured(reason: reason)
                }
            }
            settlements.append((row, settlement ?? .delivered(upstreamCaseIDs: upstream, note: "")))
        }
        return BatchAnswer(settlements: settlements, result: routeResult)
    }

    /// What one record's acknowledgement says.
    static func verdict(of ack: Govcase_Gateway_V1_RecordAck) -> UpstreamVerdict {
        switch ack.outcome {
        case .accepted, .duplicate: return .delivered(upstreamCaseID: ack.caseID)
        case .rejected:
            let code = GRPCCore.Status.Code(rawValue: Int(ack.errorCode)).flatMap { RPCError.Code($0) }
            var message = ack.errorMessage
            if ack.hasRejection {
                let fields = ack.rejection.violations.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
                message = message.isEmpty ? fields : "\(message) (\(fields))"
                return .refused(reason: "refused for its fields: \(message)")
            }
            return UpstreamVerdict.forRecord(code: code, message: message)
        case .unspecified, .UNRECOGNIZED:
            return .outage(reason: "the receiver's acknowledgement of \(ack.externalID) has no outcome")
        }
    }

    /// What a failed call means; a handshake our verifier refused is the destination's identity, not the network.
    private func callVerdict(_ error: RPCError) -> UpstreamVerdict {
        if let refusal = verifier.refusal { return .misconfigured(reason: refusal) }
        return UpstreamVerdict.forCall(code: error.code, message: error.message)
    }

    static func pushback(of error: RPCError) -> Duration? {
        var values = error.metadata[stringValues: "grpc-retry-pushback-ms"].makeIterator()
        guard let text = values.next(), let milliseconds = Int(text), milliseconds >= 0
        else { return nil }
        return .milliseconds(milliseconds)
    }

    private func record(_ result: RouteDeliveryStateMachine.BatchResult) {
        let before = machine.withLock { $0.state }
        let after = machine.withLock { machine in
            machine.record(result, at: clock(), unit: Double.random(in: 0...1))
            return machine.state
        }
        switch result {
        case .answered:
            lastError.withLock { $0 = "" }
            if before != .delivering { logger.info("the receiver answers again: delivering") }
        case .outage(let reason, _):
            lastError.withLock { $0 = reason }
            logger.warning("outage: retrying later, nothing dead-lettered", metadata: ["reason": "\(reason)", "state": "\(after)"])
        case .misconfigured(let reason):
            lastError.withLock { $0 = reason }
            logger.error(
                "route paused: its configuration is refused (fix it; it is tried again every \(route.retry.maxBackoff))",
                metadata: ["reason": "\(reason)"])
        }
    }

    /// Sleeps until the state machine's wake time (or a second, at most, between looks), or cancellation.
    private func waitWhileBlocked() async throws {
        let wake = machine.withLock { $0.wakeAt } ?? clock().addingTimeInterval(1)
        let seconds = min(max(wake.timeIntervalSince(clock()), 0.01), 1)
        try await Task.sleep(for: .seconds(seconds))
    }

    private func makeTransport() throws -> HTTP2ClientTransport.Posix {
        let destination = route.destination
        var config = HTTP2ClientTransport.Posix.Config.defaults
        // The connection's own reconnection backoff follows the route's: by default grpc-swift waits up to two
        // minutes between connection attempts, so after a long outage a recovered receiver would stay unreached
        // that long while each of the route's probes failed at once on a channel still waiting to reconnect.
        config.backoff = .init(
            initial: route.retry.initialBackoff, max: route.retry.maxBackoff, multiplier: route.retry.multiplier,
            jitter: 0.2)
        switch destination.identity {
        case .dnsName(let name):
            config.http2.authority = name
        case .spiffeID(let id):
            // The authority is also the TLS server name (SNI), which may not be an IP address: an address given
            // as one sends the SPIFFE id's trust domain instead. The identity itself is checked by the verifier.
            let isIPAddress = destination.host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" }
            config.http2.authority = isIPAddress ? (URL(string: id)?.host ?? "spiffe") : destination.host
        }
        let verifier = self.verifier
        return try HTTP2ClientTransport.Posix(
            target: .dns(host: destination.host, port: destination.port),
            transportSecurity: .mTLS(
                certificateChain: [.file(path: destination.certificatePath, format: .pem)],
                privateKey: .file(path: destination.keyPath, format: .pem)
            ) {
                $0.trustRoots = .certificates([.file(path: destination.caPath, format: .pem)])
                $0.customVerificationCallback = verifier.callback
            },
            config: config)
    }
}

/// The modification times and sizes of a route's client certificate, key and CA: when one changes, the
/// forwarder connects again with the new files.
struct ClientMaterial: Equatable {
    let stamps: [String]

    init(_ destination: Route.Destination) {
        stamps = [destination.certificatePath, destination.keyPath, destination.caPath].map { path in
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            let size = (attributes?[.size] as? Int) ?? -1
            return "\(path):\(modified):\(size)"
        }
    }
}

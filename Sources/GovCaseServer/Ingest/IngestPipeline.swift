import Crypto
import Foundation
import GRPCCore
import GovCaseAdapters
import GovCaseCore
import GovCasePlugins
import GovCasePolicy
import GovCaseProto
import GovCaseStore
import GovCaseWire
import Logging
import SwiftProtobuf

/// The path of a record: policy → adapter → core validation → durable store → acknowledgement.
///
/// Every record gets an acknowledgement that says what happened; nothing is acknowledged before its commit.
/// In a batch, each record stands alone: good records are stored, a bad one is reported by index and
/// external id, and nothing of a bad record is written.
public struct IngestPipeline: Sendable {
    let adapters: [String: AnySourceAdapter]
    /// Plugin adapters, translated out of process; `nil` when the gateway runs none.
    let plugins: PluginRegistry?
    let store: CaseStore
    let policy: AccessPolicy
    let deadlines: RegionalDeadlinePolicies
    let clockSkew: TimeInterval
    let clock: @Sendable () -> Date
    let logger: Logger
    /// A sandbox's observer and fault injector; none in production.
    let hooks: IngestHooks
    /// How large a record's structure may be.
    let bounds = RecordBounds()

    public init(
        adapters: [AnySourceAdapter], plugins: PluginRegistry? = nil, store: CaseStore, policy: AccessPolicy,
        deadlines: RegionalDeadlinePolicies, clockSkew: TimeInterval = 300,
        clock: @escaping @Sendable () -> Date = Date.init, logger: Logger = Logger(label: "govcase.ingest"),
        hooks: IngestHooks = IngestHooks()
    ) {
        self.hooks = hooks
        self.adapters = Dictionary(uniqueKeysWithValues: adapters.map { ($0.info.id, $0) })
        self.plugins = plugins
        self.store = store
        self.policy = policy
        self.deadlines = deadlines
        self.clockSkew = clockSkew
        self.clock = clock
        self.logger = logger
    }

    /// One record to ingest: its adapter and message, or why it could not be read.
    struct Record {
        var adapterID: String
        var message: Result<any SwiftProtobuf.Message, RPCError>
        var index: Int

        /// The record's external id, for acknowledging a refusal; empty if the record could not be read.
        var externalID: String { (try? message.get()).map(SourceRecordID.of) ?? "" }
    }

    /// How a record was translated, or why it was not.
    typealias Translated = Result<Translation, RPCError>

    /// Ingests records in order; see `prepare` and `finish`.
    func ingest(_ records: [Record], caller: CallerIdentity) async -> [Govcase_Gateway_V1_RecordAck] {
        await finish(prepare(records, caller: caller))
    }

    /// Records translated, their new cases and follow-ups queued for the next shared commit.
    struct Prepared: Sendable {
        let caller: CallerIdentity
        let now: Date
        /// Acknowledgements decided already: refusals before the store.
        var acks: [Govcase_Gateway_V1_RecordAck?]
        /// Record index (in the call) of each position.
        let indexes: [Int]
        /// Each position's adapter and source message, for a sandbox's observer.
        var adapterIDs: [String] = []
        var messages: [(any SwiftProtobuf.Message)?] = []
        var regions: [Int: String] = [:]
        /// Positions of the new cases, with their external ids, in the order queued.
        var newCases: [(position: Int, externalID: String)] = []
        var ticket: CommitTicket?
        var followUps: [(position: Int, followUp: FollowUp)] = []
    }

    /// Translates records and queues their new cases and follow-ups at once (group commit: they share a
    /// transaction with other calls' records). Calls made in order commit in order, so a stream may prepare its next message
    /// while the previous one commits.
    func prepare(_ records: [Record], caller: CallerIdentity) async -> Prepared {
        let now = clock()
        return enqueue(
            records, translated: await translateAll(records, caller: caller, now: now), caller: caller, now: now)
    }

    /// Queues the new cases and follow-ups of records already translated (in call order: see `prepare`), and
    /// sets the acknowledgements decided already aside.
    func enqueue(_ records: [Record], translated translations: [Translated], caller: CallerIdentity, now: Date)
        -> Prepared
    {
        var prepared = Prepared(
            caller: caller, now: now, acks: .init(repeating: nil, count: records.count), indexes: records.map(\.index))
        if hooks.observe != nil {
            prepared.adapterIDs = records.map(\.adapterID)
            prepared.messages = records.map { try? $0.message.get() }
        }
        var newCases: [Case] = []
        for (position, record) in records.enumerated() {
            switch translations[position] {
            case .success(.newCase(var c)):
                // Named as the sender named them: a built-in adapter's record paths, `case.<core path>` for a plugin's.
                let refusals = c.admit(under: deadlines)
                let disagreements =
                    adapters[c.source.adapterID]?.inSourceTerms(refusals, recordType: c.source.recordType ?? "")
                    ?? AnySourceAdapter.unmapped(refusals)
                guard disagreements.isEmpty else {
                    prepared.acks[position] = .rejected(
                        record.index, externalID: record.externalID, violations: disagreements)
                    continue
                }
                for problem in c.handling.deadlines.unavailable {
                    // Stored all the same, with the deadline unset and this reason in the case.
                    logger.warning(
                        "a deadline cannot be computed",
                        metadata: ["record.external_id": "\(c.source.externalID)", "deadline.problem": "\(problem)"])
                }
                newCases.append(c)
                prepared.newCases.append((position, c.source.externalID))
                if hooks.observe != nil { prepared.regions[position] = c.regionCode }
            case .success(.followUp(let f)):
                prepared.followUps.append((position, f))
            case .success(.rejected(let violations)):
                prepared.acks[position] = .rejected(
                    record.index, externalID: record.externalID, violations: violations.bounded)
            case .failure(let error):
                prepared.acks[position] = .failed(record.index, externalID: record.externalID, error: error)
            }
        }
        if !newCases.isEmpty || !prepared.followUps.isEmpty {
            let (policy, deadlines) = (policy, deadlines)
            let followUps = prepared.followUps.map { _, f in
                QueuedFollowUp(
                    f, sourceSystem: caller.systemID,
                    authorize: { c in
                        // One grant must give the role for the target case's adapter and region, duplicates included.
                        try policy.authorize(caller, role: .submitter, adapter: c.source.adapterID, region: c.regionCode)
                    },
                    policy: deadlines.policy(forRegion:))
            }
            prepared.ticket = store.enqueue(newCases, followUps: followUps, now: now)
        }
        return prepared
    }

    /// Waits for the commit of the call's new cases and follow-ups (one group commit: the follow-ups after the
    /// cases, so they may name them); returns an acknowledgement per record, in order.
    func finish(_ prepared: Prepared) async -> [Govcase_Gateway_V1_RecordAck] {
        var acks = prepared.acks
        if let ticket = prepared.ticket {
            do {
                let outcomes = try await ticket.outcomes()
                for ((position, externalID), result) in zip(prepared.newCases, outcomes.submits) {
                    acks[position] = .init(prepared.indexes[position], externalID, result.mapError(Self.rpcError))
                }
                for ((position, f), result) in zip(prepared.followUps, outcomes.followUps) {
                    let index = prepared.indexes[position]
                    switch result {
                    case .success(let outcome):
                        acks[position] = .with {
                            $0.index = UInt64(index)
                            $0.externalID = f.externalID
                            $0.caseID = outcome.caseID
                            $0.outcome = outcome.duplicate ? .duplicate : .accepted
                        }
                    case .failure(let error):
                        acks[position] = .failed(index, externalID: f.externalID, error: Self.rpcError(error))
                    }
                }
            } catch {
                let unavailable = RPCError(code: .unavailable, message: "the store failed; retry: \(error)")
                for (position, externalID) in prepared.newCases {
                    acks[position] = .failed(prepared.indexes[position], externalID: externalID, error: unavailable)
                }
                for (position, f) in prepared.followUps {
                    acks[position] = .failed(prepared.indexes[position], externalID: f.externalID, error: unavailable)
                }
            }
        }
        let caller = prepared.caller
        let answered = acks.map { $0! }
        if let observe = hooks.observe {
            for (position, ack) in answered.enumerated() {
                observe(
                    .init(
                        caller: caller, adapterID: prepared.adapterIDs[position],
                        record: prepared.messages[position], regionCode: prepared.regions[position], ack: ack))
            }
        }
        return answered
    }

    /// Every record's translation, in order: built-in adapters in this task, plugin adapters' records in one
    /// call per plugin (batched by the plugin's manifest), the plugins called concurrently.
    func translateAll(_ records: [Record], caller: CallerIdentity, now: Date) async -> [Translated] {
        var results = [Translated?](repeating: nil, count: records.count)
        var forPlugins: [String: [(position: Int, any: Google_Protobuf_Any)]] = [:]
        for (position, record) in records.enumerated() {
            if let inject = hooks.inject, let error = inject(caller, record.externalID, record.adapterID) {
                results[position] = .failure(error)
                continue
            }
            guard adapters[record.adapterID] == nil, let plugins, plugins.supervisor(for: record.adapterID) != nil
            else {
                results[position] = translate(record, caller: caller, now: now)
                continue
            }
            switch checked(record, caller: caller) {
            case .failure(let error): results[position] = .failure(error)
            case .success(.rejected(let violations)): results[position] = .success(.rejected(violations))
            case .success(.accepted(let message)):
                // A typed service's record (a plugin registered in place of a disabled built-in) travels packed.
                guard let any = message as? Google_Protobuf_Any ?? Self.packed(message) else {
                    results[position] = .failure(
                        RPCError(code: .invalidArgument, message: "record: cannot be packed for \(record.adapterID)"))
                    continue
                }
                forPlugins[record.adapterID, default: []].append((position, any))
            }
        }
        if forPlugins.isEmpty { return results.map { $0! } }
        let context = TranslationContext(sourceSystem: caller.systemID, receivedAt: now, clockSkew: clockSkew)
        let answered = await withTaskGroup(of: [(Int, Translated)].self) { group in
            for (adapterID, queued) in forPlugins {
                group.addTask { await translate(queued, plugin: adapterID, caller: caller, context: context) }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        for (position, result) in answered { results[position] = result }
        return results.map { $0! }
    }

    /// `message` in an Any holding its bytes. `Google_Protobuf_Any(message:)` keeps the message and serializes it
    /// again on every read of `value` (the record id, the content digest, the plugin request each read it): a
    /// quarter of the plugin path's CPU before this.
    static func packed(_ message: any SwiftProtobuf.Message) -> Google_Protobuf_Any? {
        guard let bytes = try? message.serializedBytes() as [UInt8] else { return nil }
        return .with {
            $0.typeURL = "type.googleapis.com/" + type(of: message).protoMessageName
            $0.value = Data(bytes)
        }
    }

    /// A plugin's records, translated in one call (the supervisor batches it): each answer held to the
    /// plugin contract, a new case's region authorized, the record identified.
    func translate(
        _ queued: [(position: Int, any: Google_Protobuf_Any)], plugin adapterID: String, caller: CallerIdentity,
        context: TranslationContext
    ) async -> [(Int, Translated)] {
        guard let supervisor = plugins?.supervisor(for: adapterID) else {
            return queued.map {
                ($0.position, .failure(RPCError(code: .notFound, message: "adapter plugin \(adapterID) was removed")))
            }
        }
        let externalIDs = queued.map { SourceRecordID.of(serialized: [UInt8]($0.any.value)) }
        let answers = await supervisor.translate(
            queued.map { item in
                .with {
                    $0.record = item.any
                    $0.context = .with {
                        $0.sourceSystem = context.sourceSystem
                        $0.receivedAt = Google_Protobuf_Timestamp(date: context.receivedAt)
                    }
                }
            })
        return zip(queued, zip(answers, externalIDs)).map { item, answer in
            let (result, externalID) = answer
            let response: Govcase_Plugin_V1_TranslateResponse
            switch result {
            case .success(let answered): response = answered
            case .failure(let failure):
                // Nothing of this record was stored; the status says whether, and when, to send it again.
                return (item.position, .failure(Self.rpcError(failure)))
            }
            // The plugin's answer is held to the same structural bounds as a record: its decoded case is walked
            // by the validator and stored, and a million empty items cost the gateway what they would from a
            // sender.
            if let excess = bounds.violation(in: response) {
                let broken = PluginAnswer.ContractBroken(
                    pluginID: adapterID, reason: "its answer is out of bounds: \(excess.field): \(excess.message)")
                logger.error(
                    "adapter plugin answer refused", metadata: ["plugin.id": "\(adapterID)", "error": "\(broken)"])
                return (item.position, .failure(RPCError(code: .internalError, message: broken.description)))
            }
            switch PluginAnswer.translation(
                of: response, recordExternalID: externalID, pluginID: adapterID, context: context)
            {
            case .failure(let broken):
                logger.error(
                    "adapter plugin answer refused", metadata: ["plugin.id": "\(adapterID)", "error": "\(broken)"])
                return (item.position, .failure(RPCError(code: .internalError, message: broken.description)))
            case .success(let translation):
                if case .newCase(let c) = translation {
                    do {
                        try policy.authorize(caller, role: .submitter, adapter: adapterID, region: c.regionCode)
                    } catch {
                        return (item.position, .failure(Self.rpcError(error)))
                    }
                }
                let recordType = String(item.any.typeURL.split(separator: "/").last ?? "")
                return (
                    item.position,
                    .success(Self.identify(translation, recordType: recordType, content: [UInt8](item.any.value)))
                )
            }
        }
    }

    /// The status a sender gets for a record a plugin could not translate: when to retry, or that it must not.
    static func rpcError(_ failure: PluginCallError) -> RPCError {
        switch failure.kind {
        case .unavailable, .failed:
            return RPCError(code: .unavailable, message: failure.description)
        case .overloaded(let milliseconds):
            // grpc-retry-pushback-ms: the hint gRPC's retry policy honours (gRFC A6).
            return RPCError(
                code: .resourceExhausted, message: failure.description,
                metadata: ["grpc-retry-pushback-ms": "\(milliseconds)"])
        case .poisonRecord:
            return RPCError(code: .failedPrecondition, message: failure.description)
        case .cancelled:
            return RPCError(code: .cancelled, message: failure.description)
        }
    }

    /// What holds for every record before its adapter sees it: it could be read, its structure is within
    /// bounds, and the caller may submit to its adapter.
    enum Checked {
        case accepted(any SwiftProtobuf.Message)
        case rejected([FieldViolation])
    }

    func checked(_ record: Record, caller: CallerIdentity) -> Result<Checked, RPCError> {
        let message: any SwiftProtobuf.Message
        switch record.message {
        case .success(let m): message = m
        case .failure(let error): return .failure(error)
        }
        if let excess = bounds.violation(in: message) { return .success(.rejected([excess])) }
        do {
            try policy.authorize(caller, role: .submitter, adapter: record.adapterID)
        } catch {
            return .failure(error.rpcError)
        }
        return .success(.accepted(message))
    }

    /// Adapter ids the gateway knows, for NOT_FOUND messages.
    var knownAdapters: String {
        (adapters.keys.sorted() + (plugins?.all.map(\.manifest.id) ?? [])).joined(separator: ", ")
    }

    /// Policy, then the adapter. A new case's region is checked against the caller's grant here.
    func translate(_ record: Record, caller: CallerIdentity, now: Date) -> Translated {
        guard let adapter = adapters[record.adapterID] else {
            return .failure(
                RPCError(code: .notFound, message: "unknown adapter \"\(record.adapterID)\"; known: \(knownAdapters)"))
        }
        let message: any SwiftProtobuf.Message
        switch checked(record, caller: caller) {
        case .failure(let error): return .failure(error)
        case .success(.rejected(let violations)): return .success(.rejected(violations))
        case .success(.accepted(let m)): message = m
        }
        let context = TranslationContext(sourceSystem: caller.systemID, receivedAt: now, clockSkew: clockSkew)
        guard let translation = adapter.translate(message, context: context) else {
            let accepted = adapter.info.messageTypes.joined(separator: ", ")
            return .failure(
                RPCError(
                    code: .invalidArgument,
                    message:
                        "\(record.adapterID) does not accept \(type(of: message).protoMessageName); accepts: \(accepted)"
                ))
        }
        if case .newCase(let c) = translation {
            do { try policy.authorize(caller, role: .submitter, adapter: record.adapterID, region: c.regionCode) } catch
            {
                return .failure(error.rpcError)
            }
        }
        do {
            var options = BinaryEncodingOptions()
            options.useDeterministicOrdering = true
            let content: [UInt8] = try message.serializedBytes(options: options)
            return .success(
                Self.identify(translation, recordType: type(of: message).protoMessageName, content: content))
        } catch {
            return .failure(RPCError(code: .invalidArgument, message: "the record cannot be serialized: \(error)"))
        }
    }

    /// Stamps a translation with its record's identity at the source: the message type (with the source system
    /// and external id, the record's key) and the SHA-256 of its content (what makes a retry of the same
    /// revision a duplicate rather than a conflict). A built-in adapter's record is digested in its
    /// deterministic serialization; a plugin's, whose type the gateway cannot parse, as its bytes were sent.
    static func identify(_ translation: Translation, recordType: String, content: [UInt8]) -> Translation {
        let digest = Data(SHA256.hash(data: content))
        switch translation {
        case .newCase(var c):
            c.source.recordType = recordType
            c.source.contentDigest = digest
            return .newCase(c)
        case .followUp(var f):
            f.recordType = recordType
            f.contentDigest = digest
            return .followUp(f)
        case .rejected:
            return translation
        }
    }

    /// The gRPC error for a store or lifecycle failure.
    static func rpcError(_ error: any Error) -> RPCError {
        switch error {
        case let error as RPCError: return error
        case let denial as AccessDenial: return denial.rpcError
        case let error as StoreError: return error.rpcError
        case let error as CaseError: return error.rpcError
        default:
            // Internal text (SQL, paths) stays in the gateway; the sender learns it may retry.
            return RPCError(code: .internalError, message: "the gateway could not store this record; retry later")
        }
    }
}

extension StoreError {
    static let logger = Logger(label: "govcase.store")

    var rpcError: RPCError {
        let code: RPCError.Code =
            switch code {
            case .olderRevision: .failedPrecondition
            case .alreadyExists: .alreadyExists
            case .notFound: .notFound
            case .conflict: .aborted
            case .badRequest: .invalidArgument
            case .unavailable: .unavailable
            case .configuration, .corrupt: .internalError
            default: .internalError
            }
        guard code != .internalError else {
            // Key ids, paths and storage details stay in the gateway's log; the caller learns it is the
            // gateway's fault, not the record's.
            Self.logger.error("store failure", metadata: ["error": "\(message)"])
            return RPCError(
                code: .internalError, message: "the gateway could not complete this call; its operator has the details")
        }
        return RPCError(code: code, message: message)
    }
}

extension CaseError {
    /// INVALID_ARGUMENT for field violations, FAILED_PRECONDITION for an illegal transition, with the
    /// violations in the trailers (`Rejection.refusal`).
    var rpcError: RPCError {
        violations.rejection.refusal(
            code == .invalidArgument ? .invalidArgument : .failedPrecondition, message: message)
    }
}

extension Govcase_Gateway_V1_RecordAck {
    init(_ index: Int, _ externalID: String, _ result: Result<SubmitOutcome, RPCError>) {
        switch result {
        case .success(let outcome):
            self = .with {
                $0.index = UInt64(index)
                $0.externalID = externalID
                $0.caseID = outcome.caseID
                if case .duplicate = outcome { $0.outcome = .duplicate } else { $0.outcome = .accepted }
            }
        case .failure(let error):
            self = .failed(index, externalID: externalID, error: error)
        }
    }

    static func rejected(_ index: Int, externalID: String, violations: [FieldViolation]) -> Self {
        .with {
            $0.index = UInt64(index)
            $0.externalID = externalID
            $0.outcome = .rejected
            $0.rejection = violations.rejection
            $0.errorCode = Int32(RPCError.Code.invalidArgument.rawValue)
            $0.errorMessage = "\(violations.count) field violation(s)"
        }
    }

    static func failed(_ index: Int, externalID: String, error: RPCError) -> Self {
        .with {
            $0.index = UInt64(index)
            $0.externalID = externalID
            $0.outcome = .rejected
            $0.errorCode = Int32(error.code.rawValue)
            $0.errorMessage = error.message
        }
    }
}

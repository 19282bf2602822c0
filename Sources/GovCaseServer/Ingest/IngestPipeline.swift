import Crypto
import Foundation
import GRPCCore
import GovCaseAdapters
import GovCaseCore
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
    let store: CaseStore
    let policy: AccessPolicy
    let deadlines: RegionalDeadlinePolicies
    let clockSkew: TimeInterval
    let clock: @Sendable () -> Date
    let logger: Logger
    /// How large a record's structure may be.
    let bounds = RecordBounds()

    public init(
        adapters: [AnySourceAdapter], store: CaseStore, policy: AccessPolicy, deadlines: RegionalDeadlinePolicies,
        clockSkew: TimeInterval = 300, clock: @escaping @Sendable () -> Date = Date.init,
        logger: Logger = Logger(label: "govcase.ingest")
    ) {
        self.adapters = Dictionary(uniqueKeysWithValues: adapters.map { ($0.info.id, $0) })
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

    /// Ingests records in order; see `prepare` and `finish`.
    func ingest(_ records: [Record], caller: CallerIdentity) async -> [Govcase_Gateway_V1_RecordAck] {
        await finish(prepare(records, caller: caller))
    }

    /// Records translated, their new cases queued for the next shared commit, their follow-ups waiting.
    struct Prepared: Sendable {
        let caller: CallerIdentity
        let now: Date
        /// Acknowledgements decided already: refusals before the store.
        var acks: [Govcase_Gateway_V1_RecordAck?]
        /// Record index (in the call) of each position.
        let indexes: [Int]
        /// Positions of the new cases, with their external ids, in the order queued.
        var newCases: [(position: Int, externalID: String)] = []
        var ticket: CommitTicket?
        var followUps: [(position: Int, followUp: FollowUp)] = []
    }

    /// Translates records and queues their new cases at once (group commit: they share a transaction with
    /// other calls' cases). Calls made in order commit in order, so a stream may prepare its next message
    /// while the previous one commits.
    func prepare(_ records: [Record], caller: CallerIdentity) -> Prepared {
        let now = clock()
        var prepared = Prepared(
            caller: caller, now: now, acks: .init(repeating: nil, count: records.count), indexes: records.map(\.index))
        var newCases: [Case] = []
        for (position, record) in records.enumerated() {
            switch translate(record, caller: caller, now: now) {
            case .success(.newCase(var c)):
                c.startDeadlines(using: deadlines.policy(forRegion: c.regionCode))
                for problem in c.handling.deadlines.unavailable {
                    // Stored all the same, with the deadline unset and this reason in the case.
                    logger.warning(
                        "a deadline cannot be computed",
                        metadata: ["record.external_id": "\(c.source.externalID)", "deadline.problem": "\(problem)"])
                }
                newCases.append(c)
                prepared.newCases.append((position, c.source.externalID))
            case .success(.followUp(let f)):
                prepared.followUps.append((position, f))
            case .success(.rejected(let violations)):
                prepared.acks[position] = .rejected(
                    record.index, externalID: record.externalID, violations: violations.bounded)
            case .failure(let error):
                prepared.acks[position] = .failed(record.index, externalID: record.externalID, error: error)
            }
        }
        if !newCases.isEmpty { prepared.ticket = store.enqueue(newCases, now: now) }
        return prepared
    }

    /// Waits for the new cases' commit, then applies the follow-ups one by one (each its own transaction,
    /// after the cases it may name); returns an acknowledgement per record, in order.
    func finish(_ prepared: Prepared) async -> [Govcase_Gateway_V1_RecordAck] {
        var acks = prepared.acks
        if let ticket = prepared.ticket {
            do {
                let results = try await ticket.results()
                for ((position, externalID), result) in zip(prepared.newCases, results) {
                    acks[position] = .init(prepared.indexes[position], externalID, result.mapError(Self.rpcError))
                }
            } catch {
                for (position, externalID) in prepared.newCases {
                    acks[position] = .failed(
                        prepared.indexes[position], externalID: externalID,
                        error: RPCError(code: .unavailable, message: "the store failed; retry: \(error)"))
                }
            }
        }
        let caller = prepared.caller
        for (position, f) in prepared.followUps {
            let index = prepared.indexes[position]
            do {
                let outcome = try store.apply(
                    f, sourceSystem: caller.systemID, recordedAt: prepared.now,
                    authorize: { c in
                        // One grant must give the role for the target case's adapter and region, duplicates included.
                        try policy.authorize(
                            caller, role: .submitter, adapter: c.source.adapterID, region: c.regionCode)
                    },
                    policy: deadlines.policy(forRegion:))
                acks[position] = .with {
                    $0.index = UInt64(index)
                    $0.externalID = f.externalID
                    $0.caseID = outcome.caseID
                    $0.outcome = outcome.duplicate ? .duplicate : .accepted
                }
            } catch {
                acks[position] = .failed(index, externalID: f.externalID, error: Self.rpcError(error))
            }
        }
        return acks.map { $0! }
    }

    /// Policy, then the adapter. A new case's region is checked against the caller's grant here.
    func translate(_ record: Record, caller: CallerIdentity, now: Date) -> Result<Translation, RPCError> {
        guard let adapter = adapters[record.adapterID] else {
            let known = adapters.keys.sorted().joined(separator: ", ")
            return .failure(
                RPCError(code: .notFound, message: "unknown adapter \"\(record.adapterID)\"; known: \(known)"))
        }
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
        return Self.identify(translation, as: message)
    }

    /// Stamps a translation with its record's identity at the source: the message type (with the source system
    /// and external id, the record's key) and the SHA-256 of its deterministic serialization (what makes a
    /// retry of the same revision a duplicate rather than a conflict).
    static func identify(_ translation: Translation, as message: any SwiftProtobuf.Message) -> Result<
        Translation, RPCError
    > {
        let recordType = type(of: message).protoMessageName
        let digest: Data
        do {
            var options = BinaryEncodingOptions()
            options.useDeterministicOrdering = true
            digest = Data(SHA256.hash(data: try message.serializedBytes(options: options) as [UInt8]))
        } catch {
            return .failure(RPCError(code: .invalidArgument, message: "the record cannot be serialized: \(error)"))
        }
        switch translation {
        case .newCase(var c):
            c.source.recordType = recordType
            c.source.contentDigest = digest
            return .success(.newCase(c))
        case .followUp(var f):
            f.recordType = recordType
            f.contentDigest = digest
            return .success(.followUp(f))
        case .rejected:
            return .success(translation)
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
    var rpcError: RPCError {
        let code: RPCError.Code =
            switch code {
            case .olderRevision: .failedPrecondition
            case .alreadyExists: .alreadyExists
            case .notFound: .notFound
            case .conflict: .aborted
            case .badRequest: .invalidArgument
            case .configuration, .corrupt: .internalError
            default: .internalError
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

import GRPCCore
import GovCasePolicy
import GovCaseProto
import SwiftProtobuf

/// What a sandbox gateway (the conformance kit's source role) adds to the ingest path: it sees every
/// acknowledgement with the record it answers, and may answer a record with an error before translation (a
/// retryable UNAVAILABLE, to watch how the source retries). A production gateway has neither.
public struct IngestHooks: Sendable {
    /// One record as it arrived, and what the gateway answered.
    public struct Observation: Sendable {
        public var caller: CallerIdentity
        public var adapterID: String
        /// The source message, or nil if it could not be read.
        public var record: (any SwiftProtobuf.Message)?
        /// The region of the case the record made, for a new case.
        public var regionCode: String?
        public var ack: Govcase_Gateway_V1_RecordAck
    }

    /// Called with every acknowledgement, after the store has decided.
    public var observe: (@Sendable (Observation) -> Void)?
    /// Called before translation; an error returned answers the record with it.
    public var inject: (@Sendable (CallerIdentity, _ externalID: String, _ adapterID: String) -> RPCError?)?

    public init(
        observe: (@Sendable (Observation) -> Void)? = nil,
        inject: (@Sendable (CallerIdentity, String, String) -> RPCError?)? = nil
    ) {
        self.observe = observe
        self.inject = inject
    }
}

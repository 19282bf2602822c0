import GRPCCore
import GRPCProtobuf
import GovCaseProto
import SwiftProtobuf

extension Govcase_Core_V1_Rejection {
    /// A call refused for these violations, which travel in two trailers: gRPC's standard
    /// `grpc-status-details-bin` (a `google.rpc.Status` holding a `google.rpc.BadRequest`, which standard
    /// clients such as Python's `grpcio-status` read without our protos) and `govcase-rejection-bin` (this
    /// `govcase.core.v1.Rejection`, with each violation's rule name).
    func refusal(_ code: RPCError.Code, message: String) -> RPCError {
        let badRequest = ErrorDetails.BadRequest(
            violations: violations.map {
                // `reason` carries the rule as a constant (UPPER_SNAKE_CASE, as google.rpc.BadRequest asks), so
                // a client can act on it without parsing the description.
                .init(
                    field: $0.field, description: "\($0.rule): \($0.message)", reason: $0.rule.uppercased(),
                    localizedMessage: nil)
            })
        var metadata = GoogleRPCStatus(code: code, message: message, details: .badRequest(badRequest))
            .rpcErrorMetadata
        if let bytes: [UInt8] = try? serializedBytes() {
            metadata.addBinary(bytes, forKey: "govcase-rejection-bin")
        }
        return RPCError(code: code, message: message, metadata: metadata)
    }
}

import Foundation
import GRPCCore
import GovCaseProto
import SwiftProtobuf
import Testing

/// Inputs that cannot be read at all still get a clear INVALID_ARGUMENT naming what is wrong.
extension MutualTLSTests {
    @Test func unreadableInputsAreInvalidArgumentWithTheReason() async throws {
        try await withRunningGateway { address in
            try await connect(to: address, as: try client("national-sc", region: "510000")) { grpc in
                // A typed submit whose record oneof is unset.
                await #expect {
                    _ = try await Govcase_Gateway_V1_NationalIngestService.Client(wrapping: grpc).submit(.init())
                } throws: {
                    ($0 as? RPCError).map { $0.code == .invalidArgument && $0.message.contains("no record is set") }
                        ?? false
                }
                // A generic record whose bytes are not the message its type URL names.
                var garbled = Govcase_Gateway_V1_GenericRecord()
                garbled.adapterID = "national-platform"
                garbled.record.typeURL = "type.googleapis.com/govcase.sources.national.v1.EvaluationRecord"
                garbled.record.value = Data([0xFF, 0xFF, 0xFF])
                await #expect {
                    _ = try await Govcase_Gateway_V1_GenericIngestService.Client(wrapping: grpc).submit(garbled)
                } throws: {
                    ($0 as? RPCError).map { $0.code == .invalidArgument && $0.message.contains("malformed") } ?? false
                }
            }
            try await connect(to: address, as: try client("auditor-sc", region: "510000")) { grpc in
                // A watch cursor that is not one the gateway issued.
                await #expect {
                    try await Govcase_Gateway_V1_CaseService.Client(wrapping: grpc)
                        .watchCaseEvents(.with { $0.cursor = "yesterday" }) { response in
                            for try await _ in response.messages {}
                        }
                } throws: {
                    ($0 as? RPCError).map { $0.code == .invalidArgument && $0.message.contains("not a cursor") }
                        ?? false
                }
            }
        }
    }
}

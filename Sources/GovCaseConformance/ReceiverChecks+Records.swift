import Foundation
import GRPCCore
import GovCaseProto
import SwiftProtobuf

/// The receiver cases about records: revisions, acknowledgements' external ids, a bad record among good ones.
extension ReceiverChecks {
    /// Revision 2 then revision 1 of one record: the older is refused `FAILED_PRECONDITION` and the case keeps
    /// revision 2. Revision 1 then revision 2 of another: both accepted, one case, which reads back revision 2.
    func revisionsInEitherOrder() async throws -> CheckResult {
        var newer = record("newer-first", level: 4)
        newer.evaluation.revision = 2
        let older = record("newer-first", level: 3)
        let first = try await national { try await $0.submit(newer) }
        guard first.outcome == .accepted else {
            return .fail("revision 2 of a new record was acknowledged \(first.outcome); expected ACCEPTED")
        }
        do {
            let ack = try await national { try await $0.submit(older) }
            let now = try? await readBack(first.caseID)
            return .fail(
                "expected revision 1 after revision 2 refused FAILED_PRECONDITION; it was acknowledged \(ack.outcome), "
                    + "and the case now reads back "
                    + (now.map { "revision \($0.source.revision), level \($0.evaluation.level.rawValue)" } ?? "nothing"))
        } catch let error as RPCError where error.code == .failedPrecondition {
        } catch let error as RPCError {
            return .fail(
                "expected revision 1 after revision 2 refused FAILED_PRECONDITION; it was refused \(Self.describe(error))")
        }
        let kept = try await readBack(first.caseID)
        guard kept.source.revision == 2, kept.evaluation.level.rawValue == 4 else {
            return .fail(
                "revision 1 was refused, but the case reads back revision \(kept.source.revision), level "
                    + "\(kept.evaluation.level.rawValue); expected revision 2, level 4 (an older revision overwrote a newer)")
        }
        let one = record("in-order", level: 3)
        var two = record("in-order", level: 4)
        two.evaluation.revision = 2
        let a = try await national { try await $0.submit(one) }
        guard a.outcome == .accepted else {
            return .fail("revision 1 of a new record was acknowledged \(a.outcome); expected ACCEPTED")
        }
        let b: Govcase_Gateway_V1_RecordAck
        do { b = try await national { try await $0.submit(two) } } catch {
            return .fail(
                "expected revision 2 after revision 1 ACCEPTED as a correction of case \(a.caseID); it was refused "
                    + Self.describe(error))
        }
        guard b.outcome == .accepted, b.caseID == a.caseID else {
            return .fail(
                "expected revision 2 after revision 1 ACCEPTED as a correction of case \(a.caseID); acknowledged "
                    + "\(b.outcome), case \(b.caseID)")
        }
        let corrected = try await readBack(a.caseID)
        guard corrected.source.revision == 2, corrected.evaluation.level.rawValue == 4 else {
            return .fail(
                "revision 2 was accepted, but case \(a.caseID) reads back revision \(corrected.source.revision), level "
                    + "\(corrected.evaluation.level.rawValue); expected revision 2, level 4")
        }
        return .pass(
            "revision 1 after 2 refused FAILED_PRECONDITION, the case kept revision 2; revision 2 after 1 corrected "
                + "the case")
    }

    /// Each acknowledgement's `external_id` is its record's, by Submit, on SubmitStream (two messages of three) and
    /// in SubmitBatch's summary.
    func ackExternalIDs() async throws -> CheckResult {
        var wrong: [String] = []
        func compare(_ how: String, _ records: [Govcase_Gateway_V1_NationalRecord], _ acks: [Govcase_Gateway_V1_RecordAck]) {
            guard acks.count == records.count else {
                wrong.append("\(how): \(acks.count) acknowledgements for \(records.count) records")
                return
            }
            for (index, (record, ack)) in zip(records, acks).enumerated()
            where ack.externalID != record.evaluation.evaluationID {
                wrong.append(
                    "\(how): ack \(index) names \"\(ack.externalID)\" for record \"\(record.evaluation.evaluationID)\"")
            }
        }
        let single = record("ack-id-submit")
        compare("Submit", [single], [try await national { try await $0.submit(single) }])
        let messages = (0..<2).map { m in (0..<3).map { record("ack-id-stream-\(m)-\($0)") } }
        let streamed = try await national { client in
            try await client.submitStream(requestProducer: { writer in
                for records in messages { try await writer.write(.with { $0.records = records }) }
            }) { response in try await response.messages.reduce(into: []) { $0 += $1.acks } }
        }
        compare("SubmitStream", messages.flatMap { $0 }, streamed)
        let batch = (0..<3).map { record("ack-id-batch-\($0)") }
        let summary = try await national { client in
            try await client.submitBatch(requestProducer: { try await $0.write(.with { $0.records = batch }) }) {
                try $0.message
            }
        }
        compare("SubmitBatch", batch, summary.acks)
        return wrong.isEmpty
            ? .pass("10 acknowledgements by Submit, SubmitStream and SubmitBatch, each naming its record")
            : .fail("expected each acknowledgement's external_id to be its record's; " + wrong.prefix(6).joined(separator: "; "))
    }

    /// A record with a level of 7 between two good ones, in one SubmitStream message and in one SubmitBatch: it alone
    /// is REJECTED, the others ACCEPTED and stored, and the call ends OK.
    func badRecordAlone() async throws -> CheckResult {
        for how in ["SubmitStream", "SubmitBatch"] {
            let records = [record("alone-\(how)-0"), record("alone-\(how)-1", level: 7), record("alone-\(how)-2")]
            let acks: [Govcase_Gateway_V1_RecordAck]
            do {
                acks = try await national { client in
                    if how == "SubmitStream" {
                        return try await client.submitStream(requestProducer: { writer in
                            try await writer.write(.with { $0.records = records })
                        }) { response in try await response.messages.reduce(into: []) { $0 += $1.acks } }
                    }
                    return try await client.submitBatch(requestProducer: { writer in
                        try await writer.write(.with { $0.records = records })
                    }) { try $0.message.acks }
                }
            } catch {
                return .fail(
                    "\(how) of three records, the second with level 7: expected the second refused alone; the call "
                        + "failed \(Self.describe(error))")
            }
            let outcomes = acks.map { "\($0.outcome)" }
            guard acks.count == 3, acks[0].outcome == .accepted, acks[1].outcome == .rejected,
                acks[2].outcome == .accepted
            else {
                return .fail(
                    "\(how) of three records, the second with level 7: expected ACCEPTED, REJECTED, ACCEPTED; saw "
                        + "[\(outcomes.joined(separator: ", "))]")
            }
            for index in [0, 2] {
                let stored = try await readBack(acks[index].caseID)
                guard stored.source.externalID == records[index].evaluation.evaluationID else {
                    return .fail(
                        "\(how): record \(index) was ACCEPTED as case \(acks[index].caseID), which reads back "
                            + "\"\(stored.source.externalID)\"")
                }
            }
        }
        return .pass("by SubmitStream and SubmitBatch, the bad record alone REJECTED; the others ACCEPTED and stored")
    }
}

import Foundation
import GovCaseAdapters
import GovCaseCore
import GovCaseProto
import GovCaseWire
import SwiftProtobuf

extension ReceiverChecks {
    /// Each field of `sent` that the case read back (`stored`) does not hold, as `path: sent …, read back …`; empty
    /// when it holds them all. The case is rendered back into a national record by the reference adapter and
    /// compared with what the reference adapter makes of the record sent, field by field, so only the record's own
    /// fields count (not the case id, times or status the receiver adds). Evaluator data may come back masked
    /// (`cases.proto`: GetCase masks it unless the caller may read it): a read-back whose requester is the masked
    /// form of the one sent is compared with the masked case.
    static func fieldsLost(sent: Govcase_Sources_National_V1_EvaluationRecord, stored: Govcase_Core_V1_Case) throws
        -> [String]
    {
        let adapter = try nationalAdapter()
        let expected = try reference(sent, by: adapter)
        let got: Case
        do { got = try Case(proto: stored) } catch {
            return ["the case read back is not a valid govcase.core.v1.Case: \(error)"]
        }
        let reference = got.requester != expected.requester && got.requester == expected.masked.requester
            ? expected.masked : expected
        let want = try rendered(reference, by: adapter)
        let back: Govcase_Sources_National_V1_EvaluationRecord
        do { back = try rendered(got, by: adapter) } catch {
            return ["the case read back cannot be rendered as the record it came from (\(error))"]
        }
        return differences(try json(back), try json(want), path: "")
    }

    /// What the reference adapter makes of `sent`, as a reader sees it (`masked`) or a privacy reader does.
    static func referenceCase(_ sent: Govcase_Sources_National_V1_EvaluationRecord, masked: Bool = false) throws
        -> Govcase_Core_V1_Case
    {
        let expected = try reference(sent, by: try nationalAdapter())
        return masked ? expected.masked.proto : expected.proto
    }

    static func nationalAdapter() throws -> AnySourceAdapter {
        guard let adapter = BuiltInAdapters.all().first(where: { $0.info.id == "national-platform" }) else {
            throw ConformanceError("the kit has no national-platform reference adapter")
        }
        return adapter
    }

    static func reference(_ sent: Govcase_Sources_National_V1_EvaluationRecord, by adapter: AnySourceAdapter) throws
        -> Case
    {
        let context = TranslationContext(sourceSystem: "conformance-kit", receivedAt: Date())
        switch adapter.translate(sent, context: context) {
        case .newCase(let expected)?: return expected
        case .rejected(let violations)?:
            throw ConformanceError(
                "the reference adapter refuses the kit's own record: "
                    + violations.map { "\($0.field) \($0.rule)" }.joined(separator: ", "))
        default: throw ConformanceError("the reference adapter does not translate the kit's own record into a case")
        }
    }

    static func rendered(_ c: Case, by adapter: AnySourceAdapter) throws -> Govcase_Sources_National_V1_EvaluationRecord {
        guard let record = try adapter.render(c).lazy.compactMap({ $0 as? Govcase_Sources_National_V1_EvaluationRecord })
            .first
        else { throw ConformanceError("no EvaluationRecord rendered") }
        return record
    }

    static func json(_ record: Govcase_Sources_National_V1_EvaluationRecord) throws -> Any {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        return try JSONSerialization.jsonObject(with: try record.jsonUTF8Data(options: options))
    }

    /// Paths at which `got` (read back) differs from `want` (sent), each with both values.
    static func differences(_ got: Any?, _ want: Any?, path: String) -> [String] {
        if let got = got as? [String: Any], let want = want as? [String: Any] {
            return Set(got.keys).union(want.keys).sorted().flatMap {
                differences(got[$0], want[$0], path: path.isEmpty ? $0 : "\(path).\($0)")
            }
        }
        if let got = got as? [Any], let want = want as? [Any], got.count == want.count {
            return zip(got, want).enumerated().flatMap { differences($1.0, $1.1, path: "\(path)[\($0)]") }
        }
        func text(_ value: Any?) -> String {
            guard let value else { return "nothing" }
            guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])
            else { return "\(value)" }
            return String(decoding: data, as: UTF8.self)
        }
        let (a, b) = (text(got), text(want))
        return a == b ? [] : ["\(path): sent \(b.prefix(120)), read back \(a.prefix(120))"]
    }
}

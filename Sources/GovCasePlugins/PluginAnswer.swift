import GovCaseCore
import GovCaseProto
import GovCaseWire

/// Reads a plugin's answer for one record as a translation, holding the plugin to the contract
/// (plugin.proto, `TranslateResponse`): a case for another source, another record or with gateway-owned
/// fields set is refused, naming the plugin; a case that passes goes through the core validator like a
/// built-in adapter's.
public enum PluginAnswer {
    /// Why a plugin's answer broke the contract.
    public struct ContractBroken: Error, Sendable, Hashable, CustomStringConvertible {
        public var pluginID: String
        public var reason: String
        public var description: String { "adapter plugin \(pluginID) answered outside its contract: \(reason)" }

        public init(pluginID: String, reason: String) {
            self.pluginID = pluginID
            self.reason = reason
        }
    }

    /// The translation of `answer`, given for the record with external id `recordExternalID` (empty when the
    /// record has none in field 1).
    public static func translation(
        of answer: Govcase_Plugin_V1_TranslateResponse, recordExternalID: String, pluginID: String,
        context: TranslationContext
    ) -> Result<Translation, ContractBroken> {
        func broken(_ reason: String) -> Result<Translation, ContractBroken> {
            .failure(ContractBroken(pluginID: pluginID, reason: reason))
        }
        switch answer.result {
        case nil:
            return broken("no case, follow-up or rejection is set")
        case .rejection(let rejection):
            guard !rejection.violations.isEmpty else { return broken("a rejection with no violation") }
            return .success(.rejected(rejection.violations.map(FieldViolation.init(proto:))))
        case .followUp(let proto):
            guard recordExternalID.isEmpty || proto.externalID == recordExternalID else {
                return broken("a follow-up \"\(proto.externalID)\" for record \"\(recordExternalID)\"")
            }
            do {
                return .success(Translation.followUp(try FollowUp(proto: proto)).reported(by: context.sourceSystem))
            } catch {
                return broken("follow-up: \(error)")
            }
        case .case(let proto):
            let owned = [
                ("case_id", !proto.caseID.isEmpty), ("bad_review", proto.hasBadReview),
                ("events", !proto.events.isEmpty), ("source.record_type", !proto.source.recordType.isEmpty),
                ("source.content_digest", !proto.source.contentDigest.isEmpty), ("created_at", proto.hasCreatedAt),
                ("updated_at", proto.hasUpdatedAt),
            ].filter(\.1).map(\.0)
            guard owned.isEmpty else {
                return broken("it set \(owned.joined(separator: ", ")), which the gateway derives; leave them unset")
            }
            guard proto.source.sourceSystem.isEmpty || proto.source.sourceSystem == context.sourceSystem else {
                return broken(
                    "a case for source system \"\(proto.source.sourceSystem)\"; the caller is \"\(context.sourceSystem)\""
                )
            }
            guard proto.source.adapterID.isEmpty || proto.source.adapterID == pluginID else {
                return broken("a case for adapter \"\(proto.source.adapterID)\"")
            }
            guard recordExternalID.isEmpty || proto.source.externalID == recordExternalID else {
                return broken("a case \"\(proto.source.externalID)\" for record \"\(recordExternalID)\"")
            }
            var c: Case
            do {
                c = try Case(translatedByPlugin: proto)
            } catch {
                return broken("case: \(error)")
            }
            // A case starts where its lifecycle starts, or in a status still open (a hand-over already
            // transferred); never in a closing status, which would skip the loop its lifecycle demands.
            guard c.lifecycle.statuses.contains(c.status),
                c.status == c.lifecycle.initialStatus || !c.lifecycle.isClosing(c.status)
            else {
                return broken("a new case may not start in status \(c.status) of lifecycle \(c.lifecycle)")
            }
            c.source.sourceSystem = context.sourceSystem
            c.source.adapterID = pluginID
            let violations = CaseValidator(context: context.validation).violations(in: c)
            return .success(violations.isEmpty ? .newCase(c) : .rejected(violations))
        }
    }
}

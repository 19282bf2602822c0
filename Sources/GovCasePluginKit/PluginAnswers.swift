import Foundation
import GovCaseCore
import GovCaseProto
import GovCaseWire

extension Govcase_Plugin_V1_TranslateResponse {
    /// A translation as a plugin answers it (plugin.proto, `TranslateResponse`): a new case with what the
    /// gateway owns left unset, a follow-up, or a rejection.
    public init(_ translation: Translation) {
        self.init()
        switch translation {
        case .newCase(let c):
            var p = c.proto
            p.caseID = ""
            p.clearBadReview()
            p.events = []
            p.source.sourceSystem = ""
            p.source.adapterID = ""
            p.source.recordType = ""
            p.source.contentDigest = Data()
            p.clearCreatedAt()
            p.clearUpdatedAt()
            self.case = p
        case .followUp(let f):
            followUp = f.proto
        case .rejected(let violations):
            rejection = violations.rejection
        }
    }
}

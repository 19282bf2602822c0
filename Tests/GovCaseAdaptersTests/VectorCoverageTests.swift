import GovCaseAdapters
import GovCaseCore
import Testing

/// The vectors together cover what the policy needs: every kind, channel and level, real-name and anonymous
/// parties, a bad review's whole loop, 12345 hand-overs routed three ways, and code-table overrides.
@Suite struct VectorCoverageTests {
    struct Covered {
        var kinds: Set<CaseKind> = []
        var channels: Set<Channel> = []
        var levels: Set<SatisfactionLevel> = []
        var realName: Set<Bool> = []
        var handoverTracks: Set<HandlingTrack> = []
        var closedBadReview = false
        var overriddenAdapters: Set<String> = []
    }

    static let covered: Covered = {
        var covered = Covered()
        for vector in Vector.all(valid: true) {
            if vector.overrides != nil { covered.overriddenAdapters.insert(vector.adapterID) }
            switch vector.adapter.translate(try! vector.decode(vector.record), context: vector.context) {
            case .newCase(let c)?:
                covered.kinds.insert(c.kind)
                if let channel = c.service.channel { covered.channels.insert(channel) }
                if let level = c.evaluation?.level { covered.levels.insert(level) }
                if let p = c.requester { covered.realName.insert(p.realName) }
                if c.handling.transfers.first?.fromUnit == "12345", let track = c.request?.track {
                    covered.handoverTracks.insert(track)
                }
            case .followUp(let f)?:
                for step in f.steps where step.action.kind == .returnVisit { covered.levels.insert(step.action.level!) }
                if vector.adapterID == "national-platform",
                    vector.expect["status_after"]?.string == "CASE_STATUS_CLOSED"
                {
                    covered.closedBadReview = true
                }
            default: break
            }
        }
        return covered
    }()

    @Test func everyKindChannelAndLevel() {
        #expect(Self.covered.kinds == Set(CaseKind.allCases))
        #expect(Self.covered.channels == Set(Channel.allCases))
        #expect(Self.covered.levels == Set(SatisfactionLevel.allCases))
    }

    @Test func realNameAndAnonymousParties() { #expect(Self.covered.realName == [true, false]) }

    @Test func aBadReviewThroughItsWholeLoop() { #expect(Self.covered.closedBadReview) }

    @Test func handOversRoutedToEnforcementComplaintBodyAndDesignatedUnit() {
        #expect(Self.covered.handoverTracks == [.lawEnforcement, .mediation, .ordinary])
    }

    @Test func everyAdapterHasOverrideVectorsAndEnoughVectors() {
        #expect(Self.covered.overriddenAdapters == Set(BuiltInAdapters.all().map(\.info.id)))
        for adapter in BuiltInAdapters.all() {
            #expect(Vector.all(valid: true).filter { $0.adapterID == adapter.info.id }.count >= 25)
            #expect(Vector.all(valid: false).filter { $0.adapterID == adapter.info.id }.count >= 12)
        }
    }
}

import Foundation
import GovCaseAdapters
import GovCaseCore
import GovCaseProto
import SwiftProtobuf
import Testing

/// render(translate(x)) == x over records generated from each adapter's code tables, beyond the vectors.
@Suite struct RoundTripPropertyTests {
    /// SplitMix64: a small seeded generator, so a failure names the seed that reproduces it.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(next() % UInt64(range.count))
        }
        mutating func bool() -> Bool { next() & 1 == 1 }
        mutating func pick<T>(_ values: [T]) -> T { values[int(0...values.count - 1)] }
        mutating func code(_ adapter: String, _ table: String) -> String {
            pick(BuiltInAdapters.all().first { $0.info.id == adapter }!.codeTable.tables[table]!.keys.sorted())
        }
        /// A time in the week before 2025-03-10 02:00 UTC, to the second.
        mutating func time() -> Google_Protobuf_Timestamp {
            Google_Protobuf_Timestamp(seconds: 1_741_572_000 - Int64(int(60...604_800)), nanos: 0)
        }
        mutating func text(_ pool: [String]) -> String { pick(pool) + String(int(0...999)) }
    }

    static let seeds = Array(UInt64(1)...60)
    static let context = TranslationContext(
        sourceSystem: "property", receivedAt: Date(timeIntervalSince1970: 1_741_572_000))
    static let phones = ["13812345678", "028-85556666", "0755-8888888", "19912345678"]
    static let ids = ["11010519491231002X", "110101199003074477", "510104198507125679"]

    static func roundTrip(_ adapterID: String, _ message: any SwiftProtobuf.Message, seed: UInt64) throws {
        let adapter = BuiltInAdapters.all().first { $0.info.id == adapterID }!
        guard case .newCase(let c)? = adapter.translate(message, context: context) else {
            Issue.record(
                "seed \(seed): not translated: \(String(describing: adapter.translate(message, context: context)))")
            return
        }
        let rendered = try adapter.render(c)
        #expect(rendered.first?.textFormatString() == message.textFormatString(), "seed \(seed)")
    }

    @Test(arguments: seeds)
    func nationalEvaluations(seed: UInt64) throws {
        var g = Generator(state: seed)
        var r = Govcase_Sources_National_V1_EvaluationRecord()
        r.evaluationID = "PJ-\(seed)"
        r.revision = UInt64(g.int(1...5))
        r.matterID = g.text(["BJ-", "BJ-510104-"])
        r.item = .with {
            $0.itemCode = g.text(["11510104MB1234567X", "000125006"])
            $0.itemName = g.pick(["食品经营许可", "户籍迁移", "社保卡补办"])
            $0.orgName = g.pick(["锦江区行政审批局", "成都市公安局"])
            $0.orgCreditCode = g.pick(["", "91440300708461136T", "12100000400000624D"])
        }
        r.regionCode = g.pick(["510104", "500151", "110101"])
        r.channel = g.code("national-platform", "channel")
        r.level = Int32(g.int(1...5))
        if r.level <= 2 || g.bool() { r.detailItems = [g.text(["等待", "态度"])] }
        if g.bool() { r.text = g.text(["很好", "一般", "太慢了"]) }
        if g.bool() {
            r.evaluator = .with {
                $0.partyType = "1"
                $0.realName = g.bool()
                if $0.realName { $0.name = g.pick(["张三", "李四"]) }
                $0.phone = g.pick(Self.phones)
                if g.bool() {
                    $0.documentType = "111"
                    $0.documentNumber = g.pick(Self.ids)
                }
            }
        }
        r.evaluationType = g.code("national-platform", "evaluationType")
        if g.bool() {
            r.window = g.text(["窗口"])
            r.staffID = g.text(["A"])
            r.staffName = g.pick(["李明", "王芳"])
        }
        r.evaluatedAt = g.time()
        // The matter completed before it was evaluated (an evaluation before its service is refused).
        if g.bool() {
            r.matterCompletedAt = Google_Protobuf_Timestamp(
                seconds: r.evaluatedAt.seconds - Int64(g.int(0...86_400)), nanos: 0)
        }
        try Self.roundTrip("national-platform", r, seed: seed)
    }

    @Test(arguments: seeds)
    func hotlineWorkOrders(seed: UInt64) throws {
        var g = Generator(state: seed)
        var r = Govcase_Sources_Hotline12345_V1_WorkOrder()
        r.orderID = "GD-\(seed)"
        r.revision = UInt64(g.int(1...5))
        r.regionCode = g.pick(["500151", "510104"])
        r.requestKind = g.code("hotline-12345", "requestKind")
        r.channel = g.code("hotline-12345", "channel")
        r.caller = .with {
            $0.partyType = "1"
            $0.realName = true
            $0.name = g.pick(["王五", "赵六"])
            $0.phone = g.pick(Self.phones)
        }
        r.title = g.text(["标题"])
        r.content = g.text(["诉求内容", "反映问题"])
        r.category = g.pick(["", "文化旅游", "市场监管"])
        r.allegesViolation = g.bool()
        r.respondent = g.text(["某某公司", "某某网吧"])
        if g.bool() {
            r.place = .with {
                $0.regionCode = "500151"
                $0.address = g.text(["某路"])
                $0.longitude = 105.84
                $0.latitude = 30.19
            }
        }
        r.handlingUnit = g.pick(["", "潼南区文化和旅游发展委员会"])
        r.receivedAt = g.time()
        if g.bool() { r.handleBy = g.time() }
        try Self.roundTrip("hotline-12345", r, seed: seed)
    }

    @Test(arguments: seeds)
    func cultureTourismHandOvers(seed: UInt64) throws {
        var g = Generator(state: seed)
        var r = Govcase_Sources_Culturetourism_V1_HotlineHandover()
        r.orderID = "GD-\(seed)"
        r.revision = UInt64(g.int(1...5))
        r.regionCode = "500151"
        r.requestKind = g.code("culture-tourism", "requestKind")
        r.caller = .with {
            $0.partyType = "1"
            $0.realName = true
            $0.name = "王五"
            $0.phone = g.pick(Self.phones)
        }
        r.title = g.text(["标题"])
        r.content = g.text(["内容"])
        r.allegesViolation = g.bool()
        r.respondent = .with { $0.name = g.text(["某某旅行社"]) }
        r.receivedAt = g.time()
        r.handedOverAt = g.time()
        if g.bool() { r.handleBy = g.time() }
        try Self.roundTrip("culture-tourism", r, seed: seed)
    }

    @Test(arguments: seeds)
    func cultureTourismComplaintsAndReports(seed: UInt64) throws {
        var g = Generator(state: seed)
        let person = Govcase_Sources_Culturetourism_V1_Person.with {
            $0.partyType = g.code("culture-tourism", "partyType")
            $0.realName = true
            $0.name = g.pick(["周九", "孙八"])
            $0.phone = g.pick(Self.phones)
        }
        let business = Govcase_Sources_Culturetourism_V1_Business.with {
            $0.name = g.text(["某某旅行社", "某某KTV"])
            $0.creditCode = g.pick(["", "91110000802100433B"])
            $0.trade = g.pick(["", "旅行社", "娱乐场所"])
        }
        if g.bool() {
            var r = Govcase_Sources_Culturetourism_V1_TourismComplaint()
            r.complaintID = "TS-\(seed)"
            r.revision = 1
            r.regionCode = "500151"
            r.channel = g.code("culture-tourism", "channel")
            r.complainant = person
            r.respondent = business
            r.content = g.text(["投诉内容"])
            r.demand = g.pick(["", "退款"])
            r.receivedAt = g.time()
            r.handlingUnit = g.pick(["", "旅游质监执法支队"])
            try Self.roundTrip("culture-tourism", r, seed: seed)
        } else {
            var r = Govcase_Sources_Culturetourism_V1_MarketReport()
            r.reportID = "JB-\(seed)"
            r.revision = 1
            r.regionCode = "510104"
            r.channel = g.code("culture-tourism", "channel")
            if g.bool() { r.reporter = person }
            r.reported = business
            r.content = g.text(["举报内容"])
            r.place = g.pick(["", "某路8号"])
            if g.bool() { r.occurredAt = g.time() }
            r.receivedAt = g.time()
            r.enforcementUnit = "文化市场综合行政执法总队"
            try Self.roundTrip("culture-tourism", r, seed: seed)
        }
    }
}

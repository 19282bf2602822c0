import Foundation
import GovCaseCore
import GovCasePKI
import GovCasePolicy
import GovCaseServer
import GovCaseStore
import Testing

/// The configuration file as documented: the README's example parses as written, and keys are checked.
@Suite struct GatewayConfigurationTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("README.md")

    @Test func theREADMEExampleIsAValidConfiguration() throws {
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        let start = try #require(text.range(of: "```yaml\n"))
        let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        let configuration = try GatewayConfiguration.parse(yaml: String(text[start.upperBound..<end.lowerBound]))
        #expect(configuration.listen.port == 8443)
        #expect(configuration.limits == GatewayLimits(), "the README lists the defaults")
        #expect(configuration.policy.trustDomain == "zwfw.sc.gov.cn")
        #expect(configuration.plugins.manifests == "/etc/govcase/plugins.d")
        #expect(configuration.forwarding.routes.map(\.route.name) == ["province"])
        #expect(
            configuration.codeOverrides["national-platform"]?["national-sc"]?["documentType"]?["10"] == "residentIDCard"
        )
    }

    /// What `check()` finds beyond decoding, on real files: each error names its key.
    @Test func checkingNamesTheKeyOfAMissingFileOrAnUnknownAdapter() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("govcase-config-\(UUID())")
        let files = try DevelopmentPKI().write(to: folder)
        let key = folder.appendingPathComponent("evaluator.key").path
        try EvaluatorVault.newKeyBase64().write(toFile: key, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
        var configuration = try GatewayConfiguration.parse(
            yaml: """
                listen: { host: 127.0.0.1, port: 0 }
                tls: { certificate: \(files.serverCertificate), key: \(files.serverKey), client_ca: \(files.caCertificate) }
                store: { path: \(folder.path)/cases.sqlite, evaluator_key: \(key) }
                policy: { trust_domain: dev.govcase.local, grants: [] }
                """)
        try configuration.check()

        func faultyKey(_ configuration: GatewayConfiguration) -> String? {
            do {
                try configuration.check()
                return nil
            } catch { return error.key }
        }
        var broken = configuration
        broken.codeOverrides = ["provincial-x": [:]]
        #expect(faultyKey(broken) == "code_overrides.provincial-x")
        for (overrides, key) in [
            (
                ["national-platform": ["sc": ["chanel": ["31": "windowDevice"]]]],
                "code_overrides.national-platform.sc.chanel"
            ),
            (
                ["national-platform": ["sc": ["channel": ["31": "windowDevise"]]]],
                "code_overrides.national-platform.sc.channel.31"
            ),
            (
                ["national-platform": ["sc": ["channel": [" ": "windowDevice"]]]],
                "code_overrides.national-platform.sc.channel"
            ),
            // A detail-code list: level-scoped codes with labels, named by version.
            (
                ["national-platform": ["sc": ["detailItems.2023": ["601": "其他"]]]],
                "code_overrides.national-platform.sc.detailItems.2023.601"
            ),
            (
                ["national-platform": ["sc": ["detailItems.2023": ["501": " "]]]],
                "code_overrides.national-platform.sc.detailItems.2023.501"
            ),
            (
                ["national-platform": ["sc": ["detailItems.": ["501": "流程简便"]]]],
                "code_overrides.national-platform.sc.detailItems."
            ),
            (
                ["hotline-12345": ["sc": ["detailItems.2023": ["501": "流程简便"]]]],
                "code_overrides.hotline-12345.sc.detailItems.2023"
            ),
        ] {
            broken = configuration
            broken.codeOverrides = overrides
            #expect(faultyKey(broken) == key)
        }
        broken = configuration
        broken.codeOverrides = ["national-platform": ["sc": ["channel": ["31": "windowDevice"]]]]
        #expect(faultyKey(broken) == nil)
        // Routing names the deployment's units (culturetourism.proto): any name; only the three keys are checked.
        broken.codeOverrides = [
            "culture-tourism": ["sc": ["routing": ["complaint": "四川省旅游投诉处理中心", "enforcement": "成都市文化市场综合行政执法总队"]]]
        ]
        #expect(faultyKey(broken) == nil)
        broken.codeOverrides = ["culture-tourism": ["sc": ["routing": ["complain": "四川省旅游投诉处理中心"]]]]
        #expect(faultyKey(broken) == "code_overrides.culture-tourism.sc.routing.complain")
        broken.codeOverrides = ["culture-tourism": ["sc": ["routing": ["complaint": " "]]]]
        #expect(faultyKey(broken) == "code_overrides.culture-tourism.sc.routing.complaint")
        broken.codeOverrides = ["national-platform": ["sc": ["detailItems.2023": ["501": "流程简便", "101": "态度差"]]]]
        #expect(faultyKey(broken) == nil)
        broken = configuration
        broken.tls.keyPath = files.serverCertificate
        #expect(faultyKey(broken) == "tls.key")
        broken = configuration
        broken.tls.clientCAPath = folder.appendingPathComponent("none.pem").path
        #expect(faultyKey(broken) == "tls.client_ca")
        broken = configuration
        broken.store.evaluatorKey = files.caCertificate
        #expect(faultyKey(broken) == "store.evaluator_key")
        broken = configuration
        broken.tls.crlPaths = [files.caCertificate]
        #expect(faultyKey(broken) == "tls.crls", "a certificate is not a CRL")
        configuration.tls.certificatePath = key
        #expect(faultyKey(configuration) == "tls.certificate")
    }

    static let base = """
        listen: { host: 127.0.0.1, port: 0 }
        tls: { certificate: s.pem, key: s-key.pem, client_ca: ca.pem }
        store: { path: cases.sqlite, evaluator_key: evaluator.key }
        policy: { trust_domain: d, grants: [] }

        """

    /// Deadline periods per region, the holiday calendar and the validation clock skew are configuration, over
    /// the built-in national defaults.
    @Test func deadlinesCalendarAndClockSkewAreConfigured() throws {
        let configuration = try GatewayConfiguration.parse(
            yaml: Self.base + """
                deadlines:
                  default:
                    default_rating: 2 natural days
                    request_handling: { complaint: 15 working days, help_request: 5 working days }
                  regions:
                    "500151": { bad_review_rectification: 3 working days }
                    "35": { default_rating: 2 natural days, default_rating_level: 5 }
                    "5001": { default_rating_made_by: gateway }
                  calendar:
                    years: [2027]
                    holidays: ["2027-01-01"]
                validation: { clock_skew_seconds: 60 }
                """)
        let policies = configuration.deadlines.policies
        let tongnan = policies.policy(forRegion: "500151")
        let chengdu = policies.policy(forRegion: "510104")
        #expect(tongnan.badReviewRectification == .workingDays(3))
        #expect(chengdu.badReviewRectification == .workingDays(5), "the national default where not configured")
        #expect(tongnan.defaultRating == .naturalDays(2) && chengdu.defaultRating == .naturalDays(2))
        // Fujian's default: 非常满意 after 2 days; elsewhere 基本满意 (FIELDS.md §1.5).
        #expect(policies.policy(forRegion: "350100").defaultRatingLevel == .verySatisfied)
        #expect(chengdu.defaultRatingLevel == .basicallySatisfied)
        // Regions' settings apply over the defaults, not over a shorter prefix: Tongnan (500151) has its own.
        #expect(policies.policy(forRegion: "500101").defaultRatingMadeBy == .gateway)
        #expect(tongnan.defaultRatingMadeBy == .source && chengdu.defaultRatingMadeBy == .source)
        #expect(chengdu.requestHandling == [.complaint: .workingDays(15), .helpRequest: .workingDays(5)])
        #expect(chengdu.calendar.coveredYears == [2024, 2025, 2026, 2027])
        #expect(chengdu.calendar.holidays.contains(CivilDate("2027-01-01")!))
        #expect(configuration.validation.clockSkewSeconds == 60)
        #expect(try GatewayConfiguration.parse(yaml: Self.base).deadlines.policies.fallback == .standard)
    }

    @Test(arguments: [
        (
            "deadlines: { default: { bad_review_rectificaton: 3 working days } }",
            "deadlines.default.bad_review_rectificaton"
        ),
        ("deadlines: { default: { default_rating: 3 weeks } }", "deadlines.default.default_rating"),
        ("deadlines: { default: { default_rating_level: 6 } }", "deadlines.default.default_rating_level"),
        ("deadlines: { regions: { \"51\": { default_rating_made_by: platform } } }", "deadlines.regions.51.default_rating_made_by"),
        (
            "deadlines: { default: { request_handling: { complain: 1 working day } } }",
            "deadlines.default.request_handling"
        ),
        ("deadlines: { regions: { \"51x\": {} } }", "deadlines.regions"),
        ("deadlines: { calendar: { years: [2027], holidays: [\"2028-01-01\"] } }", "deadlines.calendar.holidays"),
        ("deadlines: { calendar: { holidays: [\"2027-02-30\"] } }", "deadlines.calendar.holidays"),
        ("validation: { clock_skew_seconds: -5 }", "validation.clock_skew_seconds"),
        ("validation: { clock_skew: 5 }", "validation.clock_skew"),
        ("builtin_adapters: [national-platform, national-plaform]", "builtin_adapters"),
    ])
    func badDeadlineAndValidationKeysAreNamed(yaml: String, key: String) {
        #expect {
            try GatewayConfiguration.parse(yaml: Self.base + yaml)
        } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }

    @Test(arguments: [
        ("expired_crl: ignore", "tls.expired_crl"), ("reload_seconds: 0", "tls.reload_seconds"),
        ("crl: [ca.crl]", "tls.crl"), ("crls: ca.crl", "tls.crls"),
    ])
    func badTLSKeysAreNamed(setting: String, key: String) {
        let yaml = Self.base.replacingOccurrences(of: "client_ca: ca.pem }", with: "client_ca: ca.pem, \(setting) }")
        #expect {
            try GatewayConfiguration.parse(yaml: yaml)
        } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }

    @Test func builtInAdaptersAreAllByDefaultAndCanBeLeftOut() throws {
        #expect(try GatewayConfiguration.parse(yaml: Self.base).builtInAdapters.count == 3)
        let some = try GatewayConfiguration.parse(yaml: Self.base + "builtin_adapters: [hotline-12345]")
        #expect(some.builtInAdapters == ["hotline-12345"])
    }
}

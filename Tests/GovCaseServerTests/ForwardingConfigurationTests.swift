import Foundation
import GovCaseCore
import GovCaseForwarding
import GovCasePKI
import GovCasePolicy
import GovCaseServer
import GovCaseStore
import Testing

/// `forwarding.routes` as documented: parsed into routes, every fault an error naming its key, files checked at
/// start.
@Suite struct ForwardingConfigurationTests {
    static let route = """
        forwarding:
          routes:
            - name: province
              select: { source_systems: ["county-*"], kinds: [evaluation], regions: ["5101"], changes: [new-case, lifecycle-step] }
              adapter: national-platform
              destination:
                address: province.example.cn:7443
                ca: province-ca.pem
                spiffe_id: spiffe://gov.example.cn/gateway/province
                certificate: county.pem
                key: county-key.pem
              concurrency: 2
              batch_size: 200
              retention_days: 30
              retry: { initial_backoff_ms: 500, max_backoff_seconds: 120, multiplier: 3 }

        """

    @Test func aRouteIsReadAsWritten() throws {
        let configuration = try GatewayConfiguration.parse(yaml: GatewayConfigurationTests.base + Self.route)
        let route = try #require(configuration.forwarding.routes.first?.route)
        #expect(route.name == "province" && route.renderAdapter == "national-platform")
        #expect(route.destinationAdapter == "national-platform", "the receiver's adapter defaults to the renderer")
        #expect(route.destination.host == "province.example.cn" && route.destination.port == 7443)
        #expect(route.destination.identity == .spiffeID("spiffe://gov.example.cn/gateway/province"))
        #expect(route.concurrency == 2 && route.batchSize == 200 && route.retention == .seconds(30 * 86_400))
        #expect(route.retry == RetryPolicy(initialBackoff: .milliseconds(500), maxBackoff: .seconds(120), multiplier: 3))
        #expect(
            route.selector
                == RouteSelector(
                    route: "province", sourceSystems: ["county-*"], kinds: [.evaluation], regionPrefixes: ["5101"],
                    changes: [.created, .step]))
        #expect(configuration.forwarding.selectors == [route.selector])
        let none = try GatewayConfiguration.parse(yaml: GatewayConfigurationTests.base)
        #expect(none.forwarding.routes.isEmpty, "no forwarding unless configured")
    }

    @Test(arguments: [
        ("spiffe_id: spiffe://gov.example.cn/gateway/province", "", "forwarding.routes.0.destination.server_name"),
        ("spiffe_id: spiffe://gov.example.cn/gateway/province", "spiffe_id: gov.example.cn/province",
            "forwarding.routes.0.destination.spiffe_id"),
        ("spiffe_id: spiffe://gov.example.cn/gateway/province",
            "spiffe_id: spiffe://gov.example.cn/gateway/province\n        server_name: province.example.cn",
            "forwarding.routes.0.destination.spiffe_id"),
        ("address: province.example.cn:7443", "address: province.example.cn", "forwarding.routes.0.destination.address"),
        ("kinds: [evaluation]", "kinds: [evaluaton]", "forwarding.routes.0.select.kinds"),
        ("changes: [new-case, lifecycle-step]", "changes: [new-case, reminder]", "forwarding.routes.0.select.changes"),
        ("regions: [\"5101\"]", "regions: [\"51x\"]", "forwarding.routes.0.select.regions"),
        ("concurrency: 2", "concurrency: 0", "forwarding.routes.0.concurrency"),
        ("batch_size: 200", "batch_size: 5000", "forwarding.routes.0.batch_size"),
        ("multiplier: 3", "multiplier: 30", "forwarding.routes.0.retry.multiplier"),
        ("max_backoff_seconds: 120", "max_backoff_seconds: 0", "forwarding.routes.0.retry.max_backoff_seconds"),
        ("retention_days: 30", "retention_day: 30", "forwarding.routes.0.retention_day"),
        ("- name: province", "- name: pro vince", "forwarding.routes.0.name"),
    ])
    func aBadRouteIsRefusedNamingItsKey(original: String, replacement: String, key: String) {
        let yaml = GatewayConfigurationTests.base + Self.route.replacingOccurrences(of: original, with: replacement)
        #expect {
            try GatewayConfiguration.parse(yaml: yaml)
        } throws: { error in
            let got = (error as? ConfigurationError)?.key
            if got != key { Issue.record("key \(got ?? "nil"): \(error)") }
            return got == key
        }
    }

    @Test func twoRoutesOfOneNameAreRefused() {
        let twice = Self.route + Self.route.split(separator: "\n").dropFirst(2).map { "\($0)\n" }.joined()
        #expect {
            try GatewayConfiguration.parse(yaml: GatewayConfigurationTests.base + twice)
        } throws: { error in
            (error as? ConfigurationError)?.key == "forwarding.routes"
                && "\(error)".contains("two routes are named \"province\"")
        }
    }

    /// What `check()` finds on real files, naming the key: a route's adapter this gateway does not run, and each
    /// file that is missing or holds the wrong thing.
    @Test func checkingNamesTheRoutesFilesAndAdapter() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("govcase-fwconfig-\(UUID())")
        let files = try DevelopmentPKI().write(to: folder)
        let key = folder.appendingPathComponent("evaluator.key").path
        try EvaluatorVault.newKeyBase64().write(toFile: key, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
        let client = try #require(files.clients["national-sc"])
        let yaml = """
            listen: { host: 127.0.0.1, port: 0 }
            tls: { certificate: \(files.serverCertificate), key: \(files.serverKey), client_ca: \(files.caCertificate) }
            store: { path: \(folder.path)/cases.sqlite, evaluator_key: \(key) }
            policy: { trust_domain: dev.govcase.local, grants: [] }
            forwarding:
              routes:
                - name: up
                  adapter: national-platform
                  destination: { address: "127.0.0.1:7443", ca: \(files.caCertificate), server_name: localhost,
                                 certificate: \(client.certificate), key: \(client.key) }

            """
        let configuration = try GatewayConfiguration.parse(yaml: yaml)
        try configuration.check()
        func faultyKey(_ edit: (inout Route) -> Void, builtIns: [String]? = nil) -> String? {
            var broken = configuration
            edit(&broken.forwarding.routes[0].route)
            if let builtIns { broken.builtInAdapters = builtIns }
            do {
                try broken.check()
                return nil
            } catch { return error.key }
        }
        #expect(faultyKey({ $0.renderAdapter = "province-json" }) == "forwarding.routes[0].adapter")
        #expect(
            faultyKey({ _ in }, builtIns: ["hotline-12345"]) == "forwarding.routes[0].adapter",
            "a built-in left out of this gateway cannot render")
        #expect(faultyKey({ $0.destination.caPath = folder.appendingPathComponent("none.pem").path }) == "forwarding.routes[0].destination.ca")
        #expect(faultyKey({ $0.destination.keyPath = client.certificate }) == "forwarding.routes[0].destination.key")
        #expect(faultyKey({ $0.destination.certificatePath = client.key }) == "forwarding.routes[0].destination.certificate")
    }
}

/// The clocks' settings and the calendar's end.
@Suite struct ClocksConfigurationTests {
    @Test func clocksAreReadAsWrittenAndBadKeysNamed() throws {
        let yaml = GatewayConfigurationTests.base
            + "clocks: { reminder_leads: [3, 0], escalation_grace_days: 2, hour: 8, supervisors: { \"5101\": 成都市政务服务办 } }"
        let clocks = try GatewayConfiguration.parse(yaml: yaml).clocks
        #expect(clocks.policy.reminderLeads == [3, 0] && clocks.policy.escalationGraceDays == 2 && clocks.policy.hour == 8)
        #expect(clocks.supervisors == ["5101": "成都市政务服务办"])
        for (bad, key) in [
            ("clocks: { hour: 24 }", "clocks.hour"), ("clocks: { reminder_leads: [-1] }", "clocks.reminder_leads"),
            ("clocks: { supervisors: { \"51x\": a } }", "clocks.supervisors"), ("clocks: { reminder: [1] }", "clocks.reminder"),
        ] {
            #expect(throws: ConfigurationError.self) { try GatewayConfiguration.parse(yaml: GatewayConfigurationTests.base + bad) }
            do { _ = try GatewayConfiguration.parse(yaml: GatewayConfigurationTests.base + bad) } catch {
                #expect(error.key == key, "\(bad)")
            }
        }
    }

    /// With 2026 the last year the built-in calendar holds, the warning starts 60 days before its end.
    @Test func theCalendarsEndIsAnnouncedSixtyDaysAhead() {
        func beijing(_ month: Int, _ day: Int) -> Date {
            CivilDate(year: 2026, month: month, day: day)!.start(utcOffsetSeconds: 8 * 3600)
        }
        #expect(ClockScheduler.calendarWarning(.init(), now: beijing(10, 31)) == nil)
        let warning = ClockScheduler.calendarWarning(.init(), now: beijing(12, 7))
        #expect(warning?.contains("ends with 2026 (25 days from now): add 2027's holidays") == true, "\(warning ?? "")")
    }
}

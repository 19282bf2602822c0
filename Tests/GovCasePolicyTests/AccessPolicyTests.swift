import GovCasePolicy
import Testing

@Suite struct CallerIdentityTests {
    @Test func aWellFormedSPIFFEIDIsTheCallersIdentity() throws {
        let identity = try CallerIdentity.from(
            uriSANs: ["spiffe://gov.sc.example/region/510104/system/hotline-sc"], trustDomain: "gov.sc.example"
        ).get()
        #expect(identity == CallerIdentity(trustDomain: "gov.sc.example", regionCode: "510104", systemID: "hotline-sc"))
        #expect(identity.description == "spiffe://gov.sc.example/region/510104/system/hotline-sc")
    }

    @Test(arguments: [
        ([String](), "the certificate has no URI SAN"),
        (["https://gov.sc.example/x"], "is not a spiffe:// id"),
        // Several URI SANs are refused, even when one of them is a good SPIFFE id (X.509-SVID: exactly one).
        (
            ["https://example.org", "spiffe://gov.sc.example/region/510104/system/hotline-sc"],
            "the certificate has 2 URI SANs"
        ),
        (
            [
                "spiffe://gov.sc.example/region/510104/system/hotline-sc",
                "spiffe://gov.sc.example/region/510105/system/other",
            ], "an X.509-SVID carries exactly one"
        ),
        (["spiffe://other.example/region/510104/system/x"], "trust domain other.example is not gov.sc.example"),
        (["spiffe://gov.sc.example/region/5101/system/x"], "the region must be a 6-digit division code"),
        (["spiffe://gov.sc.example/system/x"], "is not spiffe://<trust-domain>/region/<code>/system/<id>"),
        (["spiffe://gov.sc.example/region/510104/system/a b"], "the system id must be letters"),
    ])
    func otherCertificatesAreUnauthenticatedWithTheReason(sans: [String], reason: String) {
        guard
            case .failure(.unauthenticated(let message)) = CallerIdentity.from(
                uriSANs: sans, trustDomain: "gov.sc.example")
        else {
            Issue.record("accepted \(sans)")
            return
        }
        #expect(message.contains(reason))
    }
}

@Suite struct AccessPolicyTests {
    static let yaml = """
        trust_domain: gov.sc.example
        grants:
          - systems: ["hotline-*"]
            regions: ["51"]
            adapters: [hotline-12345, culture-tourism]
            roles: [submitter]
          - systems: [national-sc]
            regions: ["510104", "510105"]
            adapters: ["*"]
            roles: [submitter, reader]
          - systems: [ops]
            regions: ["5"]
            roles: [handler, privacy-reader]
        """

    let policy = try! AccessPolicy(yaml: Self.yaml)
    func id(_ system: String, _ region: String) -> CallerIdentity {
        CallerIdentity(trustDomain: "gov.sc.example", regionCode: region, systemID: system)
    }

    @Test func grantsAreReadFromYAML() {
        #expect(policy.trustDomain == "gov.sc.example")
        #expect(policy.grants.count == 3)
        #expect(policy.grants[2].roles == [.handler, .privacyReader])
        #expect(policy.grants[2].adapters.isEmpty)
    }

    @Test func submittersActWithinTheirAdaptersAndRegions() {
        let hotline = id("hotline-cd", "510104")
        #expect(throws: Never.self) {
            try policy.authorize(hotline, role: .submitter, adapter: "hotline-12345", region: "510107")
        }
        #expect(throws: AccessDenial.permissionDenied("hotline-cd may not submit to adapter national-platform")) {
            try policy.authorize(hotline, role: .submitter, adapter: "national-platform", region: "510107")
        }
        #expect(throws: AccessDenial.permissionDenied("hotline-cd may not act for region 500151")) {
            try policy.authorize(hotline, role: .submitter, adapter: "hotline-12345", region: "500151")
        }
        #expect(throws: AccessDenial.permissionDenied("hotline-cd does not have the reader role")) {
            try policy.authorize(hotline, role: .reader)
        }
    }

    @Test func aCertificateOutsideItsGrantedRegionIsRefused() {
        #expect(throws: AccessDenial.permissionDenied("region 510106 of national-sc is outside its grant")) {
            try policy.admit(id("national-sc", "510106"))
        }
        #expect(throws: AccessDenial.permissionDenied("system stranger has no grant")) {
            try policy.admit(id("stranger", "510104"))
        }
        #expect(throws: Never.self) { try policy.admit(id("national-sc", "510105")) }
        #expect(throws: Never.self) { try policy.authorize(id("ops", "500151"), role: .privacyReader) }
        #expect(throws: AccessDenial.permissionDenied("ops does not have the submitter role")) {
            try policy.authorize(id("ops", "500151"), role: .submitter, adapter: "hotline-12345")
        }
    }

    /// The grant's regions are the records' regions a caller may act for; the certificate's own region says who
    /// it is, and must lie inside the grant too: the national platform granted Sichuan's records is refused.
    @Test func theNationalPlatformGrantedOnlySichuanIsRefusedForEverything() {
        let policy = AccessPolicy(
            trustDomain: "d",
            grants: [.init(systems: ["national"], regions: ["51"], adapters: ["*"], roles: [.submitter, .reader])])
        let national = id("national", "100000")
        #expect(throws: AccessDenial.permissionDenied("region 100000 of national is outside its grant")) {
            try policy.admit(national)
        }
        for role in AccessPolicy.Role.allCases {
            #expect(throws: AccessDenial.self) {
                try policy.authorize(national, role: role, adapter: "national-platform", region: "510104")
            }
        }
    }

    /// Fail closed: a grant with no regions grants no region; `admin` does not imply `privacy-reader`.
    @Test func anEmptyRegionListGrantsNothingAndAdminIsNotAPrivacyReader() {
        let policy = AccessPolicy(
            trustDomain: "d",
            grants: [
                .init(systems: ["empty"], regions: [], adapters: ["*"], roles: [.submitter, .reader]),
                .init(systems: ["ops"], regions: ["51"], roles: [.admin]),
            ])
        #expect(throws: AccessDenial.self) { try policy.admit(id("empty", "510104")) }
        #expect(throws: AccessDenial.self) {
            try policy.authorize(id("empty", "510104"), role: .reader, region: "510104")
        }
        let ops = id("ops", "510104")
        for role in [AccessPolicy.Role.submitter, .handler, .reader, .admin] {
            #expect(throws: Never.self) { try policy.authorize(ops, role: role, region: "510104") }
        }
        #expect(throws: AccessDenial.permissionDenied("ops does not have the privacy-reader role")) {
            try policy.authorize(ops, role: .privacyReader, region: "510104")
        }
    }

    @Test(arguments: [
        ("hotline-*", "hotline-sc", true), ("hotline-*", "hotline-", true), ("hotline-*", "national", false),
        ("*-sc", "hotline-sc", true), ("a*b*c", "axxbyyc", true), ("a*b*c", "acb", false), ("exact", "exact", true),
        ("exact", "exact-not", false), ("ab*ba", "aba", false), ("ab*ba", "abba", true), ("a*bb*a", "abba", true), ("a*bb*a", "abab", false),
        ("*", "", true), ("**", "x", true), ("县*系统", "县级系统", true), ("县*系统", "市级系统", false),
    ])
    func systemPatterns(pattern: String, system: String, matches: Bool) {
        let policy = AccessPolicy(
            trustDomain: "d", grants: [.init(systems: [pattern], regions: ["5"], roles: [.reader])])
        #expect(!policy.grants(of: id(system, "510104")).isEmpty == matches)
    }

    @Test(arguments: [
        ("trust_domain: d\ngrants: []\nextra: 1", "extra", "unknown key \"extra\""),
        (
            "trust_domain: d\ngrants:\n  - systems: [a]\n    regions: [\"51\"]\n    rolez: [reader]", "grants.0.rolez",
            "unknown key"
        ),
        (
            "trust_domain: d\ngrants:\n  - systems: [a]\n    regions: [\"51\"]\n    roles: [boss]", "grants.0.roles.0",
            ""
        ),
        (
            "trust_domain: d\ngrants:\n  - systems: [a]\n    regions: [\"5x\"]\n    roles: [reader]",
            "grants.0.regions", "not a region-code prefix"
        ),
        ("grants: []", "trust_domain", "is required"),
    ])
    func badPolicyKeysAreNamed(yaml: String, key: String, message: String) {
        #expect {
            try AccessPolicy(yaml: yaml)
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.key == key && error.message.contains(message)
        }
    }

    /// A grant's adapters are patterns, as its systems are: `gd-hcp*` grants every adapter whose id starts so,
    /// and nothing else (it once matched nothing, silently).
    @Test func adapterPatternsMatchAsSystemPatternsDo() throws {
        let policy = AccessPolicy(
            trustDomain: "gov.sc.example",
            grants: [.init(systems: ["gd-*"], regions: ["44"], adapters: ["gd-hcp*"], roles: [.submitter])])
        let caller = id("gd-guangzhou", "440106")
        try policy.authorize(caller, role: .submitter, adapter: "gd-hcp-v2", region: "440106")
        #expect(throws: AccessDenial.self) {
            try policy.authorize(caller, role: .submitter, adapter: "national-platform", region: "440106")
        }
    }
}


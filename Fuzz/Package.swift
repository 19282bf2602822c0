// swift-tools-version:6.1
import PackageDescription

/// libFuzzer targets over the gateway's parsers, a package of its own: they are built only with the fuzzer
/// sanitizer (`scripts/fuzz.sh`), which supplies `main`, so the gateway's own build never links them.
let settings: [SwiftSetting] = [.swiftLanguageMode(.v6), .unsafeFlags(["-parse-as-library"])]

/// What the record targets drive: the built-in adapters and the core validator.
let adapterPath: [Target.Dependency] = [
    .product(name: "GovCaseAdapters", package: "GovCaseGateway"), .product(name: "GovCaseCore", package: "GovCaseGateway"),
    .product(name: "SwiftProtobuf", package: "swift-protobuf"),
]

let package = Package(
    name: "GovCaseFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "GovCaseGateway", path: ".."),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // CRLs as a province's CA publishes them (PEM or DER).
        .executableTarget(
            name: "fuzz-crl", dependencies: [.product(name: "GovCaseTrust", package: "GovCaseGateway")],
            swiftSettings: settings),
        // Every source message in protobuf binary, through its adapter and the core validator.
        .executableTarget(
            name: "fuzz-source-records",
            dependencies: adapterPath,
            swiftSettings: settings),
        // `govcase translate`'s JSON input: a record with its @type, through its adapter and the validator.
        .executableTarget(
            name: "fuzz-record-json",
            dependencies: adapterPath,
            swiftSettings: settings),
        // The YAML configuration and access policy loaders.
        .executableTarget(
            name: "fuzz-configuration",
            dependencies: [
                .product(name: "GovCaseServer", package: "GovCaseGateway"),
                .product(name: "GovCasePolicy", package: "GovCaseGateway"),
            ],
            swiftSettings: settings),
        // What a plugin vendor controls: its manifest, its stdout handshake, its Describe descriptor set.
        .executableTarget(
            name: "fuzz-plugin-protocol",
            dependencies: [
                .product(name: "GovCasePlugins", package: "GovCaseGateway"),
                .product(name: "GovCaseServer", package: "GovCaseGateway"),
                .product(name: "GovCaseProto", package: "GovCaseGateway"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: settings),
    ]
)

// swift-tools-version:6.1
import PackageDescription

/// Settings every target shares: Swift 6 language mode with the strictest upcoming features.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "GovCaseGateway",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "govcase", targets: ["govcase"]),
        .executable(name: "govcase-bench", targets: ["govcase-bench"]),
        .executable(name: "govcase-adapter-plugin", targets: ["govcase-adapter-plugin"]),
        .library(name: "GovCasePluginKit", targets: ["GovCasePluginKit"]),
        .library(name: "GovCaseCore", targets: ["GovCaseCore"]),
        .library(name: "GovCaseProto", targets: ["GovCaseProto"]),
        .library(name: "GovCaseWire", targets: ["GovCaseWire"]),
        .library(name: "GovCaseClient", targets: ["GovCaseClient"]),
        // For the fuzz targets (Fuzz/, a package of its own built with the fuzzer sanitizer).
        .library(name: "GovCaseAdapters", targets: ["GovCaseAdapters"]),
        .library(name: "GovCaseTrust", targets: ["GovCaseTrust"]),
        .library(name: "GovCasePolicy", targets: ["GovCasePolicy"]),
        .library(name: "GovCaseServer", targets: ["GovCaseServer"]),
        .library(name: "GovCasePlugins", targets: ["GovCasePlugins"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Contracts: Swift generated from Proto/ by scripts/generate-protos.sh, committed.
        .target(
            name: "GovCaseProto",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ],
            resources: [.copy("Resources/descriptors.pb")],
            swiftSettings: swiftSettings
        ),
        // The core case model: plain Swift, no transport, storage or protobuf.
        .target(name: "GovCaseCore", swiftSettings: swiftSettings),
        // The edge between the core model and the generated contracts.
        .target(
            name: "GovCaseWire",
            dependencies: [
                "GovCaseCore", "GovCaseProto", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),

        // The durable case store on SQLite (GRDB, the embedded default) or PostgreSQL (postgres-nio, for several
        // gateways on one database), evaluator data sealed with AES-GCM.
        .target(
            name: "GovCaseStore",
            dependencies: [
                "GovCaseCore", "GovCaseProto", "GovCaseWire", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Who a caller is (its certificate's SPIFFE id) and what the YAML policy lets it do.
        .target(
            name: "GovCasePolicy",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        // Trust in client certificates: the CA bundle and CRLs in force (reloadable), checked at the handshake.
        .target(
            name: "GovCaseTrust",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"), .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Development certificates minted with swift-certificates: `govcase pki init`, and tests.
        .target(
            name: "GovCasePKI",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"), .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Built-in source adapters: the gateway's plugins, one folder each under Plugins/.
        .target(
            name: "NationalPlatformAdapter",
            dependencies: ["GovCaseCore", "GovCaseProto", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Plugins/NationalPlatformAdapter",
            resources: [.copy("Resources/codes.json")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Hotline12345Adapter",
            dependencies: ["GovCaseCore", "GovCaseProto", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Plugins/Hotline12345Adapter",
            resources: [.copy("Resources/codes.json")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CultureTourismAdapter",
            dependencies: [
                "GovCaseCore", "GovCaseProto", "NationalPlatformAdapter",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Plugins/CultureTourismAdapter",
            resources: [.copy("Resources/codes.json")],
            swiftSettings: swiftSettings
        ),
        // The built-in adapters behind one type, taking records by protobuf type name.
        .target(
            name: "GovCaseAdapters",
            dependencies: [
                "GovCaseCore", "GovCaseProto", "NationalPlatformAdapter", "CultureTourismAdapter", "Hotline12345Adapter",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        // Plugin adapters: out-of-process translators in any language, launched, handshaken and supervised.
        .target(
            name: "GovCasePlugins",
            dependencies: [
                "GovCaseCore", "GovCasePolicy", "GovCaseProto", "GovCaseWire",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // Writing a plugin adapter in Swift: serves any adapter over the plugin protocol.
        .target(
            name: "GovCasePluginKit",
            dependencies: [
                "GovCaseAdapters", "GovCaseCore", "GovCasePlugins", "GovCaseProto", "GovCaseWire",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The built-in adapters as plugin executables, from the same code.
        .executableTarget(
            name: "govcase-adapter-plugin",
            dependencies: ["GovCaseAdapters", "GovCaseCore", "GovCasePluginKit"],
            swiftSettings: swiftSettings
        ),
        // The conformance kit: its case catalogue (Resources/cases.yaml), the roles' checks and the reports.
        .target(
            name: "GovCaseConformance",
            dependencies: [
                "GovCaseAdapters", "GovCaseClient", "GovCaseCore", "GovCasePKI", "GovCasePlugins", "GovCasePolicy",
                "GovCaseProto", "GovCaseServer", "GovCaseStore", "GovCaseWire",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("Resources/cases.yaml")],
            swiftSettings: swiftSettings
        ),
        // Forwarding (实时上报, 反馈): routes, outbox delivery over mutual TLS, dead letters apart from outages.
        .target(
            name: "GovCaseForwarding",
            dependencies: [
                "GovCaseAdapters", "GovCaseCore", "GovCaseProto", "GovCaseStore",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: swiftSettings
        ),
        // The gateway: gRPC services over mutual TLS, caller identity and policy, wired to adapters and store.
        .target(
            name: "GovCaseServer",
            dependencies: [
                "GovCaseAdapters", "GovCaseCore", "GovCaseForwarding", "GovCasePlugins", "GovCasePolicy", "GovCaseProto",
                "GovCaseStore", "GovCaseTrust", "GovCaseWire", "NationalPlatformAdapter", "CultureTourismAdapter", "Hotline12345Adapter",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCertificateReloading", package: "swift-nio-extras"),
            ],
            swiftSettings: swiftSettings
        ),
        // Connecting to the gateway from Swift: mutual TLS with a province system's certificate.
        .target(
            name: "GovCaseClient",
            dependencies: [
                "GovCaseProto", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ],
            swiftSettings: swiftSettings
        ),
        // Data files where no real-time link exists (govcase import / export): encodings, CSV and .xlsx read as
        // streams, column mappings, reject files. Pure parts; the command line sends rows through gRPC ingest.
        .target(
            name: "GovCaseImport",
            dependencies: [
                "GovCaseProto", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Yams", package: "Yams"), .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Resources/mappings")],
            swiftSettings: swiftSettings
        ),
        // The command line: a thin layer over the libraries.
        .executableTarget(
            name: "govcase",
            dependencies: [
                "GovCaseAdapters", "GovCaseClient", "GovCaseConformance", "GovCaseCore", "GovCaseImport", "GovCasePKI",
                "GovCasePlugins", "GovCasePolicy", "GovCaseProto", "GovCaseServer", "GovCaseStore", "GovCaseWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // `govcase-bench`: the gateway against its floors (a bare echo service, the bare store), in one run.
        .executableTarget(
            name: "govcase-bench",
            dependencies: [
                "GovCaseAdapters", "GovCaseClient", "GovCaseCore", "GovCasePolicy", "GovCaseProto", "GovCaseServer",
                "GovCaseStore", "GovCaseWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // Floors C and Q: SQLite's C API itself, the library GRDB is built on.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        // What the test targets share: the trait that runs process-heavy suites a few at a time, and the test
        // PostgreSQL server's databases.
        .target(
            name: "GovCaseTestSupport",
            dependencies: [
                "GovCaseStore", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Tests/Support", swiftSettings: swiftSettings),
        .testTarget(name: "GovCaseCoreTests", dependencies: ["GovCaseCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "GovCaseImportTests",
            dependencies: [
                "GovCaseImport", "GovCaseAdapters", "GovCaseProto", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            // Read by path (#filePath): files made the way offices make them, and the script that makes them.
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        // The built `govcase` as separate processes: serve, drain, crash, demo, a Python client, an openssl PKI.
        .testTarget(
            name: "GovCaseIntegrationTests",
            dependencies: [
                "GovCaseTestSupport",
                "govcase", "govcase-bench", "GovCaseClient", "GovCaseCore", "GovCaseProto", "GovCaseStore", "GovCaseWire",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GovCaseAdaptersTests",
            dependencies: [
                "GovCaseTestSupport",
                "GovCaseAdapters", "GovCaseCore", "GovCasePlugins", "GovCaseProto", "GovCaseWire", "govcase",
                "govcase-adapter-plugin", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GovCaseServerTests",
            dependencies: [
                "GovCaseTestSupport",
                "GovCaseAdapters", "GovCaseClient", "GovCaseCore", "GovCasePKI", "GovCasePlugins", "GovCasePolicy", "GovCaseProto",
                "GovCaseServer",
                "GovCaseStore", "GovCaseTrust",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GovCaseStoreTests",
            dependencies: [
                "GovCaseTestSupport", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"), "GovCaseCore", "GovCaseProto", "GovCaseStore", "GovCaseWire", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            // Read by path (#filePath): v1 payloads and the script that makes them from git history.
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GovCaseForwardingTests",
            dependencies: [
                "GovCaseAdapters", "GovCaseCore", "GovCaseForwarding", "GovCasePKI", "GovCasePolicy", "GovCaseProto",
                "GovCaseServer", "GovCaseStore", "GovCaseTrust",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GovCasePKITests",
            dependencies: [
                "GovCasePKI", .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GovCaseTrustTests",
            dependencies: [
                "GovCaseTestSupport",
                "GovCaseTrust", .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"), .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "GovCasePolicyTests", dependencies: ["GovCasePolicy"], swiftSettings: swiftSettings),
        .testTarget(
            name: "GovCasePluginsTests",
            dependencies: [
                "GovCaseTestSupport",
                "GovCaseCore", "GovCasePlugins", "GovCasePolicy", "GovCaseProto",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "GovCaseConformanceTests",
            dependencies: [
                "GovCaseConformance", "GovCasePolicy", "GovCaseProto",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "GovCaseWireTests",
            dependencies: [
                "GovCaseCore", "GovCaseProto", "GovCaseWire", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GovCaseProtoTests",
            dependencies: [
                "GovCaseProto",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

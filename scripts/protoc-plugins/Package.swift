// swift-tools-version:6.1
// Builds the two protoc plugins used by scripts/generate-protos.sh from the mirrored packages.
// This package is never part of the gateway's own build.
import PackageDescription

let package = Package(
    name: "ProtocPlugins",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", exact: "2.4.1"),
    ]
)

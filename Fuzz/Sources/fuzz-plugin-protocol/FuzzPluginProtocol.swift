import Foundation
import GovCasePlugins
import GovCaseProto
import GovCaseServer
import SwiftProtobuf

/// What a plugin vendor controls, as the gateway reads it. The first byte picks the reader, the rest is its
/// input: 0, a plugin manifest (YAML); 1, a plugin's stdout, split into bounded lines, the first parsed and
/// checked as the handshake; 2, the descriptor set a plugin's Describe returns, indexed for reflection and
/// asked for each symbol it defines. Each ends in a value or an error that says why, never a crash or a hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPluginProtocol(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = UnsafeBufferPointer(start: data + 1, count: size - 1)
    switch data[0] % 3 {
    case 0:
        _ = try? PluginManifest.parse(yaml: String(decoding: input, as: UTF8.self), folder: URL(fileURLWithPath: "/"))
    case 1:
        var splitter = LineSplitter(maxLineBytes: 256)
        var lines = splitter.feed(input)
        if let rest = splitter.finish() { lines.append(rest) }
        // The bound is on bytes read; decoding turns each invalid byte into U+FFFD (three bytes of UTF-8), so a
        // line's text is at most three times it, plus the cut marker.
        precondition(lines.allSatisfy { $0.utf8.count <= 3 * 256 + 64 }, "a line outgrew the splitter's bound")
        if let first = lines.first, let line = try? HandshakeLine(parsing: first) {
            try? line.check(socketPath: "/run/govcase/p.sock", manifest: manifest, gatewayVersions: ["1", "2"])
        }
    default:
        guard let set = try? Google_Protobuf_FileDescriptorSet(serializedBytes: Array(input)),
            let index = try? ReflectionIndex(descriptors: set, services: [])
        else { return 0 }
        for file in set.file {
            for type in file.messageType {
                _ = index.answer(.with { $0.fileContainingSymbol = file.package + "." + type.name })
            }
            _ = index.answer(.with { $0.fileByFilename = file.name })
        }
    }
    return 0
}

/// The manifest a fuzzed handshake is checked against.
let manifest = try! PluginManifest.parse(
    yaml: """
        id: fuzz-plugin
        version: 1.0.0
        executable: /bin/true
        message_types: [example.v1.Record]
        protocol_versions: ["1", "2"]
        """)

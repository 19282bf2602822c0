import Foundation
import SwiftProtobuf

/// A published version of the contracts, as `govcase contracts check --against` names it: a descriptor set file,
/// or a git ref of a repository that holds `Proto/`.
public enum PublishedContracts {
    /// Where a git ref's contracts are read from, first to last: the descriptor set committed beside the generated
    /// code (what reflection served at that ref), else the ref's `Proto/` compiled with protoc.
    static let committedDescriptorSet = "Sources/GovCaseProto/Resources/descriptors.pb"

    /// The descriptor set `reference` names: an existing file is read as one; anything else is a git ref of the
    /// repository at `repository`.
    public static func load(_ reference: String, repository: URL) throws -> Google_Protobuf_FileDescriptorSet {
        if FileManager.default.fileExists(atPath: reference) {
            return try Google_Protobuf_FileDescriptorSet(
                serializedBytes: Data(contentsOf: URL(fileURLWithPath: reference)))
        }
        let commit = try git(["rev-parse", "--verify", "--quiet", "\(reference)^{commit}"], in: repository)
        guard commit.status == 0 else {
            throw ConformanceError(
                "\(reference) is neither a descriptor set file nor a git ref of \(repository.path)")
        }
        let ref = String(decoding: commit.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let committed = try git(["show", "\(ref):\(committedDescriptorSet)"], in: repository)
        if committed.status == 0 {
            return try Google_Protobuf_FileDescriptorSet(serializedBytes: committed.output)
        }
        return try compile(ref, repository: repository)
    }

    /// The ref's `Proto/` tree, written out and compiled with protoc (every file, imports included).
    static func compile(_ ref: String, repository: URL) throws -> Google_Protobuf_FileDescriptorSet {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("govcase-contracts-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = try git(["archive", "--format=tar", ref, "Proto"], in: repository)
        guard archive.status == 0 else {
            throw ConformanceError("\(ref) has no Proto/ folder and no \(committedDescriptorSet)")
        }
        let tarball = folder.appendingPathComponent("proto.tar")
        try archive.output.write(to: tarball)
        guard try run("/usr/bin/env", ["tar", "-xf", tarball.path, "-C", folder.path]).status == 0 else {
            throw ConformanceError("cannot unpack \(ref):Proto")
        }
        let root = folder.appendingPathComponent("Proto")
        let files = (FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".proto") }.sorted()
        let out = folder.appendingPathComponent("set.pb")
        let protoc = try run(
            "/usr/bin/env",
            ["protoc", "--proto_path", root.path, "--include_imports", "--descriptor_set_out", out.path] + files)
        guard protoc.status == 0 else {
            throw ConformanceError(
                "protoc could not compile \(ref):Proto: \(String(decoding: protoc.output, as: UTF8.self))")
        }
        return try Google_Protobuf_FileDescriptorSet(serializedBytes: Data(contentsOf: out))
    }

    static func git(_ arguments: [String], in repository: URL) throws -> (status: Int32, output: Data) {
        try run("/usr/bin/env", ["git", "-C", repository.path] + arguments)
    }

    /// Runs a short command to its end; standard output (or, on failure, standard error) comes back.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read before waiting: a descriptor set is larger than a pipe's buffer.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problems = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationStatus == 0 ? data : problems)
    }
}

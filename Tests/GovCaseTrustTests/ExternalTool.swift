import Foundation
import Testing

/// A program made outside the project (openssl, python3), run to its end in a folder on a thread of its own: its
/// blocking wait would otherwise hold one of Swift's few cooperative threads and starve other tests' tasks.
enum ExternalTool {
    /// Runs `arguments` (the program first, found on the PATH) in `folder`, failing the test with the output if
    /// the program fails.
    static func run(_ arguments: [String], in folder: URL) async throws {
        let (status, output) = try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<(Int32, String), any Error>) in
            Thread.detachNewThread {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = arguments
                process.currentDirectoryURL = folder
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = pipe
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                continuation.resume(returning: (process.terminationStatus, text))
            }
        }
        try #require(status == 0, "\(arguments.joined(separator: " ")): \(output)")
    }

    /// A new empty folder under the temporary directory.
    static func temporaryFolder(_ prefix: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}

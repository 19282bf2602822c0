import Foundation

/// A memory cgroup of its own, made under the test process's, with a limit: where a real out-of-memory kill can
/// be made without endangering the machine. Only where the kernel and the permissions allow one (cgroup v1's
/// memory hierarchy, or v2 with the memory controller delegated to the test's cgroup, as root).
struct MemoryCgroup {
    let folder: String
    /// cgroup v1 (`memory.oom_control`) or v2 (`memory.events`).
    let isVersion1: Bool

    /// Whether one can be made here; made and removed to find out.
    static let canBeMade: Bool = {
        guard let probe = make(limitBytes: 64 << 20) else { return false }
        probe.remove()
        return true
    }()

    /// A new cgroup limited to `limitBytes` (and no swap beyond it, where the kernel counts swap); nil if none can
    /// be made.
    static func make(limitBytes: Int) -> MemoryCgroup? {
        guard let membership = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else { return nil }
        for line in membership.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let path = parts[2] == "/" ? "" : String(parts[2])
            let isVersion1 = parts[1].split(separator: ",").contains("memory")
            guard isVersion1 || (parts[0] == "0" && parts[1].isEmpty) else { continue }
            let base = (isVersion1 ? "/sys/fs/cgroup/memory" : "/sys/fs/cgroup") + path
            let cgroup = MemoryCgroup(folder: base + "/govcase-oom-\(UUID().uuidString.prefix(8))", isVersion1: isVersion1)
            guard mkdir(cgroup.folder, 0o755) == 0 else { continue }
            let limited =
                isVersion1
                ? cgroup.write("\(limitBytes)", to: "memory.limit_in_bytes")
                : cgroup.write("\(limitBytes)", to: "memory.max")
            // No swap beyond the limit, so that the limit means an out-of-memory kill (a plugin that swaps instead
            // would miss its call deadline and prove nothing): swap limited too, or no swap on the machine.
            let noSwap =
                cgroup.write(isVersion1 ? "\(limitBytes)" : "0", to: isVersion1 ? "memory.memsw.limit_in_bytes" : "memory.swap.max")
                || (try? String(contentsOfFile: "/proc/swaps", encoding: .utf8))?.split(separator: "\n").count == 1
            if limited && noSwap { return cgroup }
            cgroup.remove()
        }
        return nil
    }

    /// Moves a process (all its threads) into the cgroup; what it starts from then on is in it too.
    func add(_ pid: Int32) throws {
        guard write("\(pid)", to: "cgroup.procs") else {
            throw GatewayProcess.Failure("could not move process \(pid) into \(folder): errno \(errno)")
        }
    }

    /// The kernel's count of out-of-memory kills in this cgroup.
    var outOfMemoryKills: UInt64? {
        let file = folder + (isVersion1 ? "/memory.oom_control" : "/memory.events")
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix("oom_kill ") }.flatMap { UInt64($0.dropFirst(9)) }
    }

    /// Removes the cgroup once every process in it has ended (waits up to 10 s for them).
    func remove() {
        for _ in 0..<200 {
            if rmdir(folder) == 0 || errno == ENOENT { return }
            usleep(50_000)
        }
    }

    private func write(_ text: String, to name: String) -> Bool {
        let fd = open(folder + "/" + name, O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return text.withCString { Foundation.write(fd, $0, strlen($0)) } == text.utf8.count
    }
}

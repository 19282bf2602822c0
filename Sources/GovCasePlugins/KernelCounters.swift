import Foundation

/// Counters the Linux kernel keeps, read where they tell the gateway something a process's exit status cannot.
enum KernelCounters {
    /// Processes the kernel's out-of-memory killer has killed in the gateway's memory cgroup (its plugins are in
    /// it too): cgroup v2's `memory.events`, cgroup v1's `memory.oom_control`, or, where neither says, the whole
    /// host's count in /proc/vmstat (Linux 4.13 and later). Nil where the kernel does not say. A plugin's SIGKILL
    /// is the OOM killer's only if this rose while the plugin ran.
    static func outOfMemoryKills() -> UInt64? {
        for file in cgroupFiles() + ["/proc/vmstat"] {
            if let count = outOfMemoryKills(in: file) { return count }
        }
        return nil
    }

    /// The `oom_kill <n>` line of a kernel counter file (vmstat, memory.events or memory.oom_control alike).
    static func outOfMemoryKills(in file: String) -> UInt64? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("oom_kill ") {
            return UInt64(line.dropFirst("oom_kill ".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// The memory cgroup files of this process, from /proc/self/cgroup: `0::<path>` (v2) or `<n>:memory:<path>`
    /// (v1), under /sys/fs/cgroup.
    static func cgroupFiles(_ membership: String? = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8))
        -> [String]
    {
        guard let membership else { return [] }
        var files: [String] = []
        for line in membership.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let path = parts[2] == "/" ? "" : String(parts[2])
            if parts[0] == "0", parts[1].isEmpty { files.append("/sys/fs/cgroup\(path)/memory.events") }
            if parts[1].split(separator: ",").contains("memory") {
                files.append("/sys/fs/cgroup/memory\(path)/memory.oom_control")
            }
        }
        return files
    }
}

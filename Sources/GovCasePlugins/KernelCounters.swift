import Foundation

/// Counters the Linux kernel keeps, read where they tell the gateway something a process's exit status cannot.
enum KernelCounters {
    /// Processes the kernel's out-of-memory killer has killed since boot (`oom_kill` in /proc/vmstat, Linux 4.13
    /// and later); nil where the kernel does not say. A plugin's SIGKILL is the OOM killer's only if this rose
    /// while the plugin ran.
    static func outOfMemoryKills(vmstat: String = "/proc/vmstat") -> UInt64? {
        guard let text = try? String(contentsOfFile: vmstat, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("oom_kill ") {
            return UInt64(line.dropFirst("oom_kill ".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Random bytes from the kernel's generator (`/dev/urandom`, the source of `getrandom`), fetched 4 KiB at a time and handed out once each:
/// a case id and an evaluator box's nonce each cost a system call otherwise, together a tenth of storing a case
/// (`perf record`, BENCHMARKS.md). Nothing is derived from the bytes; they are the kernel's. The gateway never
/// forks without exec (plugins start by posix_spawn), so no two processes can hold the same pool.
enum RandomBytes {
    private struct Pool {
        var bytes = [UInt8](repeating: 0, count: 4096)
        var used = 4096
    }

    private static let pool = Mutex(Pool())

    /// Fills `buffer` with random bytes.
    static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        pool.withLock { pool in
            var filled = 0
            while filled < buffer.count {
                if pool.used == pool.bytes.count {
                    refill(&pool.bytes)
                    pool.used = 0
                }
                let count = min(buffer.count - filled, pool.bytes.count - pool.used)
                pool.bytes.withUnsafeMutableBytes { source in
                    let taken = UnsafeMutableRawBufferPointer(rebasing: source[pool.used..<(pool.used + count)])
                    UnsafeMutableRawBufferPointer(rebasing: buffer[filled..<(filled + count)]).copyMemory(
                        from: UnsafeRawBufferPointer(taken))
                    // Handed out once: none of it stays behind in the pool.
                    taken.initializeMemory(as: UInt8.self, repeating: 0)
                }
                pool.used += count
                filled += count
            }
        }
    }

    private static func refill(_ bytes: inout [UInt8]) {
        // getrandom(2) is not in Swift's Glibc module; the device is the same generator, and the gateway reads it
        // only once the kernel has seeded it (it runs long after boot; getrandom would block until then).
        let device = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        // The kernel's generator missing is not something to store a case past.
        guard device >= 0 else { fatalError("cannot open /dev/urandom: errno \(errno)") }
        defer { close(device) }
        bytes.withUnsafeMutableBytes { buffer in
            var filled = 0
            while filled < buffer.count {
                let result = read(device, buffer.baseAddress! + filled, buffer.count - filled)
                if result > 0 {
                    filled += result
                } else if result == 0 || errno != EINTR {
                    fatalError("cannot read /dev/urandom: errno \(errno)")
                }
            }
        }
    }
}

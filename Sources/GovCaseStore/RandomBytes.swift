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
    /// /dev/urandom, opened once: a descriptor table that is full when the pool runs dry must not cost a case.
    /// Nil where it cannot be opened; the pool is then filled through the standard library's generator.
    private static let device: Int32? = {
        // getrandom(2) blocks until the kernel's generator is seeded and /dev/urandom (before Linux 5.18) does
        // not: the standard library's generator (getrandom) is asked first, so the device is read only once seeded.
        var seeded = SystemRandomNumberGenerator()
        _ = seeded.next()
        let device = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        return device >= 0 ? device : nil
    }()

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

    /// The pool filled from /dev/urandom in one read (getrandom(2) itself is not in Swift's Glibc module; the
    /// device is the same generator), or, where the device fails, 8 bytes at a time through the standard library's
    /// generator (getrandom).
    private static func refill(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            var filled = 0
            while let device, filled < buffer.count {
                let result = read(device, buffer.baseAddress! + filled, buffer.count - filled)
                if result > 0 {
                    filled += result
                } else if result == 0 || errno != EINTR {
                    break
                }
            }
            var generator = SystemRandomNumberGenerator()
            while filled < buffer.count {
                withUnsafeBytes(of: generator.next() as UInt64) { random in
                    let count = min(random.count, buffer.count - filled)
                    UnsafeMutableRawBufferPointer(rebasing: buffer[filled..<(filled + count)]).copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: random[..<count]))
                    filled += count
                }
            }
        }
    }
}

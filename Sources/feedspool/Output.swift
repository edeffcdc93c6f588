#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Buffered writes to a file descriptor (stdout by default): one write(2) per 256 KiB
/// rather than per article.
final class Output {
    private let fd: Int32
    private let capacity = 256 * 1024
    // A buffer of its own rather than an array: appending to an array held by a class is
    // checked for exclusive access at every call (a third of a percent of `parse`).
    private let buffer: UnsafeMutablePointer<UInt8>
    private var count = 0

    init(fd: Int32 = 1) {
        self.fd = fd
        buffer = .allocate(capacity: capacity)
    }

    deinit {
        flush()
        buffer.deallocate()
    }

    func write(_ s: String) {
        var s = s
        s.withUTF8 { write($0) }
    }

    func write(_ p: UnsafeBufferPointer<UInt8>) {
        guard let base = p.baseAddress else { return }
        if count + p.count > capacity { flush() }
        if p.count >= capacity {
            writeAll(p)
        } else {
            (buffer + count).update(from: base, count: p.count)
            count += p.count
        }
    }

    func flush() {
        guard count > 0 else { return }
        writeAll(UnsafeBufferPointer(start: buffer, count: count))
        count = 0
    }

    private func writeAll(_ p: UnsafeBufferPointer<UInt8>) {
        var offset = 0
        while offset < p.count {
            let n = Glibc.write(fd, p.baseAddress! + offset, p.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return  // EPIPE and friends: the reader went away
            }
            offset += n
        }
    }
}

/// Messages for the user, on stderr, prefixed with the program's name.
enum Diagnostics {
    static func print(_ message: String) {
        let line = "feedspool: " + message + "\n"
        var s = line
        s.withUTF8 { p in _ = Glibc.write(2, p.baseAddress, p.count) }
    }
}

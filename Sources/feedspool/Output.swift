#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Buffered writes to a file descriptor (stdout by default): one write(2) per 256 KiB
/// rather than per article.
final class Output {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let capacity = 256 * 1024

    init(fd: Int32 = 1) {
        self.fd = fd
        buffer.reserveCapacity(capacity)
    }

    deinit { flush() }

    func write(_ s: String) {
        var s = s
        s.withUTF8 { write($0) }
    }

    func write(_ p: UnsafeBufferPointer<UInt8>) {
        if buffer.count + p.count > capacity { flush() }
        if p.count >= capacity {
            writeAll(p)
        } else {
            buffer.append(contentsOf: p)
        }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBufferPointer { writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
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

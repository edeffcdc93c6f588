import ArgumentParser

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

    func write(_ text: String) {
        var text = text
        text.withUTF8 { write($0) }
    }

    func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return }
        if count + bytes.count > capacity { flush() }
        if bytes.count >= capacity {
            writeAll(bytes)
        } else {
            (buffer + count).update(from: base, count: bytes.count)
            count += bytes.count
        }
    }

    func flush() {
        guard count > 0 else { return }
        writeAll(UnsafeBufferPointer(start: buffer, count: count))
        count = 0
    }

    private func writeAll(_ bytes: UnsafeBufferPointer<UInt8>) {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return  // EPIPE and friends: the reader went away
            }
            offset += written
        }
    }
}

/// Messages for the user, on stderr, prefixed with the program's name.
enum Diagnostics {
    static func print(_ message: String) {
        var line = "feedspool: " + message + "\n"
        line.withUTF8 { bytes in _ = Glibc.write(2, bytes.baseAddress, bytes.count) }
    }

    /// `body`'s result; when it throws, its error is printed and the command ends with
    /// `code` (1: the work failed; 2: the configuration cannot be read).
    static func orExit<T>(_ code: Int32 = 1, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            print("\(error)")
            throw ExitCode(code)
        }
    }
}

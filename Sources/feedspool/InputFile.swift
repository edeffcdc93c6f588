#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a file (or stdin for "-") in chunks, without holding it whole.
struct InputFile {
    struct Failure: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "\(path): \(reason)" }
    }

    let path: String

    /// Calls `body` with successive chunks of the file.
    func read(chunkSize: Int = 64 * 1024, _ body: (UnsafeBufferPointer<UInt8>) -> Void) throws(Failure) {
        let fd: Int32 = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        defer { if fd != 0 { close(fd) } }
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let got = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, chunkSize) }
            if got < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, reason: String(cString: strerror(errno)))
            }
            if got == 0 { return }
            buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[0..<got])) }
        }
    }

    /// The whole file (or standard input).
    func bytes() throws(Failure) -> [UInt8] {
        var bytes: [UInt8] = []
        try read { bytes.append(contentsOf: $0) }
        return bytes
    }
}

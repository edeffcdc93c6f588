#if canImport(Glibc)
    import Glibc
#endif

/// A Unix socket address: a path, or an abstract name written `@name` (no file; its length
/// is exact, without a terminating NUL).
///
/// The one place a `sockaddr_un` is built: the daemon's socket, its client, the systemd
/// notifier and the tests all take their addresses from here.
public struct UnixAddress {
    private var storage = sockaddr_un()
    public let length: socklen_t

    /// Nil when the name does not fit `sun_path` (107 bytes).
    public init?(_ path: String) {
        storage.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        guard bytes.count < MemoryLayout.size(ofValue: storage.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in for (index, byte) in bytes.enumerated() { raw[index] = byte } }
        length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
    }

    public func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var copy = storage
        return withUnsafePointer(to: &copy) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) } }
    }
}

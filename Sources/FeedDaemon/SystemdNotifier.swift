#if canImport(Glibc)
    import Glibc
#endif

/// systemd's notification protocol without libsystemd: datagrams of `KEY=value` lines to
/// the Unix socket named by `NOTIFY_SOCKET` (a path, or an abstract name written `@name`).
/// Without `NOTIFY_SOCKET` every call does nothing.
public struct SystemdNotifier: Sendable {
    public let socketPath: String?
    /// Half of `WATCHDOG_USEC` (when the watchdog is on and meant for this process).
    public let watchdogInterval: Duration?

    public init(environment: [String: String]) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        var interval: Duration?
        if let usec = environment["WATCHDOG_USEC"].flatMap({ Int64($0) }), usec > 0 {
            let pid = environment["WATCHDOG_PID"].flatMap { Int32($0) }
            if pid == nil || pid == getpid() { interval = .microseconds(usec / 2) }
        }
        watchdogInterval = interval
    }

    /// Sends one notification (several `KEY=value` lines may be joined by "\n").
    /// Returns false when there is no socket or the send failed.
    @discardableResult
    public func notify(_ message: String) -> Bool {
        guard let path = socketPath else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        // An abstract address has no terminating NUL: its length is exact.
        let length = MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1)
        var m = message
        return m.withUTF8 { p in
            withUnsafePointer(to: &addr) { a in
                a.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    // Never wait for the receiver: a notification that does not fit is dropped
                    // rather than stalling the daemon (seen with a reader that stopped reading).
                    sendto(fd, p.baseAddress, p.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT), $0, socklen_t(length)) == p.count
                }
            }
        }
    }
}

import FeedCore

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
        guard let addr = UnixAddress(path) else { return false }
        var datagram = message
        return datagram.withUTF8 { bytes in
            addr.withSockaddr {
                // Never wait for the receiver: a notification that does not fit is dropped
                // rather than stalling the daemon (seen with a reader that stopped reading).
                sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT), $0, $1) == bytes.count
            }
        }
    }
}

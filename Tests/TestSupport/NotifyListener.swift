import Foundation
import FeedCore

/// A stand-in for systemd's notification socket: a datagram socket at a path that collects
/// every message a daemon sends to `NOTIFY_SOCKET`.
public final class NotifyListener: Sendable {
    public let path: String
    private let fd: Int32
    private let messages = Locked<[String]>([])
    private let stopped = Locked(false)
    private let done = DispatchSemaphore(value: 0)

    public init(directory: URL) throws {
        path = directory.appendingPathComponent("notify.sock").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        // Until the receiving thread runs, `stop()` (and so deinit, after a throw) must not
        // wait for it.
        stopped.withLock { $0 = true }
        guard fd >= 0, let address = UnixAddress(path) else { throw ServerError("notify socket path too long: \(path)") }
        // A listener of an earlier daemon in the same directory (killed, then replaced) may
        // have left its socket file.
        unlink(path)
        guard address.withSockaddr({ bind(fd, $0, $1) }) == 0 else {
            let code = errno
            close(fd)
            throw ServerError("bind \(path): \(code)")
        }
        stopped.withLock { $0 = false }
        let t = Thread { [self] in receive() }
        t.start()
    }

    deinit { stop() }

    public func stop() {
        let was = stopped.withLock { s -> Bool in defer { s = true }; return s }
        if !was {
            done.wait()
            close(fd)
            unlink(path)
        }
    }

    private func receive() {
        var buf = [UInt8](repeating: 0, count: 65536)
        while !stopped.withLock({ $0 }) {
            guard waitReadable(fd, milliseconds: 100) else { continue }
            let n = recv(fd, &buf, buf.count, 0)
            if n > 0 { messages.withLock { $0.append(String(decoding: buf[0..<n], as: UTF8.self)) } }
        }
        done.signal()
    }

    /// Every message so far, in arrival order.
    public var all: [String] { messages.withLock { $0 } }

    /// Waits (bounded) until a message contains every one of `lines`, as whole lines.
    @discardableResult
    public func wait(for lines: [String], after index: Int = 0, timeout: Double = 15) -> Int? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let msgs = all
            if index < msgs.count {
                for i in index..<msgs.count {
                    let parts = Set(msgs[i].split(separator: "\n").map(String.init))
                    if lines.allSatisfy({ l in parts.contains(l) || (l.hasSuffix("=") && parts.contains { $0.hasPrefix(l) }) }) { return i }
                }
            }
            usleep(20_000)
        }
        return nil
    }
}

/// Waits (bounded) until `condition` holds.
public func eventually(timeout: Double = 15, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        usleep(50_000)
    }
    return try condition()
}

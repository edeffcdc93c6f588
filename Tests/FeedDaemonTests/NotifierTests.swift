import FeedDaemon
import Foundation
import Testing

@Suite struct NotifierTests {
    /// systemd may name an abstract socket (`@name`): no file, and no terminating NUL in
    /// the address length.
    @Test func abstractSocketsAndTheWatchdogInterval() throws {
        let name = "feedspool-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = [0] + Array(name.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let len = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        #expect(withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } } == 0)
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))

        let n = SystemdNotifier(environment: ["NOTIFY_SOCKET": "@" + name, "WATCHDOG_USEC": "30000000"])
        #expect(n.watchdogInterval == .seconds(15))
        #expect(n.notify("READY=1\nSTATUS=ok"))
        var buf = [UInt8](repeating: 0, count: 256)
        let got = recv(fd, &buf, buf.count, 0)
        #expect(got > 0)
        #expect(String(decoding: buf[0..<max(0, got)], as: UTF8.self) == "READY=1\nSTATUS=ok")

        #expect(!SystemdNotifier(environment: [:]).notify("READY=1"))  // not under systemd: nothing
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1"]).watchdogInterval == nil)  // not ours
    }
}

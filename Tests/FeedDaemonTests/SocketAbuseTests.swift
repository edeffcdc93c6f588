import FeedCore
import Foundation
import Synchronization
import TestSupport
import Testing

/// The control socket under abuse: a thousand idle connections (more than the daemon's
/// descriptor limit allows), a client dribbling one byte a second, a 10 MB request line,
/// invalid UTF-8, and a subscriber that never reads — while articles keep arriving. All the
/// while another client asks for `status` again and again: every one must be answered. The
/// worst latency is printed (the figure for the issue's note; no timing is asserted).
@Suite(.serialized) struct SocketAbuseTests {
    @Test func statusStaysPromptUnderAbuse() throws {
        let feed = LiveFeed("abused")
        let server = try DaemonTests.server([feed])
        defer { server.stop() }
        let dir = try Binaries.tempDirectory("abuse")
        // 512 descriptors in all: the 1,000 idle clients exhaust them on purpose.
        let d = try RunningDaemon(dir: dir, toml: DaemonTests.toml(server, feeds: ["abused"]), maxFiles: 512)
        defer { kill(d.process.processIdentifier, SIGTERM); _ = d.waitForExit() }
        #expect(try eventually { try d.delivered() == 3 })

        let stop = Atomic<Bool>(false)
        let proberDone = Atomic<Bool>(false)
        let worst = Locked<(max: Double, count: Int, failures: Int)>((0, 0, 0))
        let socketPath = d.socket
        // The prober: a fresh connection and one status request every 20 ms.
        let prober = Thread {
            while !stop.load(ordering: .relaxed) {
                let t0 = Date()
                var ok = false
                if let c = try? RawClient(path: socketPath) {
                    try? c.write("{\"v\":1,\"cmd\":\"status\"}\n")
                    ok = c.readLine()?.contains("\"ok\":true") == true
                }
                let dt = Date().timeIntervalSince(t0)
                worst.withLock { w in
                    w.count += 1
                    if ok { w.max = Swift.max(w.max, dt) } else { w.failures += 1 }
                }
                usleep(20_000)
            }
            proberDone.store(true, ordering: .releasing)
        }
        prober.start()
        defer { stop.store(true, ordering: .relaxed) }

        // A subscriber that never reads, while new articles arrive.
        let deaf = try RawClient(path: socketPath)
        try deaf.write("{\"v\":1,\"cmd\":\"tail\"}\n")

        // A thousand idle connections, more than the daemon's client limit (half its 512
        // descriptors): the longest idle are closed to make room, with a word of why.
        var idle: [RawClient] = []
        for _ in 0..<1000 {
            guard let c = try? RawClient(path: socketPath) else { continue }
            idle.append(c)
        }
        #expect(eventually { d.process.isRunning && (try? d.status()) != nil })
        var evicted = 0
        for c in idle.prefix(400) {
            var pfd = pollfd(fd: c.fd, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 1000) > 0, c.readLine()?.contains("make room") == true { evicted += 1 }
        }

        // Invalid UTF-8 and a 10 MB line.
        let bad = try RawClient(path: socketPath)
        try bad.write([0xFF, 0xFE, 0x7B, 0x0A])
        let badAnswer = bad.readLine()
        let big = try RawClient(path: socketPath)
        try big.write([UInt8](repeating: 0x61, count: 10 << 20))
        let bigAnswer = big.readLine()

        // One byte a second (six of them), then a real request on the same connection.
        let slow = try RawClient(path: socketPath)
        for b in Array("{\"v\":1".utf8) {
            try slow.write([b])
            usleep(1_000_000)
        }
        try slow.write(",\"cmd\":\"ping\"}\n")
        let slowAnswer = slow.readLine()

        // Articles keep flowing past the deaf subscriber.
        for _ in 0..<5 { feed.publish() }
        #expect(try d.client(["poll"]).status == 0)
        #expect(try eventually(timeout: 30) { try d.delivered() == 8 })

        stop.store(true, ordering: .relaxed)
        // The prober's last request is counted before its figures are read.
        #expect(eventually(timeout: 35) { proberDone.load(ordering: .acquiring) })
        let w = worst.withLock { $0 }
        print("socket abuse: \(w.count) status requests, worst latency \(String(format: "%.1f", w.max * 1000)) ms, \(w.failures) unanswered; \(idle.count) idle connections, \(evicted) of the oldest 400 closed to make room")
        #expect(d.process.isRunning)
        #expect(w.count > 50)
        #expect(w.failures == 0)
        #expect(badAnswer?.contains("\"ok\":false") == true, "\(badAnswer ?? "nil")")
        #expect(bigAnswer?.contains("too-large") == true, "\(bigAnswer ?? "nil")")
        #expect(slowAnswer?.contains("\"ok\":true") == true, "\(slowAnswer ?? "nil")")
        #expect(evicted == 400)
        idle.removeAll()
        #expect(try d.client(["status"]).status == 0)
    }
}

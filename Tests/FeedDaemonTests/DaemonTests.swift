import Foundation
import FeedCore
import TestSupport
import Testing

/// A feed on the scripted server whose items the test adds.
final class LiveFeed: Sendable {
    private let count = Locked(3)
    let name: String

    init(_ name: String) { self.name = name }

    func publish() { count.withLock { $0 += 1 } }

    func document() -> String {
        let n = count.withLock { $0 }
        var s = "<rss version=\"2.0\"><channel><title>\(name)</title><link>https://\(name).example/</link>\n"
        for i in (0..<n).reversed() {
            s += "<item><title>\(name) story \(i)</title><link>https://\(name).example/\(i)</link><guid>\(name)-\(i)</guid>"
            s += "<pubDate>\(httpDate(time_t(1_733_000_000 + i * 60)))</pubDate><description>Text of \(name) story \(i).</description></item>\n"
        }
        return s + "</channel></rss>"
    }

    var etag: String { "\"\(count.withLock { $0 })\"" }
}

/// A running `feedspoold` in a temporary directory, killed when the test ends.
final class RunningDaemon {
    let dir: URL
    let process = Process()
    let notify: NotifyListener
    let stderr = Pipe()
    var config: String { dir.appendingPathComponent("feedspool.toml").path }
    var socket: String { dir.appendingPathComponent("run/ctl.sock").path }

    /// - Parameter maxFiles: run under `prlimit --nofile=N:N` (a hard descriptor limit).
    init(dir: URL, toml: String, watchdogMicroseconds: Int = 2_000_000, maxFiles: Int? = nil) throws {
        self.dir = dir
        try toml.write(toFile: dir.appendingPathComponent("feedspool.toml").path, atomically: true, encoding: .utf8)
        notify = try NotifyListener(directory: dir)
        if let maxFiles {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
            process.arguments = ["--nofile=\(maxFiles):\(maxFiles)", Binaries.url("feedspoold").path, "--config", config]
        } else {
            process.executableURL = Binaries.url("feedspoold")
            process.arguments = ["--config", config]
        }
        var env = ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": String(watchdogMicroseconds), "PATH": "/usr/bin:/bin"]
        // make test-asan / test-tsan: the daemon runs sanitized too, with the same options.
        for (k, v) in ProcessInfo.processInfo.environment where k.hasSuffix("SAN_OPTIONS") { env[k] = v }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        notify.stop()
    }

    func client(_ args: [String]) throws -> Binaries.Result {
        try Binaries.run("feedspool", args + ["--socket", socket], timeout: 30)
    }

    func status() throws -> [String: Any]? {
        let r = try client(["status", "--json"])
        return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any]
    }

    func delivered() throws -> Int {
        ((try status()?["articles"] as? [String: Any])?["delivered_total"] as? NSNumber)?.intValue ?? -1
    }

    /// Waits (bounded) for the process to exit; its status, or nil if it did not.
    func waitForExit(timeout: Double = 20) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }
}

@Suite(.serialized) struct DaemonTests {
    static func toml(_ server: TestHTTPServer, feeds: [String], extra: String = "") -> String {
        var t = """
            spool_dir = "spool"
            state_dir = "state"
            socket = "run/ctl.sock"
            allow_private_networks = true
            full_text = "never"
            interval = "5m"
            \(extra)

            """
        for f in feeds { t += "[[feed]]\nurl = \"\(server.baseURL)/\(f).xml\"\n" }
        return t
    }

    static func server(_ feeds: [LiveFeed]) throws -> TestHTTPServer {
        try TestHTTPServer { req in
            guard let f = feeds.first(where: { req.path == "/\($0.name).xml" }) else { return .respond(.init(status: 404)) }
            if req.header("if-none-match") == f.etag { return .respond(.init(status: 304, headers: [("ETag", f.etag)])) }
            return .respond(.init(headers: [("ETag", f.etag)], text: f.document()))
        }
    }

    @Test func lifecycleNotifyStatusTailReloadAndStop() throws {
        let alpha = LiveFeed("alpha"), beta = LiveFeed("beta")
        let server = try Self.server([alpha, beta])
        defer { server.stop() }
        let dir = try Binaries.tempDirectory("daemon")
        let d = try RunningDaemon(dir: dir, toml: Self.toml(server, feeds: ["alpha"]))

        // READY=1 with a STATUS= line once the state is open and the socket listens.
        let ready = d.notify.wait(for: ["READY=1", "STATUS="])
        #expect(ready != nil, "no READY=1: \(d.notify.all)")
        #expect(try eventually { try d.delivered() == 3 })
        #expect(d.notify.wait(for: ["WATCHDOG=1"]) != nil)
        // Metrics operators graph: the fetch's time by outcome, its status, the articles'
        // publication-to-delivery time.
        let metrics = try d.client(["metrics"]).stdout
        #expect(metrics.contains("feedspool_fetch_duration_seconds_bucket{outcome=\"ok\",le=\"+Inf\"} 1\n"), "\(metrics)")
        #expect(metrics.contains("feedspool_http_responses_total{code=\"200\"} 1\n"))
        #expect(metrics.contains("feedspool_freshness_seconds_count 3\n"))
        #expect(metrics.contains("# TYPE feedspool_freshness_seconds histogram\n"))
        let status = try #require(try d.status())
        #expect((status["feeds"] as? [String: Any])?["total"] as? Int == 1)
        #expect((status["feeds"] as? [String: Any])?["healthy"] as? Int == 1)
        #expect((status["status_line"] as? String)?.hasPrefix("1 feed, 3 articles today") == true)

        let feeds = try d.client(["feeds", "--json"])
        #expect(feeds.status == 0)
        let feed = try #require((try? JSONSerialization.jsonObject(with: Data(feeds.stdout.split(separator: "\n")[0].utf8))) as? [String: Any])
        #expect(feed["health"] as? String == "ok")
        #expect(feed["due_reason"] as? String == "every 5 min")
        #expect(feed["etag"] as? Bool == true)

        // tail -f: a new article reaches the follower soon after its delivery.
        let (tail, tailOut) = try Binaries.launch(
            "feedspool", ["tail", "-f", "-n", "1", "--json", "--socket", d.socket, "--spool", dir.appendingPathComponent("spool").path])
        defer { if tail.isRunning { kill(tail.processIdentifier, SIGKILL) } }
        let lines = LineCollector(tailOut.fileHandleForReading)
        #expect(eventually { lines.count >= 1 })  // the newest existing article (-n 1)
        alpha.publish()
        let asked = Date()
        #expect(try d.client(["poll", server.baseURL + "/alpha.xml"]).status == 0)
        #expect(eventually(timeout: 10) { lines.count >= 2 })
        let received = Date()
        let event = try #require((try? JSONSerialization.jsonObject(with: Data(lines.all[1].utf8))) as? [String: Any])
        #expect(event["title"] as? String == "alpha story 3")
        #expect((event["text"] as? String)?.hasSuffix("Text of alpha story 3.") == true)
        #expect(event["feed_url"] as? String == server.baseURL + "/alpha.xml")
        // Poll request → fetch → delivery → event → print: well inside a second here.
        #expect(received.timeIntervalSince(asked) < 5)

        // SIGHUP with a new configuration: beta added, alpha removed, without a restart.
        try Self.toml(server, feeds: ["beta"]).write(toFile: d.config, atomically: true, encoding: .utf8)
        let mark = d.notify.all.count
        kill(d.process.processIdentifier, SIGHUP)
        #expect(d.notify.wait(for: ["RELOADING=1"], after: mark) != nil)
        #expect(d.notify.wait(for: ["READY=1"], after: mark) != nil)
        #expect(try eventually { try d.delivered() == 7 })  // 4 of alpha + 3 of beta
        let after = try d.client(["feeds", "--json"]).stdout
        #expect(after.contains("/beta.xml") && !after.contains("/alpha.xml"))

        // An invalid configuration on SIGHUP keeps the running one, and says why.
        try "this is = not [valid".write(toFile: d.config, atomically: true, encoding: .utf8)
        kill(d.process.processIdentifier, SIGHUP)
        #expect(try eventually { ((try d.status()?["last_reload"] as? [String: Any])?["ok"] as? Bool) == false })
        #expect(d.process.isRunning)
        let reload = try d.client(["reload"])
        #expect(reload.status == 1)
        #expect(reload.stderr.contains("feedspool.toml:1:"))

        // SIGTERM: STOPPING=1, exit 0, nothing left half-written.
        let stopMark = d.notify.all.count
        kill(d.process.processIdentifier, SIGTERM)
        #expect(d.waitForExit() == 0)
        #expect(d.notify.wait(for: ["STOPPING=1"], after: stopMark, timeout: 5) != nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("spool/tmp").path).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: d.socket))
        #expect(try d.client(["status"]).status == 3)
    }

    /// A reload that changes every part holding a path or a setting: the socket moves (the
    /// client that asked gets its answer on the old one, which then goes), the spool and the
    /// state move (and `show` reads the new state), and a new limit applies to the next poll.
    @Test func aReloadMovesEveryPartThatHoldsAPathOrASetting() throws {
        let alpha = LiveFeed("alpha")
        let server = try Self.server([alpha])
        defer { server.stop() }
        let dir = try Binaries.tempDirectory("daemon-reload")
        let d = try RunningDaemon(dir: dir, toml: Self.toml(server, feeds: ["alpha"]))
        #expect(try eventually { try d.delivered() == 3 })

        func rawShow(_ socket: String, _ seq: Int) throws -> [String: Any]? {
            let c = try RawClient(path: socket)
            try c.write("{\"cmd\":\"show\",\"article\":\"\(seq)\"}\n")
            let line = try #require(c.readLine())
            return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
        #expect(try rawShow(d.socket, 2)?["ok"] as? Bool == true)

        // New spool, state and socket; a body limit the feed's next document exceeds.
        let moved = """
            spool_dir = "spool2"
            state_dir = "state2"
            socket = "run2/ctl.sock"
            socket_mode = "0600"
            allow_private_networks = true
            full_text = "never"
            interval = "5m"
            max_body_size = "1KiB"

            [[feed]]
            url = "\(server.baseURL)/alpha.xml"

            """
        try moved.write(toFile: d.config, atomically: true, encoding: .utf8)
        let reload = try d.client(["reload"])
        #expect(reload.status == 0, "\(reload.stderr)")
        let newSocket = dir.appendingPathComponent("run2/ctl.sock").path
        #expect(try eventually { try Binaries.run("feedspool", ["status", "--socket", newSocket], timeout: 10).status == 0 })
        #expect(eventually { !FileManager.default.fileExists(atPath: d.socket) })
        let mode = try FileManager.default.attributesOfItem(atPath: newSocket)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // The next poll: the new limit refuses alpha's document (it grew past 1 KiB).
        for _ in 0..<12 { alpha.publish() }
        #expect(try Binaries.run("feedspool", ["poll", "--socket", newSocket], timeout: 10).status == 0)
        #expect(try eventually {
            let feeds = try Binaries.run("feedspool", ["feeds", "--json", "--socket", newSocket], timeout: 10).stdout
            return feeds.contains("\"last_error_stage\":\"too-large\"")
        })

        // Back under the limit: delivered into the new spool, recorded in the new state, and
        // `show` over the socket reads that state (the old one has no such article).
        try moved.replacingOccurrences(of: "max_body_size = \"1KiB\"", with: "").write(toFile: d.config, atomically: true, encoding: .utf8)
        #expect(try Binaries.run("feedspool", ["reload", "--socket", newSocket], timeout: 10).status == 0)
        #expect(try Binaries.run("feedspool", ["poll", "--socket", newSocket], timeout: 10).status == 0)
        let spool2 = dir.appendingPathComponent("spool2").path
        #expect(eventually { ((try? FileManager.default.contentsOfDirectory(atPath: spool2)) ?? []).filter { $0.hasSuffix(".txt") }.count == 15 })
        let newest = try #require(try rawShow(newSocket, 14))
        #expect(newest["ok"] as? Bool == true, "\(newest)")
        let shown = (newest["result"] as? [[String: Any]])?.first
        #expect((shown?["path"] as? String)?.hasPrefix(spool2 + "/") == true)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("state2/state.sqlite").path))
        kill(d.process.processIdentifier, SIGTERM)
        #expect(d.waitForExit() == 0)
    }

    @Test func badClientsGetClearErrorsAndDisturbNoOne() throws {
        let feed = LiveFeed("gamma")
        let server = try Self.server([feed])
        defer { server.stop() }
        let dir = try Binaries.tempDirectory("daemon-abuse")
        let d = try RunningDaemon(dir: dir, toml: Self.toml(server, feeds: ["gamma"]))
        defer { kill(d.process.processIdentifier, SIGTERM); _ = d.waitForExit() }
        #expect(d.notify.wait(for: ["READY=1"]) != nil)

        let slow = try RawClient(path: d.socket)  // sends a byte now and then, never a whole line
        try slow.write("{\"cmd\":")
        let idle = try RawClient(path: d.socket)  // connects and says nothing

        let bad = try RawClient(path: d.socket)
        try bad.write("{not json}\n")
        #expect(bad.readLine()?.contains("\"code\":\"bad-request\"") == true)
        try bad.write("{\"cmd\":\"launch-missiles\"}\n")
        #expect(bad.readLine()?.contains("\"code\":\"unknown-command\"") == true)
        try bad.write("{\"v\":9,\"cmd\":\"status\"}\n")
        #expect(bad.readLine()?.contains("protocol version 9") == true)
        try bad.write([0xFF, 0xFE, 0x0A])
        #expect(bad.readLine()?.contains("not UTF-8") == true)
        try bad.write("{\"cmd\":\"ping\"}\n")  // still served after all that
        #expect(bad.readLine()?.contains("\"pong\":true") == true)

        let huge = try RawClient(path: d.socket)
        try huge.write(String(repeating: "x", count: 100_000))
        #expect(huge.readLine()?.contains("\"code\":\"too-large\"") == true)
        #expect(huge.readLine() == nil)  // and closed

        // Meanwhile everyone else is answered.
        try slow.write("\"st")
        #expect(try d.client(["status"]).status == 0)
        try slow.write("atus\"}\n")
        #expect(slow.readLine()?.contains("\"ok\":true") == true)
        _ = idle
    }
}

extension DaemonTests {
    /// SO_PEERCRED: a user who is not root, not the daemon's user and not in socket_group is
    /// refused even when the socket file lets everyone connect. Needs root (to run the client
    /// as another uid through setpriv).
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func aClientOfAnotherUserIsRefused() throws {
        let feed = LiveFeed("delta")
        let server = try Self.server([feed])
        defer { server.stop() }
        let dir = try Binaries.tempDirectory("daemon-peercred")
        let d = try RunningDaemon(dir: dir, toml: Self.toml(server, feeds: ["delta"], extra: "socket_mode = \"0666\""))
        defer { kill(d.process.processIdentifier, SIGTERM); _ = d.waitForExit() }
        #expect(d.notify.wait(for: ["READY=1"]) != nil)
        // The client binary and the socket must be reachable for uid 65534.
        chmod(dir.path, 0o755)
        chmod(dir.appendingPathComponent("run").path, 0o755)
        let r = try Binaries.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Binaries.url("feedspool").path, "status", "--socket", d.socket], timeout: 30, absolute: true)
        #expect(r.status == 1, "\(r.stdout) \(r.stderr)")
        #expect(r.stderr.contains("uid 65534 may not use this socket"))
        #expect(try d.client(["status"]).status == 0)  // root still may
    }
}

extension DaemonTests {
    /// 410 retires a feed; `feedspool poll FEED` revives it without pretending it succeeded.
    @Test func aGoneFeedIsRetiredAndRevivedByAPoll() throws {
        let feed = LiveFeed("epsilon")
        let gone = Locked(true)
        let server = try TestHTTPServer { req in
            if gone.withLock({ $0 }) { return .respond(.init(status: 410)) }
            return .respond(.init(text: feed.document()))
        }
        defer { server.stop() }
        let dir = try Binaries.tempDirectory("daemon-gone")
        let d = try RunningDaemon(dir: dir, toml: Self.toml(server, feeds: ["epsilon"]))
        defer { kill(d.process.processIdentifier, SIGTERM); _ = d.waitForExit() }
        func health() throws -> [String: Any]? {
            let out = try d.client(["feeds", "--json"]).stdout
            return (try? JSONSerialization.jsonObject(with: Data(out.split(separator: "\n").first.map(String.init)?.utf8 ?? "".utf8))) as? [String: Any]
        }
        #expect(try eventually { try health()?["health"] as? String == "retired" })
        #expect(try health()?["due_reason"] as? String == "retired: 410 Gone")
        let url = server.baseURL + "/epsilon.xml"
        // Revived while still gone: asked once more, retired again, and never counted a success.
        #expect(try d.client(["poll", url]).status == 0)
        #expect(eventually { server.requests.count == 2 })
        #expect(try eventually { try health()?["health"] as? String == "retired" })
        #expect(try health()?["last_success"] is NSNull)
        gone.withLock { $0 = false }
        #expect(try d.client(["poll", url]).status == 0)
        #expect(try eventually { try health()?["health"] as? String == "ok" })
        #expect(try d.delivered() == 3)
        #expect(server.requests.count == 3)  // retired feeds are asked only on request
    }

    /// A retired feed is asked again when its configuration changes (SIGHUP), not before.
    @Test func aRetiredFeedIsRevivedByAConfigurationChange() throws {
        let server = try TestHTTPServer { _ in .respond(.init(status: 410)) }
        defer { server.stop() }
        let dir = try Binaries.tempDirectory("daemon-gone-config")
        let d = try RunningDaemon(dir: dir, toml: Self.toml(server, feeds: ["zeta"]))
        defer { kill(d.process.processIdentifier, SIGTERM); _ = d.waitForExit() }
        func health() throws -> String? {
            let out = try d.client(["feeds", "--json"]).stdout
            let o = (try? JSONSerialization.jsonObject(with: Data(out.split(separator: "\n").first.map(String.init)?.utf8 ?? "".utf8))) as? [String: Any]
            return o?["health"] as? String
        }
        #expect(try eventually { try health() == "retired" })
        // A reload that leaves the feed as it was does not ask it again: answered once the
        // new configuration is applied, it leaves the feed retired, which is never polled.
        #expect(try d.client(["reload"]).status == 0)
        #expect(try health() == "retired")
        #expect(server.requests.count == 1)
        // A changed entry does: asked once more, and retired again (it is still gone).
        var toml = Self.toml(server, feeds: ["zeta"])
        toml += "name = \"Zeta, renamed\"\n"
        try toml.write(toFile: d.config, atomically: true, encoding: .utf8)
        let r = try d.client(["reload"])
        #expect(r.status == 0 && r.stdout.contains("1 retired revived"), "\(r.stdout)\(r.stderr)")
        #expect(eventually { server.requests.count == 2 })
        // Retired again by that answer: nothing asks it a third time.
        #expect(try eventually { try health() == "retired" })
        #expect(server.requests.count == 2)
    }

    /// `status` shows the failing feeds' last errors after a restart too (they come from the
    /// state, not only from what this process saw).
    @Test func lastErrorsSurviveARestart() throws {
        let server = try TestHTTPServer { _ in .respond(.init(status: 500)) }
        defer { server.stop() }
        let dir = try Binaries.tempDirectory("daemon-errors")
        let toml = Self.toml(server, feeds: ["broken"])
        func lastErrors(_ d: RunningDaemon) throws -> [[String: Any]] {
            try d.status()?["last_errors"] as? [[String: Any]] ?? []
        }
        do {
            let d = try RunningDaemon(dir: dir, toml: toml)
            #expect(try eventually { try lastErrors(d).count == 1 })
            kill(d.process.processIdentifier, SIGTERM)
            #expect(d.waitForExit() == 0)
        }
        let d = try RunningDaemon(dir: dir, toml: toml)
        defer { kill(d.process.processIdentifier, SIGTERM); _ = d.waitForExit() }
        // Read before the restarted daemon polls again (its next poll is minutes away),
        // once it answers at all.
        #expect(try eventually { try d.status() != nil })
        let errors = try lastErrors(d)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?["feed"] as? String == server.baseURL + "/broken.xml")
        #expect(errors.first?["stage"] as? String == "http")
        #expect((errors.first?["message"] as? String)?.contains("500") == true, "\(errors)")
        #expect(server.requests.count == 1)
    }
}

/// Collects a pipe's lines on a background thread.
final class LineCollector: Sendable {
    private final class Lines: Sendable {
        let m = Locked<[String]>([])
    }
    private let box = Lines()

    init(_ handle: FileHandle) {
        let t = Thread { [box] in
            var buffer = Data()
            while true {
                let d = handle.availableData
                if d.isEmpty { return }
                buffer.append(d)
                while let nl = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[..<nl], as: UTF8.self)
                    buffer.removeSubrange(...nl)
                    box.m.withLock { $0.append(line) }
                }
            }
        }
        t.start()
    }

    var count: Int { box.m.withLock { $0.count } }
    var all: [String] { box.m.withLock { $0 } }
}

/// A bare connection to the control socket, for misbehaving on purpose.
final class RawClient {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard let address = UnixAddress(path), address.withSockaddr({ connect(fd, $0, $1) }) == 0 else {
            throw ServerError("connect \(path): \(errno)")
        }
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func write(_ s: String) throws { try write(Array(s.utf8)) }

    func write(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }  // the server may close on us: that is what some tests check
            off += n
        }
    }

    /// True when a whole line is already read and waiting.
    var hasBufferedLine: Bool { buffer.contains(0x0A) }

    /// The next line, or nil at end of stream or after 10 s.
    func readLine() -> String? {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                defer { buffer.removeFirst(nl + 1) }
                return String(decoding: buffer[..<nl], as: UTF8.self)
            }
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { return nil }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }
}

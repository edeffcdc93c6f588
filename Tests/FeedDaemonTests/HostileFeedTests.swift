import Foundation
import FeedCore
import TestSupport
import Testing

/// The daemon against the internet at its worst: one run of `feedspoold` polls a server on
/// 127.0.0.1 whose every feed is an attack or a fault, next to one well-behaved feed. The
/// daemon must keep running with bounded memory, name the right failure stage per feed,
/// deliver the good feed untouched, and leave a spool of whole, unique articles in which a
/// local file it was tricked into referencing never appears.
@Suite(.serialized) struct HostileFeedTests {
    static let secret = "FEEDSPOOL-SECRET-\(getpid())-never-in-an-article"

    static func rss(_ items: String, doctype: String = "") -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\(doctype)<rss version=\"2.0\"><channel><title>t</title><link>https://h.example/</link>\(items)</channel></rss>"
    }

    /// An item unique to its feed (the same story in two feeds would be one article).
    static func item(_ i: Int, _ feed: String, guid: String? = nil, text: String = "Body") -> String {
        "<item><title>\(feed) story \(i)</title><link>https://h.example/\(feed)/\(i)</link><guid>\(guid ?? "g\(i)")</guid><description>\(text) \(i) of \(feed)</description></item>"
    }

    /// Every hostile document and behaviour, by path.
    static func routes(secretFile: String) throws -> [String: TestHTTPServer.Action] {
        var laughs = "<!DOCTYPE rss [<!ENTITY lol \"lol\">"
        laughs += "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
        for k in 2...9 { laughs += "<!ENTITY lol\(k) \"" + String(repeating: "&lol\(k - 1);", count: 10) + "\">" }
        laughs += "]>"
        let quadratic = "<!DOCTYPE rss [<!ENTITY big \"" + String(repeating: "x", count: 50_000) + "\">]>"
        let xxe = "<!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file://\(secretFile)\">]>"
        let deep = String(repeating: "<div>", count: 10_000) + "deep" + String(repeating: "</div>", count: 10_000)
        var badUTF8: [UInt8] = Array(Self.rss("").utf8.dropLast("</channel></rss>".utf8.count))
        for i in 0..<3 {
            badUTF8 += Array("<item><title>T\(i)\u{E9}".utf8) + [0xFF, 0xC3, 0x28] + Array("</title><link>https://h.example/u\(i)".utf8)
            badUTF8 += [0xE2, 0x82] + Array("</link><guid>u\(i)".utf8) + [0xF0, 0x28, 0x8C, 0xBC]
            badUTF8 += Array("</guid><description>caf\(i)".utf8) + [0xE9, 0x80, 0xBF] + Array("</description></item>".utf8)
        }
        badUTF8 += Array("</channel></rss>".utf8)
        var nul = Array(Self.rss((0..<3).map { Self.item($0, "nul") }.joined()).utf8)
        for k in stride(from: 60, to: nul.count, by: 37) { nul.insert(0, at: k) }
        let huge = Self.rss((0..<100_000).map { "<item><title>h\($0)</title><guid>h\($0)</guid></item>" }.joined())
        let bigNode = Self.rss(Self.item(1, "big-node", text: String(repeating: "word ", count: 2_100_000)) + Self.item(2, "big-node"))
        let sameGUID = Self.rss((0..<5).map { Self.item($0, "same-guid", guid: "same") }.joined())
        let doc = { (t: String) in TestHTTPServer.Response(headers: [("Content-Type", "application/rss+xml")], text: t) }
        return [
            "/laughs.xml": .respond(doc(Self.rss(Self.item(1, "laughs", text: "&lol9;") + Self.item(2, "laughs"), doctype: laughs))),
            "/quadratic.xml": .respond(
                doc(Self.rss(Self.item(1, "quadratic", text: String(repeating: "&big;", count: 10_000)) + Self.item(2, "quadratic"), doctype: quadratic))),
            "/xxe.xml": .respond(doc(Self.rss(Self.item(1, "xxe", text: "leak: &xxe; end") + Self.item(2, "xxe"), doctype: xxe))),
            "/deep.xml": .respond(doc(Self.rss(Self.item(1, "deep") + "<item><title>D</title><guid>d</guid><description>\(deep)</description></item>"))),
            "/promise.xml": .promise(TestHTTPServer.Response(body: Array("<rss>".utf8)), contentLength: 2_000_000_000),
            "/endless.xml": .endless(TestHTTPServer.Response(body: Array(String(repeating: "<item>", count: 1000).utf8), chunked: true)),
            "/bomb.xml": .respond(TestHTTPServer.Response(headers: [("Content-Encoding", "gzip")], body: try TestCompression.gzipBomb(decodedBytes: 200 << 20))),
            "/bad-utf8.xml": .respond(TestHTTPServer.Response(body: badUTF8)),
            "/nul.xml": .respond(TestHTTPServer.Response(body: nul)),
            "/huge.xml": .respond(doc(huge)),
            "/big-node.xml": .respond(doc(bigNode)),
            "/big-headers.xml": .respond(TestHTTPServer.Response(headers: [("X-Filler", String(repeating: "a", count: 1 << 20))], text: Self.rss(Self.item(1, "big-headers")))),
            "/loop.xml": .respond(TestHTTPServer.Response(status: 302, headers: [("Location", "/loop.xml")])),
            "/reset.xml": .reset(doc(Self.rss((0..<3).map { Self.item($0, "reset") }.joined())), afterBodyBytes: 0),
            "/http09.xml": .raw(Array("garbage, no status line\r\n\r\n<rss/>".utf8)),
            "/same-guid.xml": .respond(doc(sameGUID)),
        ]
    }

    @Test func theDaemonSurvivesEveryHostileFeed() throws {
        let dir = try Binaries.tempDirectory("hostile")
        let secretFile = dir.appendingPathComponent("secret.txt").path
        try Self.secret.write(toFile: secretFile, atomically: true, encoding: .utf8)
        let good = LiveFeed("good")
        let flips = Locked(0)
        let routes = try Self.routes(secretFile: secretFile)
        let server = try TestHTTPServer { req in
            if req.path == "/good.xml" { return .respond(.init(text: good.document())) }
            if req.path == "/flip.xml" {
                // Two versions, alternating on every request: same stories, edited text.
                let n = flips.withLock { v in
                    v += 1
                    return v
                }
                return .respond(.init(text: Self.rss((0..<3).map { Self.item($0, "flip", text: n % 2 == 0 ? "Even" : "Odd") }.joined())))
            }
            return routes[req.path] ?? .respond(.init(status: 404))
        }
        defer { server.stop() }
        var names = routes.keys.map { String($0.dropFirst().dropLast(4)) }.sorted()
        names += ["flip", "good"]
        var toml = DaemonTests.toml(server, feeds: [], extra: "timeout = \"4s\"\nconcurrency = 8")
        for n in names {
            toml += "[[feed]]\nurl = \"\(server.baseURL)/\(n).xml\"\n"
            if n == "huge" { toml += "max_items = 20\n" }
        }
        let d = try RunningDaemon(dir: dir, toml: toml)
        defer { kill(d.process.processIdentifier, SIGTERM); _ = d.waitForExit() }

        func feeds() throws -> [String: [String: Any]] {
            let out = try d.client(["feeds", "--json"]).stdout
            var byName: [String: [String: Any]] = [:]
            for line in out.split(separator: "\n") {
                guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                    let url = o["url"] as? String
                else { continue }
                byName[String(url.split(separator: "/").last!.dropLast(4))] = o
            }
            return byName
        }
        func polls() throws -> Int { ((try d.status())?["polls"] as? NSNumber)?.intValue ?? -1 }
        // The first cycle is over when no feed is new any more.
        #expect(try eventually(timeout: 90) { try feeds().count == names.count && feeds().values.allSatisfy { $0["health"] as? String != "new" } })
        // Poll once more: the flipping feed changes; the rest must stay stable. (One round:
        // re-reading the 100,000-item feed in a debug build under a loaded CI takes a while.)
        for _ in 0..<1 {
            let before = server.requests.count
            let pollsBefore = try polls()
            #expect(try d.client(["poll"]).status == 0)
            // Every feed asked again (a feed still busy from the round before may be skipped),
            // and each answer applied before the state is read.
            let asked = { Set(server.requests.dropFirst(before).map(\.path)) }
            #expect(eventually(timeout: 180) { asked().count >= names.count - 3 }, "asked again: \(asked().sorted())")
            #expect(try eventually(timeout: 60) { try polls() >= pollsBefore + asked().count }, "polls applied: \(((try? polls()) ?? -1) - pollsBefore)")
        }
        #expect(try eventually(timeout: 30) { try d.status() != nil })
        #expect(d.process.isRunning)

        let f = try feeds()
        func stage(_ n: String) -> String? { f[n]?["last_error_stage"] as? String }
        func health(_ n: String) -> String? { f[n]?["health"] as? String }
        func delivered(_ n: String) -> Int { (f[n]?["delivered"] as? NSNumber)?.intValue ?? -1 }

        // Faults name their stage.
        #expect(stage("promise") == "too-large", "\(f["promise"] ?? [:])")
        #expect(stage("endless") == "too-large", "\(f["endless"] ?? [:])")
        #expect(stage("bomb") == "too-large", "\(f["bomb"] ?? [:])")
        #expect(stage("loop") == "redirect", "\(f["loop"] ?? [:])")
        #expect(stage("reset") == "receive", "\(f["reset"] ?? [:])")
        #expect(stage("big-headers") == "too-large", "\(f["big-headers"] ?? [:])")
        #expect(stage("http09") == "receive", "\(f["http09"] ?? [:])")
        for n in ["promise", "endless", "bomb", "loop", "reset", "big-headers", "http09"] {
            #expect(health(n) == "failing", "\(n): \(f[n] ?? [:])")
            #expect(delivered(n) == 0, "\(n)")
        }
        // Attacks on the parser are read safely: entities stay unexpanded, the deep
        // item is cut at the nesting limit, broken bytes are repaired.
        for n in ["laughs", "quadratic", "xxe", "deep", "bad-utf8", "nul", "huge", "big-node", "same-guid", "flip", "good"] {
            #expect(health(n) == "ok", "\(n): \(f[n] ?? [:])")
        }
        #expect(delivered("good") == 3)
        #expect(delivered("bad-utf8") == 3)
        #expect(delivered("nul") == 3)
        #expect(delivered("huge") == 20)  // max_items on the first poll
        #expect(delivered("same-guid") == 5)  // told apart by their links
        #expect(delivered("flip") == 3)  // edits of the same stories are not news (on_update = ignore)
        #expect(delivered("laughs") == 2 && delivered("quadratic") == 2 && delivered("xxe") == 2)
        #expect(delivered("deep") == 1)  // the deep item is cut off, never delivered torn
        #expect(delivered("big-node") == 2)

        // The spool: whole articles, unique ids, never the local file.
        let spool = dir.appendingPathComponent("spool")
        let files = try FileManager.default.contentsOfDirectory(atPath: spool.path).filter { $0.hasSuffix(".txt") }
        let total = try d.delivered()
        #expect(files.count == total)
        var ids = Set<String>()
        for name in files {
            let text = try String(contentsOf: spool.appendingPathComponent(name), encoding: .utf8)
            #expect(!text.contains(Self.secret), "\(name) holds the local file")
            #expect(!text.contains("lollollol"), "\(name) expanded an entity")
            #expect(!text.isEmpty, "\(name) is empty")
            #expect(!text.contains("\u{0}"))
            let id = String(name.split(separator: "_").last!.dropLast(4))
            #expect(ids.insert(id).inserted, "\(id) delivered twice")
        }
        let staged = (try? FileManager.default.contentsOfDirectory(atPath: spool.appendingPathComponent("tmp").path)) ?? []
        #expect(staged.isEmpty, "torn or staged files left: \(staged)")

        // Memory stayed bounded: the high-water mark of the daemon's resident set. The bound,
        // 256 MiB, is twice what a debug build peaks at here (~128 MiB, most of it the
        // 100,000-item feed parsed whole before its first-poll limit applies).
        let hwm = Self.peakRSSKiB(pid: d.process.processIdentifier)
        print("hostile: feedspoold peak RSS \(hwm / 1024) MiB")
        // (Sanitizers multiply memory: the bound holds for plain builds.)
        if ProcessInfo.processInfo.environment["FEEDSPOOL_SANITIZED"] == nil {
            #expect(hwm > 0 && hwm < 256 << 10, "peak RSS \(hwm) KiB")
        }
    }

    /// VmHWM of a process, in KiB (0 if unreadable).
    static func peakRSSKiB(pid: Int32) -> Int {
        guard let s = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        return 0
    }
}

import FeedCore
import FeedStore
import Foundation
import TestSupport
import Testing

/// A teaser feed whose pages a local site serves every way a site can: full pages, one
/// disallowed by robots.txt, one answering 429 with Retry-After, one that never answers.
/// Every request is logged with its time, so the test can check the site's budget.
final class TeaserSite: Sendable {
    static let good = 6
    let stories: Int
    private let log = Locked<[(time: Double, path: String, status: Int)]>([])
    let retryAfter = 3

    init(stories: Int = TeaserSite.good) { self.stories = stories }

    static func now() -> Double { Date().timeIntervalSince1970 }

    /// Items oldest first in the queue: the good stories, then the three that fail.
    var items: [(path: String, title: String)] {
        (0..<stories).map { ("/story/\($0).html", "Harbour story number \($0)") }
            + [("/private/x.html", "A private story"), ("/busy/y.html", "A story on a busy server"), ("/hang/z.html", "A story that never loads")]
    }

    func date(_ i: Int) -> String { httpDate(time_t(1_733_000_000 + i * 3600)) }

    func paragraphs(_ i: Int) -> [String] {
        [
            "The harbour board met on Monday to discuss story number \(i), which concerns the berths on the eastern quay and their repair.",
            "Members heard that the work on story \(i) would take eleven weeks, cost less than the last estimate, and close two berths at a time.",
            "The board's chair said the ferries would keep their timetable throughout, and that fishing boats would move to the western basin for the duration of story \(i).",
        ]
    }

    func feed(base: String) -> String {
        var s = "<rss version=\"2.0\"><channel><title>Teasers</title><link>\(base)/</link>\n"
        for (i, item) in items.enumerated() {
            s += "<item><title>\(item.title)</title><link>\(base)\(item.path)</link><guid isPermaLink=\"false\">teaser:\(item.path)</guid><pubDate>\(date(i))</pubDate>"
            s += "<description>The harbour board met on Monday to discuss story number \(i)…</description></item>\n"
        }
        return s + "</channel></rss>"
    }

    func page(_ i: Int) -> String {
        "<!DOCTYPE html><html><head><title>\(items[i].title) | Harbour News</title></head><body>"
            + "<nav><a href=\"/\">Home</a> <a href=\"/news\">News</a> <a href=\"/sport\">Sport</a></nav>"
            + "<article><h1>\(items[i].title)</h1>" + paragraphs(i).map { "<p>\($0)</p>" }.joined() + "</article>"
            + "<footer>© Harbour News · <a href=\"/about\">About</a></footer></body></html>"
    }

    /// The article each item must end as: id → exact text.
    func expected(feedURL: String) -> [String: String] {
        var out: [String: String] = [:]
        for (i, item) in items.enumerated() {
            let id = ArticleID.make(feedKey: feedURL, identity: .guid("teaser:" + item.path))
            let day = FeedDate(secondsSinceEpoch: Int64(1_733_000_000 + i * 3600)).localDateString
            let body = i < stories ? paragraphs(i).joined(separator: "\n\n") : "The harbour board met on Monday to discuss story number \(i)…"
            out[id] = " date \(day) \(item.title)\n\n\(body)"
        }
        return out
    }

    func serve(_ req: TestHTTPServer.Request, base: String) -> TestHTTPServer.Action {
        let now = Self.now()
        func logged(_ status: Int, _ action: TestHTTPServer.Action) -> TestHTTPServer.Action {
            log.withLock { $0.append((now, req.path, status)) }
            return action
        }
        switch req.path {
        case "/feed.xml":
            return logged(200, .respond(.init(headers: [("Content-Type", "application/rss+xml"), ("ETag", "\"1\"")], text: feed(base: base))))
        case "/robots.txt":
            return logged(200, .respond(.init(headers: [("Content-Type", "text/plain")], text: "User-agent: *\nDisallow: /private/\n")))
        case "/busy/y.html":
            return logged(429, .respond(.init(status: 429, headers: [("Retry-After", "\(retryAfter)")], text: "slow down")))
        case "/hang/z.html":
            return logged(0, .hang)
        default:
            if req.path.hasPrefix("/story/"), let i = Int(req.path.dropFirst(7).prefix { $0.isNumber }), i < stories {
                return logged(200, .respond(.init(headers: [("Content-Type", "text/html; charset=utf-8")], text: page(i))))
            }
            return logged(404, .respond(.init(status: 404, text: "not found")))
        }
    }

    var requests: [(time: Double, path: String, status: Int)] { log.withLock { $0 } }

    static func toml(_ server: TestHTTPServer) -> String {
        """
        spool_dir = "spool"
        state_dir = "state"
        socket = "run/ctl.sock"
        allow_private_networks = true
        interval = "5m"
        timeout = "2s"
        per_host = 2
        page_budget = 60
        page_burst = 3
        full_text_timeout = "10s"

        [[feed]]
        url = "\(server.baseURL)/feed.xml"
        """
    }
}

@Suite(.serialized) struct FullTextDaemonTests {
    static func spool(_ dir: URL) throws -> [String: [String]] {
        let spool = dir.appendingPathComponent("spool").path
        var byID: [String: [String]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: spool) where name.hasSuffix(".txt") {
            let id = try #require(Article.parseFileName(name)).id
            byID[id, default: []].append(try String(contentsOfFile: spool + "/" + name, encoding: .utf8))
        }
        return byID
    }

    static func waiting(_ d: RunningDaemon) throws -> Int {
        ((try d.status()?["full_text"] as? [String: Any])?["waiting"] as? NSNumber)?.intValue ?? -1
    }

    @Test func pagesArePoliteAndEachItemEndsWithThePagesTextOrTheFeedsAndWhy() throws {
        let site = TeaserSite()
        let base = Locked("")
        let server = try TestHTTPServer { site.serve($0, base: base.withLock { $0 }) }
        defer { server.stop() }
        base.withLock { $0 = server.baseURL }
        let dir = try Binaries.tempDirectory("fulltext")
        let d = try RunningDaemon(dir: dir, toml: TeaserSite.toml(server))
        let feedURL = server.baseURL + "/feed.xml"
        let total = site.items.count
        #expect(try eventually(timeout: 60) { try d.delivered() == total && Self.waiting(d) == 0 }, "\(String(describing: try? d.status()))")

        // Every item once, byte for byte: the page's text for the good stories, the feed's
        // for the others.
        let spool = try Self.spool(dir)
        let expected = site.expected(feedURL: feedURL)
        #expect(Set(spool.keys) == Set(expected.keys))
        for (id, texts) in spool {
            #expect(texts.count == 1)
            #expect(texts.first == expected[id], "\(id)")
        }

        // The provenance says where each text came from, and why not the page.
        func show(_ path: String) throws -> [String: Any] {
            let id = ArticleID.make(feedKey: feedURL, identity: .guid("teaser:" + path))
            let r = try Binaries.run("feedspool", ["show", "--json", "--config", d.config, id])
            let object = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any]
            return try #require(object, "\(r.stdout)\(r.stderr)")
        }
        #expect(try show("/story/0.html")["text_source"] as? String == "page")
        let privateOne = try show("/private/x.html")
        #expect(privateOne["text_source"] as? String == "feed")
        #expect(privateOne["text_note"] as? String == "robots.txt disallows the page")
        let busy = try show("/busy/y.html")
        #expect((busy["text_note"] as? String)?.hasPrefix("no page within full_text_timeout (last: the page answered 429") == true, "\(busy)")
        let hang = try show("/hang/z.html")
        #expect((hang["text_note"] as? String)?.contains("timeout") == true, "\(hang)")

        let status = try #require(try d.status()?["full_text"] as? [String: Any])
        #expect((status["page_text"] as? [String: Any])?.values.reduce(0) { $0 + (($1 as? NSNumber)?.intValue ?? 0) } == TeaserSite.good)
        #expect((status["feed_text"] as? [String: Any])?["robots"] as? Int == 1)
        #expect((status["feed_text"] as? [String: Any])?["timed_out"] as? Int == 2)
        let feeds = try d.client(["feeds", "--json"]).stdout
        #expect(feeds.contains("\"pages_tried\":8,\"pages_used\":6"), "\(feeds)")
        let metrics = try d.client(["metrics"]).stdout
        #expect(metrics.contains("feedspool_articles_feed_text_fallbacks_total{reason=\"timed_out\"} 2\n"), "\(metrics)")

        // The site's log: robots.txt read once, the disallowed page never asked for, nothing
        // while a Retry-After ran, the budget (a burst of 3, then one a second) held, and
        // never more than per_host requests at once.
        let log = site.requests.filter { $0.path != "/feed.xml" }
        #expect(log.filter { $0.path == "/robots.txt" }.count == 1)
        #expect(log.first?.path == "/robots.txt")
        #expect(!log.contains { $0.path.hasPrefix("/private/") })
        for refused in log where refused.status == 429 {
            let during = log.filter { $0.time > refused.time && $0.time < refused.time + Double(site.retryAfter) - 0.5 }
            #expect(during.isEmpty, "requests during Retry-After: \(during.map(\.path))")
        }
        for (i, first) in log.enumerated() {
            for window in [1.0, 3.0, 6.0] {
                let inWindow = log[i...].prefix { $0.time < first.time + window }.count
                // burst + rate × window, and one more for the clock's whole seconds.
                #expect(inWindow <= 3 + Int(window) + 1, "\(inWindow) requests within \(window) s of \(first.path)")
            }
        }
        #expect(server.peakInFlight <= 2)
        d.process.terminate()
        #expect(d.waitForExit() == 0)
    }

    /// Killed with SIGKILL at random moments (seeded; the seed is printed) while pages are
    /// in flight, and restarted: every article exactly once, byte for byte.
    @Test func killedWhilePagesAreInFlightDeliversEachArticleOnce() throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["FEEDSPOOL_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64.max)
        print("full-text crash test: seed \(seed) (FEEDSPOOL_SEED=\(seed) repeats it)")
        var rng = SplitMix64(state: seed)
        let site = TeaserSite(stories: 14)
        let base = Locked("")
        let server = try TestHTTPServer { site.serve($0, base: base.withLock { $0 }) }
        defer { server.stop() }
        base.withLock { $0 = server.baseURL }
        let dir = try Binaries.tempDirectory("fulltext-crash")
        let toml = TeaserSite.toml(server)
        var killed = 0
        var killedWhileWaiting = 0  // kills that left items waiting for their page
        let started = Date()
        for _ in 0..<10 {
            let d = try RunningDaemon(dir: dir, toml: toml)
            usleep(UInt32.random(in: 100_000...1_500_000, using: &rng))
            if d.process.isRunning {
                kill(d.process.processIdentifier, SIGKILL)
                killed += 1
            }
            d.process.waitUntilExit()
            let state = dir.appendingPathComponent("state").path
            if killed > 0, let store = try? StateStore(directory: state, readOnly: true), (try? store.pendingPageCount) ?? 0 > 0 { killedWhileWaiting += 1 }
            if Date().timeIntervalSince(started) > 60 { break }
        }
        let d = try RunningDaemon(dir: dir, toml: toml)
        let feedURL = server.baseURL + "/feed.xml"
        let expected = site.expected(feedURL: feedURL)
        #expect(try eventually(timeout: 60) { try Self.waiting(d) == 0 && Self.spool(dir).count == expected.count })
        d.process.terminate()
        #expect(d.waitForExit() == 0)
        let spool = try Self.spool(dir)
        #expect(Set(spool.keys) == Set(expected.keys))
        #expect(spool.values.allSatisfy { $0.count == 1 }, "duplicates: \(spool.filter { $0.value.count > 1 }.keys)")
        var mismatched: [String] = []
        for (id, texts) in spool where texts.first != expected[id] { mismatched.append(id) }
        #expect(mismatched.isEmpty, "\(mismatched)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("spool/tmp").path).isEmpty)
        #expect(killedWhileWaiting > 0)
        print("full-text crash test: \(killed) kills (\(killedWhileWaiting) with items waiting for their page), \(spool.count) articles, each once")
    }
}

import FeedCore
import FeedParser
import FeedStore
import Foundation
import TestSupport
import Testing

/// A corpus that grows while the daemon is killed: `feeds` feeds on the scripted server,
/// each publishing `base + published` items (the test publishes more between cycles).
final class GrowingCorpus: Sendable {
    let feeds: Int
    let base: Int
    private let published = Locked(0)

    init(feeds: Int, base: Int) {
        self.feeds = feeds
        self.base = base
    }

    func publish() { published.withLock { $0 += 1 } }

    func itemCount(feed: Int) -> Int {
        // Every third feed gets the new items, so most polls of the others are 304s.
        base + (feed % 3 == 0 ? published.withLock { $0 } : 0)
    }

    func document(feed: Int) -> String {
        let items = (0..<itemCount(feed: feed)).reversed().map { i in
            TestItem(
                guid: "urn:feed\(feed):item\(i)", link: "https://site\(feed).example/\(i)",
                title: "Feed \(feed), story \(i)",
                body: "Paragraph one of story \(i) in feed \(feed): \(String(repeating: "words that fill a line, ", count: 1 + (i * 7 + feed) % 9))</p><p>And a second paragraph, number \(i * 31 + feed).",
                date: httpDate(time_t(1_733_000_000 + i * 3600 + feed * 60)))
        }
        return rss(items, title: "Feed \(feed)")
    }

    func serve(_ req: TestHTTPServer.Request) -> TestHTTPServer.Action {
        guard req.path.hasPrefix("/feed/"), let n = Int(req.path.dropFirst(6).prefix { $0.isNumber }), n < feeds else {
            return .respond(.init(status: 404))
        }
        let etag = "\"v\(itemCount(feed: n))\""
        if req.header("if-none-match") == etag { return .respond(.init(status: 304, headers: [("ETag", etag)])) }
        return .respond(.init(headers: [("ETag", etag), ("Content-Type", "application/rss+xml")], text: document(feed: n)))
    }

    /// What the spool must hold at the end: article id → exact text.
    func expectedArticles(baseURL: String) throws -> [String: String] {
        var out: [String: String] = [:]
        var converter = HTMLToText()
        for f in 0..<feeds {
            let url = "\(baseURL)/feed/\(f).xml"
            let feed = try FeedParser.parse(Array(document(feed: f).utf8), options: FeedParserOptions(baseURL: url))
            for a in feed.articles(feedKey: url, firstSeen: FeedDate(secondsSinceEpoch: 0), using: &converter) { out[a.id] = a.rendered }
        }
        return out
    }
}

@Suite(.serialized) struct CrashTests {
    /// `feedspoold --once` killed with SIGKILL at random moments while the corpus grows, then
    /// one clean run: every article in the spool exactly once, byte for byte, nothing staged,
    /// and the state agreeing with the spool. FEEDSPOOL_CRASH_CYCLES sets the cycles (make
    /// stress runs 120).
    @Test func killNineAtRandomMomentsLosesAndDuplicatesNothing() throws {
        let cycles = Int(ProcessInfo.processInfo.environment["FEEDSPOOL_CRASH_CYCLES"] ?? "") ?? 24
        let corpus = GrowingCorpus(feeds: 60, base: 20)
        let server = try TestHTTPServer { corpus.serve($0) }
        defer { server.stop() }
        let dir = try Binaries.tempDirectory("crash")
        var toml = "spool_dir = \"spool\"\nstate_dir = \"state\"\nallow_private_networks = true\nfull_text = \"never\"\nconcurrency = 8\nper_host = 8\n"
        for f in 0..<corpus.feeds { toml += "\n[[feed]]\nurl = \"\(server.baseURL)/feed/\(f).xml\"\n" }
        let config = dir.appendingPathComponent("feedspool.toml").path
        try toml.write(toFile: config, atomically: true, encoding: .utf8)

        var rng = SystemRandomNumberGenerator()
        var killed = 0
        var completed = 0
        var killedMidDelivery = 0  // killed runs that had delivered some articles already
        let spoolDir = dir.appendingPathComponent("spool").path
        func spoolCount() -> Int { ((try? FileManager.default.contentsOfDirectory(atPath: spoolDir)) ?? []).count }
        let started = Date()
        for cycle in 0..<cycles {
            if cycle > 0 { corpus.publish() }
            let p = Process()
            p.executableURL = Binaries.url("feedspoold")
            p.arguments = ["--once", "--config", config]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            let before = spoolCount()
            try p.run()
            usleep(UInt32.random(in: 2_000...120_000, using: &rng))
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                killed += 1
            } else {
                completed += 1
            }
            p.waitUntilExit()
            if p.terminationReason == .uncaughtSignal, spoolCount() > before { killedMidDelivery += 1 }
            // Bounded in time as well as in count.
            if Date().timeIntervalSince(started) > 240 { break }
        }
        let articles = try Self.finishAndVerify(dir: dir, config: config, corpus: corpus, server: server)
        #expect(killed > 0)
        #expect(killedMidDelivery > 0)
        print("crash test (--once): \(cycles) cycles, \(killed) killed (\(killedMidDelivery) after delivering part of their batch), \(completed) completed on their own, \(articles) articles, each once")
    }

    /// One clean run, then the proof: every published article in the spool exactly once,
    /// byte for byte, nothing staged, and the state agreeing with the spool. Returns the
    /// number of articles.
    @discardableResult
    static func finishAndVerify(dir: URL, config: String, corpus: GrowingCorpus, server: TestHTTPServer) throws -> Int {
        let clean = try Binaries.run("feedspoold", ["--once", "--config", config], timeout: 120)
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")

        let expected = try corpus.expectedArticles(baseURL: server.baseURL)
        let spool = dir.appendingPathComponent("spool").path
        let names = try FileManager.default.contentsOfDirectory(atPath: spool).filter { $0.hasSuffix(".txt") }
        var byID: [String: [String]] = [:]
        for n in names {
            let parsed = try #require(Article.parseFileName(n))
            byID[parsed.id, default: []].append(n)
        }
        #expect(names.count == expected.count)
        #expect(byID.values.allSatisfy { $0.count == 1 }, "duplicates: \(byID.filter { $0.value.count > 1 })")
        #expect(Set(byID.keys) == Set(expected.keys))
        var mismatched = 0
        for (id, files) in byID {
            let text = try String(contentsOfFile: spool + "/" + files[0], encoding: .utf8)
            if text != expected[id] { mismatched += 1 }
        }
        #expect(mismatched == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool + "/tmp").isEmpty)
        let state = try StateStore(directory: dir.appendingPathComponent("state").path, readOnly: true)
        #expect(try state.pendingDeliveries().isEmpty)
        #expect(try state.deliveredCount == Int64(names.count))
        // Sequence numbers are unique, and every file's is the one the state recorded.
        var seqs = Set<Int>()
        for n in names {
            let parsed = try #require(Article.parseFileName(n))
            #expect(seqs.insert(parsed.seq).inserted)
            #expect(try state.delivery(seq: Int64(parsed.seq))?.file == n)
        }
        return names.count
    }

    /// The service itself (not --once) killed with SIGKILL at random moments: each cycle
    /// starts `feedspoold`, asks it over the control socket to poll every feed, and kills
    /// it 2–150 ms later, while the corpus grows. Then the same proof as above.
    @Test func theServiceKilledAtRandomMomentsLosesAndDuplicatesNothing() throws {
        let cycles = Int(ProcessInfo.processInfo.environment["FEEDSPOOL_CRASH_CYCLES"] ?? "") ?? 12
        let corpus = GrowingCorpus(feeds: 40, base: 12)
        let server = try TestHTTPServer { corpus.serve($0) }
        defer { server.stop() }
        let dir = try Binaries.tempDirectory("crash-service")
        var toml = "spool_dir = \"spool\"\nstate_dir = \"state\"\nsocket = \"run/ctl.sock\"\nallow_private_networks = true\nfull_text = \"never\"\nconcurrency = 8\nper_host = 8\n"
        for f in 0..<corpus.feeds { toml += "\n[[feed]]\nurl = \"\(server.baseURL)/feed/\(f).xml\"\n" }
        let config = dir.appendingPathComponent("feedspool.toml").path
        try toml.write(toFile: config, atomically: true, encoding: .utf8)
        let socket = dir.appendingPathComponent("run/ctl.sock").path

        var rng = SystemRandomNumberGenerator()
        var killed = 0
        var polled = 0
        let started = Date()
        for cycle in 0..<cycles {
            if cycle > 0 { corpus.publish() }
            let p = Process()
            p.executableURL = Binaries.url("feedspoold")
            p.arguments = ["--config", config]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            // Up to 10 s for the control socket to answer, then a poll of every feed.
            if eventually(timeout: 10, { (try? Binaries.run("feedspool", ["poll", "--socket", socket], timeout: 5).status) == 0 }) {
                polled += 1
            }
            usleep(UInt32.random(in: 2_000...150_000, using: &rng))
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                killed += 1
            }
            p.waitUntilExit()
            if Date().timeIntervalSince(started) > 240 { break }
        }
        let articles = try Self.finishAndVerify(dir: dir, config: config, corpus: corpus, server: server)
        #expect(killed > 0)
        #expect(polled > 0)
        print("crash test (service): \(cycles) cycles, \(killed) killed, \(polled) polls requested, \(articles) articles, each once")
    }
}

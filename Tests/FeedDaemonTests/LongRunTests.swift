import FeedConfig
import FeedCore
import FeedFetch
@testable import FeedDaemon
import FeedIngest
@testable import FeedStore
import Foundation
import Logging
import TestSupport
import Testing

/// A clock the test moves: the daemon's days pass in milliseconds.
final class SimulatedClock: Sendable {
    private let value: Locked<Int64>
    init(_ start: Int64) { value = Locked(start) }
    var now: Int64 { value.withLock { $0 } }
    func advance(_ seconds: Int64) { value.withLock { $0 += seconds } }
    var function: @Sendable () -> Int64 { { [value] in value.withLock { $0 } } }
}

/// The daemon's poll loop in this process, on a simulated clock, over `config`.
struct InProcessPoller {
    let clock: SimulatedClock
    let board: StatusBoard
    let inbox = PollerInbox()
    let poller: Poller

    init(_ config: Config, label: String, clock: SimulatedClock = SimulatedClock(LongRunTests.start)) throws {
        self.clock = clock
        let site = try IngestSite(config: config, clock: clock.function)
        board = StatusBoard(started: clock.now, configPath: config.path, spoolDir: config.spoolDir)
        poller = try Poller(
            configPath: config.path, config: config, site: site, inbox: inbox, board: board,
            logger: Logger(label: label), clock: clock.function, idle: .milliseconds(2), wantsEvents: { false }
        ) { _ in }
    }

    /// Waits (bounded, 40 s) until `condition` holds of the board.
    /// Bounded generously: a poll against a locked state waits out SQLite's busy timeout
    /// for each of its writes (seconds each), and a loaded test run stretches that further.
    func until(_ condition: (StatusBoard.Snapshot) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(120)
        while !condition(board.snapshot) && Date() < deadline { try? await Task.sleep(for: .milliseconds(2)) }
        return condition(board.snapshot)
    }

    /// A config in `dir` for `feeds` on the local server.
    static func config(_ dir: URL, feeds: [String]) -> Config {
        var config = Config(path: dir.path + "/feedspool.toml", spoolDir: dir.path + "/spool", stateDir: dir.path + "/state")
        config.allowPrivateNetworks = true
        config.fullText = .never
        config.feeds = feeds.map { FeedConfig(url: $0) }
        return config
    }
}

/// Months of uptime in one run: the poller (the daemon's own loop, fetching from a local
/// server) on a simulated clock.
@Suite struct LongRunTests {
    static let start: Int64 = 1_750_000_000
    static let feeds = ["north", "south", "east"]

    /// Each feed's document on day `day`: its eight newest stories (one new a day, so each
    /// stays eight days), and every fifteenth day a story that left and comes back (always
    /// within `grace`, so it must never be delivered twice).
    static func document(_ feed: String, day: Int) -> String {
        var s = "<rss version=\"2.0\"><channel><title>\(feed)</title><link>https://\(feed).example/</link>\n"
        func item(_ id: String, _ published: Int64) {
            s += "<item><title>\(feed) \(id)</title><guid>\(feed)-\(id)</guid><link>https://\(feed).example/\(id)</link>"
            s += "<pubDate>\(httpDate(time_t(published)))</pubDate><description>The \(id) story of \(feed).</description></item>\n"
        }
        for n in stride(from: day, through: day - 7, by: -1) { item("story-\(n)", start + Int64(n) * 86400) }
        if day % 15 == 0 { item("returning", start) }
        return s + "</channel></rss>"
    }

    @Test func twoHundredDaysOfChurnKeepTheStateBoundedAndDeliverEachStoryOnce() async throws {
        let day = Locked(0)
        let server = try TestHTTPServer { req in
            guard let feed = Self.feeds.first(where: { req.path == "/\($0).xml" }) else { return .respond(.init(status: 404)) }
            return .respond(.init(text: Self.document(feed, day: day.withLock { $0 })))
        }
        defer { server.stop() }
        let dir = try Binaries.tempDirectory("long-run")
        var config = InProcessPoller.config(dir, feeds: Self.feeds.map { server.baseURL + "/\($0).xml" })
        config.grace = 20 * 86400
        config.nearWindow = 7 * 86400
        config.interval = 3600
        let daemon = try InProcessPoller(config, label: "long-run")
        let (clock, board, inbox, poller) = (daemon.clock, daemon.board, daemon.inbox, daemon.poller)
        let loop = Task { try await poller.run() }
        func polled(_ polls: Int64) async -> Bool { await daemon.until { $0.polls >= polls } }
        func size() throws -> StateStore.Size { try StateStore(directory: config.stateDir, readOnly: true).size }

        #expect(await polled(3))
        var atDay100: StateStore.Size?
        for d in 1...200 {
            day.withLock { $0 = d }
            clock.advance(86400)
            guard await polled(Int64(3 * (d + 1))) else {
                Issue.record("day \(d): the poller did not poll every feed")
                break
            }
            if d == 100 { atDay100 = try size() }
        }
        inbox.stop()
        try await loop.value
        let atDay200 = try size()
        let first = try #require(atDay100)

        // Every story once: day 0's eight and the returning one, then one a day, per feed.
        let expected = Self.feeds.count * (8 + 1 + 200)
        #expect(board.snapshot.deliveredTotal == Int64(expected))
        let files = try FileManager.default.contentsOfDirectory(atPath: config.spoolDir).filter { $0.hasSuffix(".txt") }
        #expect(files.count == expected)
        var bodies = Set<String>()
        for f in files { bodies.insert(try String(contentsOfFile: config.spoolDir + "/" + f, encoding: .utf8)) }
        #expect(bodies.count == expected, "an article was delivered twice")

        // Bounded by the windows, not by the days: identities seen within `grace` (each
        // story is seen for eight days), fingerprints and provenance of the last `grace`.
        let window = Int64(Self.feeds.count * (20 + 8 + 2))
        for s in [first, atDay200] {
            #expect(s.items <= window, "\(s)")
            #expect(s.deliveries <= window, "\(s)")
            #expect(s.fingerprints <= window, "\(s)")
        }
        // The file does not grow with the days: pages freed by pruning are reused, and the
        // write-ahead log is truncated at each prune.
        #expect(atDay200.bytes <= first.bytes + 64 * 1024, "day 100: \(first.bytes) bytes, day 200: \(atDay200.bytes)")
        #expect(atDay200.bytes < 2 << 20)
        #expect(board.snapshot.lastPrune != nil)
        #expect(board.snapshot.stateWriteFailures == 0)
    }
}

/// State writes that fail while the daemon runs are never silent: logged, counted in the
/// metrics, shown in systemd's status and the last errors, the feed failing (and not polled
/// again at once); the next writes that succeed clear it, and nothing is lost.
@Suite struct StateWriteFailureTests {
    @Test func aStateThatCannotBeWrittenIsSeenEverywhereAndRecoveredFrom() async throws {
        let server = try TestHTTPServer { req in
            .respond(.init(text: LongRunTests.document("west", day: 3)))
        }
        defer { server.stop() }
        let dir = try Binaries.tempDirectory("state-failure")
        let url = server.baseURL + "/west.xml"
        let config = InProcessPoller.config(dir, feeds: [url])
        let daemon = try InProcessPoller(config, label: "state-failure")
        let (clock, board, inbox, poller) = (daemon.clock, daemon.board, daemon.inbox, daemon.poller)
        // Another connection holds the write lock: every write of the daemon's times out.
        let blocker = try SQLiteDatabase(path: config.stateDir + "/state.sqlite")
        try blocker.execute("BEGIN EXCLUSIVE")
        let loop = Task { try await poller.run() }
        #expect(await daemon.until { $0.polls >= 1 })
        var s = board.snapshot
        #expect(s.stateWriteFailures >= 1)
        #expect(s.stateWritesFailing)
        #expect(StatusBoard.statusLine(s, now: clock.now).contains("state writes failing"))
        #expect(Metrics.prometheus(s, now: clock.now).contains("feedspool_state_write_failures_total \(s.stateWriteFailures)\n"))
        #expect(s.lastErrors.contains { $0.stage == "state" && $0.feed == url && $0.message.contains("state.sqlite") })
        let record = try #require(s.feeds[url])
        #expect(record.failureStreak >= 1)
        #expect(record.lastErrorStage == "state")
        #expect((record.nextDue ?? 0) > clock.now, "due again at once: it would be polled in a loop")
        #expect(s.deliveredTotal == 0)

        // The lock goes; the next poll records everything and delivers what waited.
        try blocker.execute("ROLLBACK")
        clock.advance(2 * 3600)
        #expect(await daemon.until { $0.polls >= 2 })
        s = board.snapshot
        #expect(!s.stateWritesFailing)
        #expect(!StatusBoard.statusLine(s, now: clock.now).contains("state writes failing"))
        #expect(s.deliveredTotal == 8)
        #expect(s.feeds[url]?.failureStreak == 0)
        inbox.stop()
        try await loop.value
    }
}

@Suite struct HistogramTests {
    @Test func bucketsAreCumulativeWithSumAndCount() {
        var h = Histogram(bounds: [1, 5])
        for v in [0.5, 1, 3, 10] { h.observe(v) }
        #expect(h.lines("x", labels: "a=\"b\"") == """
            x_bucket{a="b",le="1"} 2
            x_bucket{a="b",le="5"} 3
            x_bucket{a="b",le="+Inf"} 4
            x_sum{a="b"} 14.5
            x_count{a="b"} 4

            """)
        #expect(Histogram(bounds: [1]).lines("y").hasPrefix("y_bucket{le=\"1\"} 0\ny_bucket{le=\"+Inf\"} 0\n"))
    }

    /// Per-host figures list the hosts busy now (a label per host ever seen would grow
    /// without bound), with label values escaped.
    @Test func metricsShowTheHostsBusyNow() {
        let board = StatusBoard(started: 0, configPath: "/etc/feedspool.toml", spoolDir: "/tmp")
        let hosts = HostLoad.Snapshot(inFlight: ["a.example": 2], queued: ["a.example": 5, "b\"c.example": 1], hostWaits: 7)
        let text = Metrics.prometheus(board.snapshot, hosts: hosts, now: 10)
        #expect(text.contains("feedspool_host_requests_in_flight{host=\"a.example\"} 2\n"))
        #expect(text.contains("feedspool_host_requests_queued{host=\"a.example\"} 5\nfeedspool_host_requests_queued{host=\"b\\\"c.example\"} 1\n"))
        #expect(text.contains("feedspool_host_limit_waits_total 7\n"))
        #expect(!Metrics.prometheus(board.snapshot, now: 10).contains("feedspool_host_requests_in_flight{"))
    }
}

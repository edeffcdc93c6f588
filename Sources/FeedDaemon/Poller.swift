import CSystemShims
import FeedConfig
import FeedCore
import FeedFetch
import FeedIngest
import FeedStore
import FeedStorePostgres
import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// The poll loop: feeds fall due by their schedule, are fetched through the engine (its
/// limits apply across all of them), parsed off this task, and ingested here one at a time;
/// the schedule, the status board, the log and the event stream follow each poll.
/// Its mutable state is confined to `run()`'s task.
public final class Poller: Service, @unchecked Sendable {
    let configPath: String
    let inbox: PollerInbox
    let board: StatusBoard
    let logger: Logger
    let publish: @Sendable (String) -> Void
    /// Whether anyone listens for article events: when nobody does, none is built (each
    /// reads its article back from the spool).
    let wantsEvents: @Sendable () -> Bool
    let clock: @Sendable () -> Int64
    /// How long the loop sleeps when nothing is due (tests that drive the clock shorten it).
    private let idle: Duration
    /// Called with the new configuration after a reload is applied (and answered): the
    /// parts the poller does not own (the control socket) follow it there.
    let afterReload: @Sendable (Config) -> Void

    var config: Config
    var site: IngestSite
    var engine: FetchEngine {
        didSet { current.set(engine) }
    }
    /// The engine in use, for the shutdown deadline (read from another task).
    private let current = EngineSlot()
    var feeds: [String: (config: FeedConfig, record: FeedRecord)] = [:]
    /// Feed keys by their state id (items waiting for their page name their feed so).
    var feedKeys: [Int64: String] = [:]
    /// Items waiting for their page, and the politeness of their requests.
    let pages: PageScheduler
    /// When the state is pruned next (the site pruned it when it opened).
    private var nextPrune: Int64
    /// This node's part in a cluster (`state_url`): feeds are then polled when this node
    /// claims them, not by its own schedule.
    var cluster: ClusterNode?

    /// How often the running daemon prunes the state, in seconds of its clock: often enough
    /// that the state never holds much more than its windows, rarely enough to cost nothing.
    public static let pruneEvery: Int64 = 3600

    public init(configPath: String, config: Config, site: IngestSite, inbox: PollerInbox, board: StatusBoard, logger: Logger, clock: @escaping @Sendable () -> Int64, idle: Duration = .milliseconds(200), afterReload: @escaping @Sendable (Config) -> Void = { _ in }, wantsEvents: @escaping @Sendable () -> Bool = { true }, publish: @escaping @Sendable (String) -> Void) throws {
        self.configPath = configPath
        self.config = config
        self.site = site
        self.inbox = inbox
        self.board = board
        self.logger = logger
        self.clock = clock
        self.publish = publish
        self.wantsEvents = wantsEvents
        self.idle = idle
        self.afterReload = afterReload
        nextPrune = clock() + Self.pruneEvery
        let created = try FetchEngine(configuration: site.fetchConfiguration(), hostLoad: board.hosts)
        engine = created
        current.set(created)
        pages = PageScheduler(policy: site.pageSchedulerPolicy())
        cluster = Self.clusterNode(config)
        joinCluster()
        try loadFeeds()
        try announce(now: clock())
        try loadWaitingPages()
        board.seedErrors(from: feeds.values.map(\.record))
    }

    /// Parsed feeds allowed to wait for ingest at once.
    static let parsePermits = 4

    /// How long in-flight polls may finish after a shutdown request before being cancelled.
    public static let shutdownGrace: Swift.Duration = .seconds(10)

    /// The configured feeds, with their records (created on first sight).
    func loadFeeds() throws {
        var next: [String: (config: FeedConfig, record: FeedRecord)] = [:]
        let store = site.store
        let now = clock()
        // One transaction for all: 10,000 new feeds are one fsync, not 10,000.
        try store.inTransaction { () throws(StoreError) in
            for feed in config.feeds {
                next[feed.url] = (feed, try store.ensureFeed(key: feed.url, name: feed.name, now: now))
            }
        }
        feeds = next
        feedKeys = Dictionary(next.map { ($0.value.record.id, $0.key) }, uniquingKeysWith: { a, _ in a })
        publishBoard()
    }

    func publishBoard() {
        let records = feeds.mapValues(\.record)
        let order = config.feeds.map(\.url)
        board.update {
            $0.feeds = records
            $0.order = order
            $0.spoolDir = config.spoolDir
            $0.stateDir = config.stateDir
            $0.stateURL = config.stateURL
        }
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await loop()
        } onGracefulShutdown: { [inbox, current] in
            inbox.stop()
            // Polls in flight may finish (their deliveries complete either way) within the grace.
            Task {
                try? await Task.sleep(for: Self.shutdownGrace)
                current.shutdown()
            }
        }
        engine.shutdown()
    }

    /// What the loop waits for: a feed's poll, a page request, or the next look at the clock.
    enum Completion: Sendable {
        case feed(String, FetchedFeed, seconds: Double)
        case page(PageJobResult)
        case tick
    }

    /// The loop's own bookkeeping (confined to `loop()`).
    struct LoopState {
        /// The earliest due time among feeds not in flight: feeds are only scanned once it
        /// has come (the scan of 10,000 feeds five times a second was most of the idle CPU).
        var earliest: Int64 = 0
        /// Due feeds not started yet, in due order.
        var queue: [String] = []
        /// Feeds being fetched.
        var polling = Set<String>()
        /// Page and robots.txt requests being made.
        var pageJobs = 0
        var ticking = false
        /// Polls applied since memory was last handed back.
        var applied = 0
        /// Cluster mode: the leases held (feed key → its id and when it was claimed or last
        /// renewed), when to claim next, the next heartbeat, the back-off after a failure.
        var leased: [String: (id: Int64, renewed: Int64)] = [:]
        var nextClaim: Int64 = 0
        /// The last claim left due feeds for their host's limit: the end of a poll (a host's
        /// lease freed) is a reason to claim again.
        var claimWhenPollEnds = false
        var nextHeartbeat: Int64 = 0
        var clusterBackoff: Int64 = 0
    }

    /// One loop for everything: feeds fall due and are polled (at most `concurrency + 4` at
    /// once), items' pages are requested as their sites allow, and each result is applied
    /// here as it arrives — so no feed waits for a slow page, and no page for a slow feed.
    private func loop() async {
        let permits = Permits(Self.parsePermits)
        var loop = LoopState()
        await withTaskGroup(of: Completion.self) { group in
            while true {
                let now = clock()
                if inbox.isStopping || Task.isCancelled {
                    // In-flight work finishes (its deliveries complete) or is cancelled by
                    // the engine's shutdown after the grace.
                    if loop.polling.isEmpty && loop.pageJobs == 0 { break }
                } else {
                    board.progress(now: now)
                    if now >= nextPrune { prune(now: now) }
                    let commands = inbox.take()
                    for command in commands { handle(command, now: now) }
                    if !commands.isEmpty { loop.earliest = 0 }
                    if cluster != nil {
                        tendCluster(&loop, now: now)
                        claimFeeds(&loop, group: &group, now: now, permits: permits)
                    } else {
                        startFeeds(&loop, group: &group, now: now, permits: permits)
                    }
                    startPages(&loop, group: &group, now: now)
                    if !loop.ticking {
                        loop.ticking = true
                        let idle = self.idle
                        group.addTask {
                            try? await Task.sleep(for: idle)
                            return .tick
                        }
                    }
                }
                guard let completion = await group.next() else { break }
                switch completion {
                case .tick:
                    loop.ticking = false
                case .feed(let key, let fetched, let seconds):
                    loop.polling.remove(key)
                    polled(key, fetched, seconds: seconds, loop: &loop)
                    if case .fetched = fetched.result.outcome { await permits.release() }
                case .page(let result):
                    loop.pageJobs -= 1
                    pageDone(result)
                }
            }
            group.cancelAll()
        }
    }

    /// Starts the feeds that are due, as far as the window allows.
    private func startFeeds(_ loop: inout LoopState, group: inout TaskGroup<Completion>, now: Int64, permits: Permits) {
        if loop.queue.isEmpty && now >= loop.earliest {
            var due: [(key: String, at: Int64)] = []
            var next = Int64.max
            for (key, entry) in feeds where !entry.record.retired && !loop.polling.contains(key) {
                let at = entry.record.nextDue ?? 0
                if at <= now { due.append((key, at)) } else { next = min(next, at) }
            }
            loop.queue = due.sorted { $0.at < $1.at }.map(\.key)
            loop.earliest = due.isEmpty ? next : 0
        }
        while !loop.queue.isEmpty && loop.polling.count < window {
            let key = loop.queue.removeFirst()
            guard let record = feeds[key]?.record, !record.retired else { continue }
            startPoll(key, record, &loop, group: &group, permits: permits)
        }
    }

    /// Feeds polled at once at most (parsing and ingest follow behind by `parsePermits`).
    var window: Int { config.concurrency + 4 }

    /// Starts one feed's poll.
    func startPoll(_ key: String, _ record: FeedRecord, _ loop: inout LoopState, group: inout TaskGroup<Completion>, permits: Permits) {
        guard loop.polling.insert(key).inserted else { return }
        let engine = self.engine
        group.addTask {
            let started = Self.monotonicSeconds()
            let fetched = await FetchedFeed.fetch(record, engine: engine) { await permits.acquire() }
            return .feed(key, fetched, seconds: Self.monotonicSeconds() - started)
        }
        board.update { $0.inFlight += 1 }
    }

    /// A feed's poll came back: counted, applied, and its next due time considered.
    private func polled(_ key: String, _ fetched: FetchedFeed, seconds: Double, loop: inout LoopState) {
        board.update {
            $0.inFlight -= 1
            let outcome: String
            switch fetched.result.outcome {
            case .fetched: outcome = "ok"
            case .notModified: outcome = "not-modified"
            case .gone: outcome = "gone"
            case .failed: outcome = "failed"
            }
            $0.fetchDurations[outcome, default: Histogram.fetchDuration()].observe(seconds)
            $0.httpStatuses[fetched.result.http?.status ?? 0, default: 0] += 1
        }
        apply(key, fetched, &loop)
        releaseLease(key, &loop)
        if loop.claimWhenPollEnds && loop.clusterBackoff == 0 { loop.nextClaim = 0 }
        if let due = feeds[key]?.record.nextDue { loop.earliest = min(loop.earliest, due) }
        loop.applied += 1
        // A long run of polls (a first poll of thousands of feeds) hands freed memory back
        // as it goes; and when the last of a burst is applied. A parse leaves freed memory
        // in malloc's per-thread arenas otherwise.
        if loop.applied % Self.trimEvery == 0 || (loop.polling.isEmpty && loop.queue.isEmpty) {
            fs_release_free_memory()
            if loop.polling.isEmpty { loop.applied = 0 }
        }
        board.progress(now: clock())
    }

    /// Prunes the state (see `IngestSite.prune`); a failure is logged and counted, and the
    /// next attempt comes at the next period.
    private func prune(now: Int64) {
        nextPrune = now + Self.pruneEvery
        do {
            let pruned = try site.prune(now: now)
            board.update { $0.lastPrune = now }
            if pruned.total > 0 {
                logger.info("state pruned: \(pruned.items) identities, \(pruned.fingerprints) fingerprints, \(pruned.deliveries) deliveries' provenance forgotten")
            }
        } catch {
            stateWriteFailed("cannot prune the state in \(config.stateDir)", error, now: now)
        }
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Polls applied between two returns of freed memory to the system.
    static let trimEvery = 100
}

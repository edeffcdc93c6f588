import FeedCore
import FeedFetch
import FeedIngest
import FeedStore
import FeedStorePostgres

#if canImport(Glibc)
    import Glibc
#endif

/// What the daemon is doing, kept current by the poller and read by the control socket,
/// the systemd status line and the metrics. Thread-safe.
public final class StatusBoard: Sendable {
    public struct RecentError: Sendable {
        public var time: Int64
        public var feed: String
        public var stage: String
        public var message: String
    }

    public struct Snapshot: Sendable {
        public var started: Int64
        public var configPath: String
        public var spoolDir: String
        /// The state directory in use (it follows reloads: `show` reads it).
        public var stateDir = ""
        /// The cluster's state, when it is shared (`state_url`).
        public var stateURL: String?
        public var feeds: [String: FeedRecord] = [:]
        /// Config order of the feeds currently configured.
        public var order: [String] = []
        public var inFlight = 0
        public var deliveredTotal: Int64 = 0
        /// Delivery times of the last 24 hours (for "last hour" and "today").
        public var recentDeliveries: [Int64] = []
        public var duplicatesTotal: Int64 = 0
        public var lastDelivery: Int64?
        public var lastErrors: [RecentError] = []
        public var polls: Int64 = 0
        public var lastReload: (time: Int64, ok: Bool, message: String)?
        public var lastProgress: Int64 = 0
        /// State writes that failed since start (the poll's record, its schedule, pruning).
        public var stateWriteFailures: Int64 = 0
        /// True from a failed state write until a later one succeeds: systemd's status says so.
        public var stateWritesFailing = false
        /// When the running daemon last pruned the state.
        public var lastPrune: Int64?
        /// Fetch durations by outcome (`ok`, `not-modified`, `failed`, `gone`).
        public var fetchDurations: [String: Histogram] = [:]
        /// Final HTTP statuses of feed fetches, by code (0: no HTTP answer).
        public var httpStatuses: [Int: Int64] = [:]
        /// Publication to delivery, of delivered articles that say when they were published.
        public var freshness = Histogram.freshness()
        /// Full text: items waiting for their page, requests, outcomes.
        public var pages = PageFigures()
        /// Nil on a single machine.
        public var cluster: ClusterFigures?
        /// Bumped by every change, so derived figures can be cached per version.
        public var version: UInt64 = 0
    }

    /// Full text's figures since start (`waiting` and `inFlight` are current).
    /// This node's view of its cluster (`state_url`), refreshed with each heartbeat.
    public struct ClusterFigures: Sendable {
        public var node: String
        /// Why the shared state cannot be reached, while it cannot.
        public var unreachable: String?
        public var nodes: [ClusterNode.NodeView] = []
        public var totals: ClusterNode.Totals?
        /// The database's time when the view was read.
        public var checked: Int64?

        public init(node: String) {
            self.node = node
        }
    }

    public struct PageFigures: Sendable {
        public var waiting = 0
        public var inFlight = 0
        public var counters = PageScheduler.Counters()
        /// Articles delivered with their page's text, by the evidence that decided it.
        public var text: [String: Int64] = [:]
        /// Articles delivered with the feed's text after waiting for their page, by reason.
        public var fallbacks: [String: Int64] = [:]
    }

    private struct Cached {
        var version = UInt64.max
        var minute: Int64 = -1
        var totals = Totals()
    }
    private let cache = Locked(Cached())

    private let state: Locked<Snapshot>

    /// The fetch engines' requests per host (every engine the poller makes counts here).
    public let hosts = HostLoad()

    public init(started: Int64, configPath: String, spoolDir: String) {
        state = Locked(Snapshot(started: started, configPath: configPath, spoolDir: spoolDir))
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    public func update(_ body: (inout Snapshot) -> Void) {
        state.withLock {
            body(&$0)
            $0.version &+= 1
        }
    }

    /// `totals`, computed once per change of the board (and per minute, for "last hour").
    public func totals(of snapshot: Snapshot, now: Int64) -> Totals {
        if let sums = cache.withLock({ cached -> Totals? in cached.version == snapshot.version && cached.minute == now / 60 ? cached.totals : nil }) { return sums }
        let sums = Self.totals(snapshot, now: now)
        cache.withLock { $0 = Cached(version: snapshot.version, minute: now / 60, totals: sums) }
        return sums
    }

    public func recordDeliveries(_ times: [Int64], now: Int64) {
        state.withLock { board in
            board.version &+= 1
            board.deliveredTotal += Int64(times.count)
            board.recentDeliveries.append(contentsOf: times)
            if let last = times.max() { board.lastDelivery = last }
            if let firstKept = board.recentDeliveries.firstIndex(where: { $0 >= now - 86400 }), firstKept > 0 {
                board.recentDeliveries.removeFirst(firstKept)
            }
        }
    }

    public func recordError(_ error: RecentError) {
        state.withLock { board in
            board.version &+= 1
            board.lastErrors.append(error)
            if board.lastErrors.count > 20 { board.lastErrors.removeFirst(board.lastErrors.count - 20) }
        }
    }

    /// Fills "last errors" from the state's records of failing feeds, so a restart does not
    /// make recent failures vanish from `status` (only while none were seen since the start).
    public func seedErrors(from records: some Sequence<FeedRecord>) {
        let failing = records.compactMap { record -> RecentError? in
            guard record.failureStreak > 0, let message = record.lastError, let time = record.lastFetch else { return nil }
            return RecentError(time: time, feed: record.key, stage: record.lastErrorStage ?? "fetch", message: message)
        }
        guard !failing.isEmpty else { return }
        state.withLock { board in
            guard board.lastErrors.isEmpty else { return }
            board.version &+= 1
            board.lastErrors = Array(failing.sorted { ($0.time, $0.feed) < ($1.time, $1.feed) }.suffix(20))
        }
    }

    /// Seconds since the poll loop last made progress.
    public func secondsSinceProgress(now: Int64) -> Int64 {
        now - state.withLock { $0.lastProgress }
    }

    public func progress(now: Int64) {
        state.withLock { $0.lastProgress = now }
    }

    // MARK: Derived figures

    public struct Totals: Sendable {
        public var feeds = 0
        public var healthy = 0
        public var failing = 0
        public var retired = 0
        public var deliveredLastHour = 0
        public var deliveredToday = 0
        public var nextPoll: Int64?
    }

    public static func totals(_ snapshot: Snapshot, now: Int64) -> Totals {
        var sums = Totals()
        for key in snapshot.order {
            guard let feed = snapshot.feeds[key] else { continue }
            sums.feeds += 1
            if feed.retired { sums.retired += 1 } else if feed.failureStreak > 0 { sums.failing += 1 } else { sums.healthy += 1 }
            if !feed.retired, let due = feed.nextDue { sums.nextPoll = min(sums.nextPoll ?? due, due) }
        }
        let midnight = now - (now % 86400 + 86400) % 86400
        // Delivery times are appended in time order: count from the first recent enough.
        func since(_ time: Int64) -> Int {
            var lo = 0, hi = snapshot.recentDeliveries.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if snapshot.recentDeliveries[mid] < time { lo = mid + 1 } else { hi = mid }
            }
            return snapshot.recentDeliveries.count - lo
        }
        sums.deliveredLastHour = since(now - 3600)
        sums.deliveredToday = since(midnight)
        return sums
    }

    /// The systemd STATUS= line, e.g. `212 feeds, 3 failing, 1,204 articles today, next poll 12:40`.
    public static func statusLine(_ snapshot: Snapshot, now: Int64, totals cached: Totals? = nil) -> String {
        let sums = cached ?? totals(snapshot, now: now)
        var parts = ["\(sums.feeds) feed\(sums.feeds == 1 ? "" : "s")"]
        if sums.failing > 0 { parts.append("\(sums.failing) failing") }
        if sums.retired > 0 { parts.append("\(sums.retired) retired") }
        if snapshot.cluster?.unreachable != nil { parts.append("state unreachable") }
        if snapshot.stateWritesFailing { parts.append("state writes failing") }
        parts.append("\(grouped(sums.deliveredToday)) article\(sums.deliveredToday == 1 ? "" : "s") today")
        if snapshot.inFlight > 0 { parts.append("\(snapshot.inFlight) polling") }
        if snapshot.pages.waiting > 0 { parts.append("\(snapshot.pages.waiting) awaiting their page") }
        if let next = sums.nextPoll {
            let hm = next <= now ? "now" : clock(next)
            parts.append("next poll \(hm)")
        }
        return parts.joined(separator: ", ")
    }

    static func grouped(_ number: Int) -> String {
        let digits = String(number)
        guard digits.count > 3 else { return digits }
        var out = ""
        for (index, ch) in digits.reversed().enumerated() {
            if index > 0 && index % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return String(out.reversed())
    }

    /// HH:MM UTC.
    static func clock(_ time: Int64) -> String {
        let secs = (time % 86400 + 86400) % 86400
        let hours = secs / 3600, minutes = secs % 3600 / 60
        return (hours < 10 ? "0" : "") + "\(hours):" + (minutes < 10 ? "0" : "") + "\(minutes) UTC"
    }
}

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
    public func totals(of s: Snapshot, now: Int64) -> Totals {
        if let t = cache.withLock({ c -> Totals? in c.version == s.version && c.minute == now / 60 ? c.totals : nil }) { return t }
        let t = Self.totals(s, now: now)
        cache.withLock { $0 = Cached(version: s.version, minute: now / 60, totals: t) }
        return t
    }

    public func recordDeliveries(_ times: [Int64], now: Int64) {
        state.withLock { s in
            s.version &+= 1
            s.deliveredTotal += Int64(times.count)
            s.recentDeliveries.append(contentsOf: times)
            if let last = times.max() { s.lastDelivery = last }
            if let firstKept = s.recentDeliveries.firstIndex(where: { $0 >= now - 86400 }), firstKept > 0 {
                s.recentDeliveries.removeFirst(firstKept)
            }
        }
    }

    public func recordError(_ e: RecentError) {
        state.withLock { s in
            s.version &+= 1
            s.lastErrors.append(e)
            if s.lastErrors.count > 20 { s.lastErrors.removeFirst(s.lastErrors.count - 20) }
        }
    }

    /// Fills "last errors" from the state's records of failing feeds, so a restart does not
    /// make recent failures vanish from `status` (only while none were seen since the start).
    public func seedErrors(from records: some Sequence<FeedRecord>) {
        let failing = records.compactMap { r -> RecentError? in
            guard r.failureStreak > 0, let message = r.lastError, let time = r.lastFetch else { return nil }
            return RecentError(time: time, feed: r.key, stage: r.lastErrorStage ?? "fetch", message: message)
        }
        guard !failing.isEmpty else { return }
        state.withLock { s in
            guard s.lastErrors.isEmpty else { return }
            s.version &+= 1
            s.lastErrors = Array(failing.sorted { ($0.time, $0.feed) < ($1.time, $1.feed) }.suffix(20))
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

    public static func totals(_ s: Snapshot, now: Int64) -> Totals {
        var t = Totals()
        for key in s.order {
            guard let f = s.feeds[key] else { continue }
            t.feeds += 1
            if f.retired { t.retired += 1 } else if f.failureStreak > 0 { t.failing += 1 } else { t.healthy += 1 }
            if !f.retired, let d = f.nextDue { t.nextPoll = min(t.nextPoll ?? d, d) }
        }
        let midnight = now - (now % 86400 + 86400) % 86400
        // Delivery times are appended in time order: count from the first recent enough.
        func since(_ t: Int64) -> Int {
            var lo = 0, hi = s.recentDeliveries.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if s.recentDeliveries[mid] < t { lo = mid + 1 } else { hi = mid }
            }
            return s.recentDeliveries.count - lo
        }
        t.deliveredLastHour = since(now - 3600)
        t.deliveredToday = since(midnight)
        return t
    }

    /// The systemd STATUS= line, e.g. `212 feeds, 3 failing, 1,204 articles today, next poll 12:40`.
    public static func statusLine(_ s: Snapshot, now: Int64, totals cached: Totals? = nil) -> String {
        let t = cached ?? totals(s, now: now)
        var parts = ["\(t.feeds) feed\(t.feeds == 1 ? "" : "s")"]
        if t.failing > 0 { parts.append("\(t.failing) failing") }
        if t.retired > 0 { parts.append("\(t.retired) retired") }
        if s.cluster?.unreachable != nil { parts.append("state unreachable") }
        if s.stateWritesFailing { parts.append("state writes failing") }
        parts.append("\(grouped(t.deliveredToday)) article\(t.deliveredToday == 1 ? "" : "s") today")
        if s.inFlight > 0 { parts.append("\(s.inFlight) polling") }
        if s.pages.waiting > 0 { parts.append("\(s.pages.waiting) awaiting their page") }
        if let n = t.nextPoll {
            let hm = n <= now ? "now" : clock(n)
            parts.append("next poll \(hm)")
        }
        return parts.joined(separator: ", ")
    }

    static func grouped(_ n: Int) -> String {
        let s = String(n)
        guard s.count > 3 else { return s }
        var out = ""
        for (i, ch) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return String(out.reversed())
    }

    /// HH:MM UTC.
    static func clock(_ t: Int64) -> String {
        let secs = (t % 86400 + 86400) % 86400
        let h = secs / 3600, m = secs % 3600 / 60
        return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m) UTC"
    }
}

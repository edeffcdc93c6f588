import FeedCore
import FeedExtract
import FeedStore

/// Where a waiting item's page stands, and which of them may be asked for now — politely:
/// per site (scheme, host and port), `robots.txt` first (read once a day and obeyed unless
/// the feed says otherwise, its `Crawl-delay` kept between two requests), at most
/// `perHost` requests in flight, a token bucket of `budget` requests a minute (`burst` at
/// once), and nothing while the site's `Retry-After` runs. A feed's pages are therefore
/// spread out by its site's bucket, never fired at once.
///
/// Pure bookkeeping over the owner's clock (seconds): the owner runs the requests it hands
/// out (`PageFetch`), reports how they ended, and delivers what is resolved.
public final class PageScheduler {
    public struct Policy: Sendable {
        public var perHost: Int
        public var budget: Int
        public var burst: Int
        /// Page requests in flight at once, all sites together (the feeds keep the rest of
        /// the engine's transfers).
        public var maxInFlight: Int
        /// The product token `robots.txt` groups are matched against.
        public var agent: String
        /// How long a site's `robots.txt` is kept.
        public var robotsLifetime: Int64 = 86400
        /// How long a site whose `robots.txt` could not be read is left alone.
        public var robotsRetry: Int64 = 600

        public init(perHost: Int, budget: Int, burst: Int, maxInFlight: Int, agent: String) {
            self.perHost = perHost
            self.budget = budget
            self.burst = burst
            self.maxInFlight = maxInFlight
            self.agent = agent
        }
    }

    /// A request to make.
    public enum Job: Sendable {
        case robots(origin: String)
        case page(PageTicket)
    }

    /// What the owner does with an item whose wait is over.
    public struct Resolution: Sendable {
        public var ticket: PageTicket
        public var verdict: PageVerdict
        /// Whether its page was fetched (for the feed's success rate).
        public var fetched: Bool

        public init(ticket: PageTicket, verdict: PageVerdict, fetched: Bool) {
            self.ticket = ticket
            self.verdict = verdict
            self.fetched = fetched
        }
    }

    /// What a feed's settings say about its items' pages (nil from the lookup: the feed
    /// is no longer configured).
    public struct FeedPolicy: Sendable {
        public var ignoreRobots: Bool
        public init(ignoreRobots: Bool) { self.ignoreRobots = ignoreRobots }
    }

    /// Counters for `status` and `metrics`.
    public struct Counters: Sendable, Equatable {
        public var robotsFetches: Int64 = 0
        public var pageFetches: Int64 = 0
        /// Times an item was ready but its site's budget, crawl delay or Retry-After made it wait.
        public var budgetWaits: Int64 = 0
        public var retries: Int64 = 0

        public init() {}
    }

    struct Key: Hashable {
        var feedID: Int64
        var identity: Int64
    }

    struct Site {
        var robots = Robots.unknown
        var bucket: TokenBucket
        var blockedUntil: Int64 = 0
        var lastStart: Int64?
        var inFlight = 0
    }

    public var policy: Policy
    /// The cluster's budget for each site, when there is a cluster (its buckets replace this
    /// scheduler's own).
    public var shared: SharedSiteBudget?
    private var waiting: [Key: PageTicket] = [:]
    /// Arrival order, for fairness; keys of resolved items are dropped lazily.
    private var order: [Key] = []
    private var running: [Key: PageTicket] = [:]
    var sites: [String: Site] = [:]
    private var budgetBlocked: Set<Key> = []
    /// Nothing can start before this time unless something changes (`wake` is reset then).
    var wakeAt: Int64 = 0
    public internal(set) var counters = Counters()

    public init(policy: Policy) {
        self.policy = policy
    }

    /// When something may start next without a completion (nil: nothing waits).
    public var nextWake: Int64? { waiting.isEmpty ? nil : wakeAt }

    /// Items waiting (in flight included).
    public var count: Int { waiting.count + running.count }
    public var inFlight: Int { running.count + sites.values.reduce(0) { $0 + ($1.robots.isFetching ? 1 : 0) } }

    /// Takes an item to wait for its page.
    public func add(_ ticket: PageTicket) {
        let key = Key(feedID: ticket.feedID, identity: ticket.identity)
        guard waiting[key] == nil, running[key] == nil else { return }
        waiting[key] = ticket
        order.append(key)
        wakeAt = 0
    }

    func siteState(_ origin: String, now: Int64) -> Site {
        sites[origin] ?? Site(bucket: TokenBucket(perMinute: policy.budget, burst: policy.burst, now: now))
    }

    /// What one scan of the waiting items gathers.
    struct Scan {
        var jobs: [Job] = []
        var resolved: [Resolution] = []
        /// When the next scan may find something to do without a completion.
        var wake = Int64.max
        var inFlight: Int

        mutating func wait(until time: Int64) { wake = min(wake, time) }
    }

    /// The requests that may start now, and the items resolved without one (their wait
    /// ended, `robots.txt` disallows them, their site does not resolve, their feed left).
    /// `feedPolicy` looks a feed up by its id.
    public func next(now: Int64, feedPolicy: (Int64) -> FeedPolicy?) -> (jobs: [Job], resolved: [Resolution]) {
        guard now >= wakeAt, !waiting.isEmpty else { return ([], []) }
        var scan = Scan(inFlight: inFlight)
        var kept: [Key] = []
        kept.reserveCapacity(order.count)
        for key in order {
            guard let ticket = waiting[key] else { continue }
            guard let feed = feedPolicy(ticket.feedID) else {
                resolve(key, ticket, .feedRemoved, "its feed was removed from the configuration while its page was awaited", &scan)
                continue
            }
            if ticket.deadline <= now {
                resolve(key, ticket, .timedOut, "no page within full_text_timeout" + (ticket.lastError.map { " (last: \($0))" } ?? ""), &scan)
                continue
            }
            if consider(key, ticket, feed, now: now, &scan) { kept.append(key) }
        }
        order = kept.filter { waiting[$0] != nil }
        wakeAt = scan.wake
        return (scan.jobs, scan.resolved)
    }

    /// Starts a waiting item's request when its retry time, the limits and its site allow;
    /// false when its site's `robots.txt` resolved it instead.
    private func consider(_ key: Key, _ ticket: PageTicket, _ feed: FeedPolicy, now: Int64, _ scan: inout Scan) -> Bool {
        scan.wait(until: ticket.deadline)
        if ticket.nextAttempt > now {
            scan.wait(until: ticket.nextAttempt)
            return true
        }
        guard scan.inFlight < policy.maxInFlight else { return true }  // a completion wakes the scan
        guard let origin = PageFetch.origin(of: ticket.link) else {
            // A file (the demo's pages): no site to be polite to.
            start(key, ticket, &scan)
            return true
        }
        var site = siteState(origin, now: now)
        defer { sites[origin] = site }
        if !feed.ignoreRobots {
            switch robotsVerdict(&site, origin, ticket, now: now, &scan) {
            case .proceed:
                break
            case .hold:
                return true
            case .refuse(let reason, let why):
                resolve(key, ticket, reason, why, &scan)
                return false
            }
        }
        // The site's own pace: its in-flight limit, Retry-After, Crawl-delay, the bucket.
        if site.inFlight >= policy.perHost { return true }  // a completion wakes the scan
        var readyAt = max(now, site.blockedUntil)
        if case .known(let rules, _) = site.robots, let delay = rules.crawlDelay(agent: policy.agent), let last = site.lastStart {
            readyAt = max(readyAt, last + Int64(min(delay, 300).rounded(.up)))
        }
        if readyAt <= now, takeToken(&site, origin, now: now) {
            site.inFlight += 1
            site.lastStart = now
            start(key, ticket, &scan)
        } else {
            if budgetBlocked.insert(key).inserted { counters.budgetWaits += 1 }
            scan.wait(until: max(readyAt, site.bucket.nextToken(now: now)))
        }
        return true
    }

    /// Ends an item's wait without its page.
    private func resolve(_ key: Key, _ ticket: PageTicket, _ reason: PageFallback, _ why: String, _ scan: inout Scan) {
        waiting[key] = nil
        budgetBlocked.remove(key)
        scan.resolved.append(Resolution(ticket: ticket, verdict: .feed(reason, why), fetched: ticket.attempts > 0))
    }

    /// Spends a token of the site's bucket: the cluster's when there is one (a refusal
    /// blocks the site here until the cluster says a token may be there: no question
    /// to the database per waiting item and scan), this scheduler's own otherwise.
    func takeToken(_ site: inout Site, _ origin: String, now: Int64) -> Bool {
        guard let shared else { return site.bucket.take(now: now) }
        if let wait = shared.take(origin: origin, perMinute: policy.budget, burst: policy.burst) {
            site.blockedUntil = max(site.blockedUntil, now + max(1, wait))
            return false
        }
        return true
    }

    /// Hands an item's page request out.
    private func start(_ key: Key, _ ticket: PageTicket, _ scan: inout Scan) {
        waiting[key] = nil
        running[key] = ticket
        budgetBlocked.remove(key)
        counters.pageFetches += 1
        scan.jobs.append(.page(ticket))
        scan.inFlight += 1
    }

    /// A page request ended: the item is resolved, or waits for another try (returned, to be
    /// recorded in the state), or — shutting down — waits as it was.
    public func pageDone(_ ticket: PageTicket, _ attempt: PageAttempt, now: Int64) -> (resolved: Resolution?, retry: PageTicket?) {
        let key = Key(feedID: ticket.feedID, identity: ticket.identity)
        running[key] = nil
        if let origin = PageFetch.origin(of: ticket.link), var site = sites[origin] {
            site.inFlight = max(0, site.inFlight - 1)
            if case .retry(_, let retryAfter?) = attempt { blockSite(&site, origin, now: now, seconds: retryAfter) }
            sites[origin] = site
        }
        wakeAt = 0
        switch attempt {
        case .done(let verdict):
            return (Resolution(ticket: ticket, verdict: verdict, fetched: true), nil)
        case .retry(let why, let retryAfter):
            var next = ticket
            next.attempts += 1
            next.lastError = why
            next.nextAttempt = min(ticket.deadline, now + max(Self.backoff(attempts: next.attempts), retryAfter ?? 0))
            counters.retries += 1
            waiting[key] = next
            order.append(key)
            return (nil, next)
        case .cancelled:
            waiting[key] = ticket
            order.append(key)
            return (nil, nil)
        }
    }

    /// A site's Retry-After (a day at most), kept here and told to the cluster.
    func blockSite(_ site: inout Site, _ origin: String, now: Int64, seconds: Int64) {
        let seconds = min(max(0, seconds), 86400)
        site.blockedUntil = max(site.blockedUntil, now + seconds)
        shared?.block(origin: origin, seconds: seconds)
    }

    /// Seconds before the `attempts`-th retry: 30 s doubling, at most 15 minutes.
    static func backoff(attempts: Int) -> Int64 {
        min(900, 30 << Int64(min(max(attempts - 1, 0), 10)))
    }

    /// Forgets a request handed out but not made (its item is no longer in the state).
    public func forget(_ ticket: PageTicket) {
        let key = Key(feedID: ticket.feedID, identity: ticket.identity)
        running[key] = nil
        if let origin = PageFetch.origin(of: ticket.link), var site = sites[origin] {
            site.inFlight = max(0, site.inFlight - 1)
            sites[origin] = site
        }
        wakeAt = 0
    }

    /// Forgets every waiting item (a reload opened another state; its items are loaded anew).
    public func removeAll() {
        waiting.removeAll()
        order.removeAll()
        budgetBlocked.removeAll()
        wakeAt = 0
    }
}

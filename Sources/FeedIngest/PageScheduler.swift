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

    enum Robots {
        case unknown
        case fetching
        case known(RobotsTxt, until: Int64)
        case unreachable(String, until: Int64)
        case unresolvable(String, until: Int64)
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
    private var sites: [String: Site] = [:]
    private var budgetBlocked: Set<Key> = []
    /// Nothing can start before this time unless something changes (`wake` is reset then).
    private var wakeAt: Int64 = 0
    public private(set) var counters = Counters()

    public init(policy: Policy) {
        self.policy = policy
    }

    /// When something may start next without a completion (nil: nothing waits).
    public var nextWake: Int64? { waiting.isEmpty ? nil : wakeAt }

    /// Items waiting (in flight included).
    public var count: Int { waiting.count + running.count }
    public var inFlight: Int { running.count + sites.values.reduce(0) { $0 + ($1.robots.isFetching ? 1 : 0) } }

    /// Takes an item to wait for its page.
    public func add(_ t: PageTicket) {
        let key = Key(feedID: t.feedID, identity: t.identity)
        guard waiting[key] == nil, running[key] == nil else { return }
        waiting[key] = t
        order.append(key)
        wakeAt = 0
    }

    private func site(_ origin: String, now: Int64) -> Site {
        sites[origin] ?? Site(bucket: TokenBucket(perMinute: policy.budget, burst: policy.burst, now: now))
    }

    /// The requests that may start now, and the items resolved without one (their wait
    /// ended, `robots.txt` disallows them, their site does not resolve, their feed left).
    /// `feedPolicy` looks a feed up by its id.
    public func next(now: Int64, feedPolicy: (Int64) -> FeedPolicy?) -> (jobs: [Job], resolved: [Resolution]) {
        guard now >= wakeAt, !waiting.isEmpty else { return ([], []) }
        var jobs: [Job] = []
        var resolved: [Resolution] = []
        var wake = Int64.max
        var inFlight = self.inFlight
        var kept: [Key] = []
        kept.reserveCapacity(order.count)
        for key in order {
            guard let t = waiting[key] else { continue }
            func resolve(_ reason: PageFallback, _ why: String) {
                waiting[key] = nil
                budgetBlocked.remove(key)
                resolved.append(Resolution(ticket: t, verdict: .feed(reason, why), fetched: t.attempts > 0))
            }
            guard let feed = feedPolicy(t.feedID) else {
                resolve(.feedRemoved, "its feed was removed from the configuration while its page was awaited")
                continue
            }
            if t.deadline <= now {
                resolve(.timedOut, "no page within full_text_timeout" + (t.lastError.map { " (last: \($0))" } ?? ""))
                continue
            }
            kept.append(key)
            wake = min(wake, t.deadline)
            if t.nextAttempt > now {
                wake = min(wake, t.nextAttempt)
                continue
            }
            guard inFlight < policy.maxInFlight else { continue }  // a completion wakes the scan
            guard let origin = PageFetch.origin(of: t.link) else {
                // A file (the demo's pages): no site to be polite to.
                start(t, key, origin: nil, now: now)
                jobs.append(.page(t))
                inFlight += 1
                continue
            }
            var s = site(origin, now: now)
            defer { sites[origin] = s }
            if !feed.ignoreRobots {
                switch robotsVerdict(&s, origin, t, now: now, wake: &wake, jobs: &jobs, inFlight: &inFlight) {
                case .proceed:
                    break
                case .hold:
                    continue
                case .refuse(let reason, let why):
                    kept.removeLast()
                    resolve(reason, why)
                    continue
                }
            }
            // The site's own pace: Retry-After, its in-flight limit, Crawl-delay, the bucket.
            var readyAt = max(now, s.blockedUntil)
            if case .known(let rules, _) = s.robots, let delay = rules.crawlDelay(agent: policy.agent), let last = s.lastStart {
                readyAt = max(readyAt, last + Int64(min(delay, 300).rounded(.up)))
            }
            if s.inFlight >= policy.perHost { continue }  // a completion wakes the scan
            if readyAt <= now, takeToken(&s, origin, now: now) {
                s.inFlight += 1
                s.lastStart = now
                start(t, key, origin: origin, now: now)
                jobs.append(.page(t))
                inFlight += 1
            } else {
                if budgetBlocked.insert(key).inserted { counters.budgetWaits += 1 }
                wake = min(wake, max(readyAt, s.bucket.nextToken(now: now)))
            }
        }
        order = kept.filter { waiting[$0] != nil }
        wakeAt = wake
        return (jobs, resolved)
    }

    /// What the site's robots.txt says of a page's request now.
    private enum RobotsVerdict {
        case proceed
        /// Not yet: the file is asked for (now or already), or the site did not answer.
        case hold
        case refuse(PageFallback, String)
    }

    /// Reads the site's robots.txt state for `t`, asking for the file when it is not known
    /// (or what was learnt of it expired) and the site's pace allows a request.
    private func robotsVerdict(
        _ s: inout Site, _ origin: String, _ t: PageTicket, now: Int64, wake: inout Int64, jobs: inout [Job], inFlight: inout Int
    ) -> RobotsVerdict {
        switch s.robots {
        case .known(_, let until), .unreachable(_, let until), .unresolvable(_, let until):
            if until <= now { s.robots = .unknown }
        default: break
        }
        switch s.robots {
        case .fetching:
            return .hold
        case .unknown:
            if s.inFlight < policy.perHost, s.blockedUntil <= now, takeToken(&s, origin, now: now) {
                s.robots = .fetching
                s.inFlight += 1
                s.lastStart = now
                counters.robotsFetches += 1
                jobs.append(.robots(origin: origin))
                inFlight += 1
            } else {
                wake = min(wake, max(s.blockedUntil, s.bucket.nextToken(now: now)))
            }
            return .hold
        case .unreachable(_, let until):
            wake = min(wake, until)
            return .hold
        case .unresolvable(let why, _):
            return .refuse(.dns, why)
        case .known(let rules, _):
            let path = PageFetch.site(of: t.link)?.path ?? "/"
            return rules.allows(path, agent: policy.agent) ? .proceed : .refuse(.robots, "robots.txt disallows the page")
        }
    }

    /// Spends a token of the site's bucket: the cluster's when there is one (a refusal
    /// blocks the site here until the cluster says a token may be there: no question
    /// to the database per waiting item and scan), this scheduler's own otherwise.
    private func takeToken(_ s: inout Site, _ origin: String, now: Int64) -> Bool {
        guard let shared else { return s.bucket.take(now: now) }
        if let wait = shared.take(origin: origin, perMinute: policy.budget, burst: policy.burst) {
            s.blockedUntil = max(s.blockedUntil, now + max(1, wait))
            return false
        }
        return true
    }

    private func start(_ t: PageTicket, _ key: Key, origin: String?, now: Int64) {
        waiting[key] = nil
        running[key] = t
        budgetBlocked.remove(key)
        counters.pageFetches += 1
    }

    /// A `robots.txt` request ended.
    public func robotsDone(origin: String, _ answer: RobotsAnswer, now: Int64) {
        var s = site(origin, now: now)
        s.inFlight = max(0, s.inFlight - 1)
        switch answer {
        case .rules(let r): s.robots = .known(r, until: now + policy.robotsLifetime)
        case .unreachable(let why, let retryAfter):
            s.robots = .unreachable(why, until: now + max(policy.robotsRetry, retryAfter ?? 0))
            if let retryAfter { blockSite(&s, origin, now: now, seconds: retryAfter) }
        case .unresolvable(let why): s.robots = .unresolvable(why, until: now + policy.robotsRetry)
        }
        sites[origin] = s
        wakeAt = 0
    }

    /// A page request ended: the item is resolved, or waits for another try (returned, to be
    /// recorded in the state), or — shutting down — waits as it was.
    public func pageDone(_ t: PageTicket, _ attempt: PageAttempt, now: Int64) -> (resolved: Resolution?, retry: PageTicket?) {
        let key = Key(feedID: t.feedID, identity: t.identity)
        running[key] = nil
        if let origin = PageFetch.origin(of: t.link), var s = sites[origin] {
            s.inFlight = max(0, s.inFlight - 1)
            if case .retry(_, let retryAfter?) = attempt { blockSite(&s, origin, now: now, seconds: retryAfter) }
            sites[origin] = s
        }
        wakeAt = 0
        switch attempt {
        case .done(let verdict):
            return (Resolution(ticket: t, verdict: verdict, fetched: true), nil)
        case .retry(let why, let retryAfter):
            var next = t
            next.attempts += 1
            next.lastError = why
            next.nextAttempt = min(t.deadline, now + max(Self.backoff(attempts: next.attempts), retryAfter ?? 0))
            counters.retries += 1
            waiting[key] = next
            order.append(key)
            return (nil, next)
        case .cancelled:
            waiting[key] = t
            order.append(key)
            return (nil, nil)
        }
    }

    /// A site's Retry-After (a day at most), kept here and told to the cluster.
    private func blockSite(_ s: inout Site, _ origin: String, now: Int64, seconds: Int64) {
        let seconds = min(max(0, seconds), 86400)
        s.blockedUntil = max(s.blockedUntil, now + seconds)
        shared?.block(origin: origin, seconds: seconds)
    }

    /// Seconds before the `attempts`-th retry: 30 s doubling, at most 15 minutes.
    static func backoff(attempts: Int) -> Int64 {
        min(900, 30 << Int64(min(max(attempts - 1, 0), 10)))
    }

    /// Forgets a request handed out but not made (its item is no longer in the state).
    public func forget(_ t: PageTicket) {
        let key = Key(feedID: t.feedID, identity: t.identity)
        running[key] = nil
        if let origin = PageFetch.origin(of: t.link), var s = sites[origin] {
            s.inFlight = max(0, s.inFlight - 1)
            sites[origin] = s
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

extension PageScheduler.Robots {
    var isFetching: Bool {
        if case .fetching = self { return true }
        return false
    }
}

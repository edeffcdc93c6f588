import FeedExtract
import FeedIngest
import FeedStore
import Testing

/// The politeness of page requests, on a clock the test moves.
@Suite struct PageSchedulerTests {
    static let t0: Int64 = 1_733_400_000

    static func policy(budget: Int = 6, burst: Int = 2, perHost: Int = 2, maxInFlight: Int = 16) -> PageScheduler.Policy {
        PageScheduler.Policy(perHost: perHost, budget: budget, burst: burst, maxInFlight: maxInFlight, agent: "feedspool/1.0 (+https://example.org)")
    }

    static func ticket(_ n: Int64, _ link: String, feed: Int64 = 1, deadline: Int64 = t0 + 3600) -> PageTicket {
        PageTicket(feedID: feed, identity: n, link: link, deadline: deadline, nextAttempt: t0)
    }

    static let follow: @Sendable (Int64) -> PageScheduler.FeedPolicy? = { _ in .init(ignoreRobots: false) }

    static func pages(_ jobs: [PageScheduler.Job]) -> [PageTicket] {
        jobs.compactMap { if case .page(let t) = $0 { return t } else { return nil } }
    }

    static func origins(_ jobs: [PageScheduler.Job]) -> [String] {
        jobs.compactMap { if case .robots(let o) = $0 { return o } else { return nil } }
    }

    static let pageText = PageAttempt.done(.page(PageText(body: "text", published: nil, evidence: "article")))

    @Test func tokenBucketAllowsItsBurstThenItsRate() {
        var b = TokenBucket(perMinute: 6, burst: 2, now: Self.t0)
        // (Taken outside #expect: the macro cannot call a mutating method.)
        var taken: [Bool] = []
        for at: Int64 in [0, 0, 0] { taken.append(b.take(now: Self.t0 + at)) }
        #expect(taken == [true, true, false])
        let next = b.nextToken(now: Self.t0)
        #expect(next == Self.t0 + 10)
        taken = []
        for at: Int64 in [9, 10] { taken.append(b.take(now: Self.t0 + at)) }
        #expect(taken == [false, true])
        // A long quiet spell fills it to its size, no further.
        taken = []
        for _ in 0..<3 { taken.append(b.take(now: Self.t0 + 1000)) }
        #expect(taken == [true, true, false])
    }

    @Test func robotsTxtComesFirstAndIsObeyed() {
        let s = PageScheduler(policy: Self.policy(budget: 600, burst: 10))
        s.add(Self.ticket(1, "https://news.example/story/1"))
        s.add(Self.ticket(2, "https://news.example/private/2"))
        var next = s.next(now: Self.t0, feedPolicy: Self.follow)
        #expect(Self.origins(next.jobs) == ["https://news.example"])
        #expect(Self.pages(next.jobs).isEmpty && next.resolved.isEmpty)
        // Nothing more for the site while its robots.txt is being read.
        #expect(s.next(now: Self.t0, feedPolicy: Self.follow).jobs.isEmpty)
        s.robotsDone(origin: "https://news.example", .rules(RobotsTxt(text: "User-agent: *\nDisallow: /private/\n")), now: Self.t0 + 1)
        next = s.next(now: Self.t0 + 1, feedPolicy: Self.follow)
        #expect(Self.pages(next.jobs).map(\.identity) == [1])
        #expect(next.resolved.count == 1)
        #expect(next.resolved.first?.ticket.identity == 2)
        #expect(next.resolved.first?.verdict == .feed(.robots, "robots.txt disallows the page"))
        #expect(next.resolved.first?.fetched == false)
        #expect(s.counters.robotsFetches == 1)
    }

    @Test func aFeedThatIgnoresRobotsSkipsIt() {
        let s = PageScheduler(policy: Self.policy())
        s.add(Self.ticket(1, "https://news.example/a"))
        let next = s.next(now: Self.t0) { _ in .init(ignoreRobots: true) }
        #expect(Self.origins(next.jobs).isEmpty)
        #expect(Self.pages(next.jobs).count == 1)
    }

    @Test func aSitesPagesAreSpreadByItsBudget() {
        let s = PageScheduler(policy: Self.policy(budget: 6, burst: 2, perHost: 8))
        for n in 1...6 { s.add(Self.ticket(Int64(n), "https://news.example/\(n)")) }
        _ = s.next(now: Self.t0, feedPolicy: Self.follow)  // robots.txt: one token
        s.robotsDone(origin: "https://news.example", .rules(.allowAll), now: Self.t0)
        var started: [(Int64, Int64)] = []
        var now = Self.t0
        while now < Self.t0 + 120 {
            for t in Self.pages(s.next(now: now, feedPolicy: Self.follow).jobs) {
                started.append((now, t.identity))
                _ = s.pageDone(t, Self.pageText, now: now)
            }
            now += 1
        }
        #expect(started.map(\.1) == [1, 2, 3, 4, 5, 6], "first come, first served")
        // One token left after robots.txt, then one every 10 s.
        #expect(started.map { $0.0 - Self.t0 } == [0, 10, 20, 30, 40, 50])
        #expect(s.counters.budgetWaits == 5)
    }

    @Test func crawlDelayIsKeptBetweenTwoRequests() {
        let s = PageScheduler(policy: Self.policy(budget: 600, burst: 60))
        for n in 1...3 { s.add(Self.ticket(Int64(n), "https://slow.example/\(n)")) }
        _ = s.next(now: Self.t0, feedPolicy: Self.follow)
        s.robotsDone(origin: "https://slow.example", .rules(RobotsTxt(text: "User-agent: *\nCrawl-delay: 15\n")), now: Self.t0)
        var starts: [Int64] = []
        for now in Self.t0...(Self.t0 + 40) {
            for t in Self.pages(s.next(now: now, feedPolicy: Self.follow).jobs) {
                starts.append(now - Self.t0)
                _ = s.pageDone(t, Self.pageText, now: now)
            }
        }
        // The robots.txt request started the delay.
        #expect(starts == [15, 30])
    }

    @Test func retryAfterHoldsTheWholeSiteAndTheItemTriesAgain() {
        let s = PageScheduler(policy: Self.policy(budget: 600, burst: 60))
        s.add(Self.ticket(1, "https://busy.example/1"))
        s.add(Self.ticket(2, "https://busy.example/2"))
        _ = s.next(now: Self.t0, feedPolicy: Self.follow)
        s.robotsDone(origin: "https://busy.example", .rules(.allowAll), now: Self.t0)
        let first = Self.pages(s.next(now: Self.t0, feedPolicy: Self.follow).jobs)
        #expect(first.map(\.identity) == [1, 2])
        let (resolved, retry) = s.pageDone(first[0], .retry("the page answered 429", retryAfter: 120), now: Self.t0 + 1)
        #expect(resolved == nil)
        #expect(retry?.attempts == 1)
        #expect(retry?.nextAttempt == Self.t0 + 121)
        #expect(retry?.lastError == "the page answered 429")
        let (_, retry2) = s.pageDone(first[1], .retry("timeout", retryAfter: nil), now: Self.t0 + 2)
        #expect(retry2?.nextAttempt == Self.t0 + 32)
        // Item 2 is due again at +32, but the site asked for quiet until +121.
        for now in (Self.t0 + 2)...(Self.t0 + 120) { #expect(s.next(now: now, feedPolicy: Self.follow).jobs.isEmpty, "\(now - Self.t0)") }
        #expect(Self.pages(s.next(now: Self.t0 + 121, feedPolicy: Self.follow).jobs).count == 2)
    }

    @Test func theWaitEndsAtTheDeadlineWithTheLastError() {
        let s = PageScheduler(policy: Self.policy(budget: 600, burst: 60))
        s.add(Self.ticket(1, "https://down.example/1", deadline: Self.t0 + 100))
        _ = s.next(now: Self.t0, feedPolicy: Self.follow)
        s.robotsDone(origin: "https://down.example", .rules(.allowAll), now: Self.t0)
        var now = Self.t0
        var attempts = 0
        var resolution: PageScheduler.Resolution?
        while resolution == nil, now <= Self.t0 + 200 {
            let next = s.next(now: now, feedPolicy: Self.follow)
            resolution = next.resolved.first
            for t in Self.pages(next.jobs) {
                attempts += 1
                #expect(s.pageDone(t, .retry("timeout: no answer", retryAfter: nil), now: now).retry != nil)
            }
            now += 1
        }
        #expect(attempts == 3, "at 0, 30 and 90 s: the back-off doubles")
        #expect(now - 1 == Self.t0 + 100)
        #expect(resolution?.verdict == .feed(.timedOut, "no page within full_text_timeout (last: timeout: no answer)"))
    }

    @Test func sitesThatDoNotResolveAndFeedsThatLeftEndTheWaitAtOnce() {
        let s = PageScheduler(policy: Self.policy())
        s.add(Self.ticket(1, "https://gone.invalid/1"))
        s.add(Self.ticket(2, "https://fine.example/2", feed: 2))
        let first = s.next(now: Self.t0) { $0 == 1 ? .init(ignoreRobots: false) : nil }
        #expect(first.resolved.map(\.verdict) == [.feed(.feedRemoved, "its feed was removed from the configuration while its page was awaited")])
        s.robotsDone(origin: "https://gone.invalid", .unresolvable("the site does not resolve"), now: Self.t0)
        let second = s.next(now: Self.t0, feedPolicy: Self.follow)
        #expect(second.resolved.map(\.verdict) == [.feed(.dns, "the site does not resolve")])
        #expect(s.count == 0)
    }

    @Test func anUnreadableRobotsTxtHoldsTheSitesPages() {
        let s = PageScheduler(policy: Self.policy(budget: 600, burst: 60))
        s.add(Self.ticket(1, "https://flaky.example/1"))
        _ = s.next(now: Self.t0, feedPolicy: Self.follow)
        s.robotsDone(origin: "https://flaky.example", .unreachable("503", retryAfter: nil), now: Self.t0)
        for now in Self.t0..<(Self.t0 + 600) { #expect(s.next(now: now, feedPolicy: Self.follow).jobs.isEmpty) }
        #expect(Self.origins(s.next(now: Self.t0 + 600, feedPolicy: Self.follow).jobs) == ["https://flaky.example"])
    }

    @Test func inFlightLimitsHoldPerSiteAndOverall() {
        let s = PageScheduler(policy: Self.policy(budget: 600, burst: 60, perHost: 2, maxInFlight: 3))
        for n in 1...4 { s.add(Self.ticket(Int64(n), "https://a.example/\(n)")) }
        for n in 5...8 { s.add(Self.ticket(Int64(n), "https://b.example/\(n)")) }
        let robots = s.next(now: Self.t0, feedPolicy: Self.follow)
        #expect(Set(Self.origins(robots.jobs)) == ["https://a.example", "https://b.example"])
        s.robotsDone(origin: "https://a.example", .rules(.allowAll), now: Self.t0)
        s.robotsDone(origin: "https://b.example", .rules(.allowAll), now: Self.t0)
        let jobs = Self.pages(s.next(now: Self.t0, feedPolicy: Self.follow).jobs)
        #expect(jobs.count == 3)
        #expect(jobs.filter { $0.link.contains("a.example") }.count == 2)
        #expect(s.next(now: Self.t0 + 1, feedPolicy: Self.follow).jobs.isEmpty)
        _ = s.pageDone(jobs[0], Self.pageText, now: Self.t0 + 1)
        #expect(Self.pages(s.next(now: Self.t0 + 1, feedPolicy: Self.follow).jobs).count == 1)
    }

    @Test func fileLinksNeedNoSite() {
        let s = PageScheduler(policy: Self.policy())
        s.add(Self.ticket(1, "file:///srv/demo/pages/1.html"))
        let next = s.next(now: Self.t0, feedPolicy: Self.follow)
        #expect(Self.pages(next.jobs).count == 1)
        #expect(Self.origins(next.jobs).isEmpty)
    }

    @Test func aCancelledRequestLeavesItsItemAsItWas() {
        let s = PageScheduler(policy: Self.policy())
        let t = Self.ticket(1, "file:///x.html")
        s.add(t)
        let job = Self.pages(s.next(now: Self.t0, feedPolicy: Self.follow).jobs)[0]
        let (resolved, retry) = s.pageDone(job, .cancelled, now: Self.t0 + 5)
        #expect(resolved == nil && retry == nil)
        #expect(Self.pages(s.next(now: Self.t0 + 5, feedPolicy: Self.follow).jobs) == [t])
    }

    /// A cluster's shared buckets, on the test's clock.
    final class SharedBuckets: SharedSiteBudget {
        var now: Int64 = PageSchedulerTests.t0
        var buckets: [String: TokenBucket] = [:]
        var blocked: [String: Int64] = [:]
        var asked = 0

        func take(origin: String, perMinute: Int, burst: Int) -> Int64? {
            asked += 1
            if let until = blocked[origin], until > now { return until - now }
            var b = buckets[origin] ?? TokenBucket(perMinute: perMinute, burst: burst, now: now)
            defer { buckets[origin] = b }
            return b.take(now: now) ? nil : b.nextToken(now: now) - now
        }

        func block(origin: String, seconds: Int64) {
            blocked[origin] = max(blocked[origin] ?? 0, now + seconds)
        }
    }

    /// Two nodes' schedulers sharing the cluster's budget ask a site for what one would:
    /// robots.txt and pages together, its burst then one every 10 s; and a Retry-After one
    /// node heard holds the other too.
    @Test func nodesSharingABudgetAskASiteForWhatOneWould() {
        let shared = SharedBuckets()
        let nodes = (0..<2).map { _ in PageScheduler(policy: Self.policy(budget: 6, burst: 2, perHost: 8)) }
        for (i, s) in nodes.enumerated() {
            s.shared = shared
            for n in 1...6 { s.add(Self.ticket(Int64(i * 10 + n), "https://news.example/\(i)/\(n)")) }
        }
        var starts: [Int64] = []
        var pending: [(PageScheduler, PageTicket)] = []
        for now in Self.t0..<(Self.t0 + 60) {
            shared.now = now
            for s in nodes {
                let jobs = s.next(now: now, feedPolicy: Self.follow).jobs
                for job in jobs {
                    starts.append(now - Self.t0)
                    switch job {
                    case .robots(let origin): s.robotsDone(origin: origin, .rules(.allowAll), now: now)
                    case .page(let t): pending.append((s, t))
                    }
                }
            }
            for (s, t) in pending { _ = s.pageDone(t, Self.pageText, now: now) }
            pending = []
        }
        // Each node read robots.txt (the burst), then one request every 10 s for both.
        #expect(starts == [0, 0, 10, 20, 30, 40, 50], "\(starts)")
        // A refusal holds the site on that node until the cluster's next token: the
        // database is not asked on every scan.
        #expect(shared.asked < 30, "\(shared.asked) questions")

        // A 429 with Retry-After on node 0 holds node 1 too.
        shared.now = Self.t0 + 60
        let page = Self.pages(nodes[0].next(now: Self.t0 + 60, feedPolicy: Self.follow).jobs)
        #expect(page.count == 1)
        shared.now = Self.t0 + 61
        _ = nodes[0].pageDone(page[0], .retry("the page answered 429", retryAfter: 300), now: Self.t0 + 61)
        var held = true
        for now in (Self.t0 + 61)..<(Self.t0 + 361) {
            shared.now = now
            if !nodes[1].next(now: now, feedPolicy: Self.follow).jobs.isEmpty { held = now >= Self.t0 + 361 }
        }
        #expect(held, "node 1 asked the site during node 0's Retry-After")
    }
}

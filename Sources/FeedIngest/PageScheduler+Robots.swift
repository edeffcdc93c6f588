import FeedCore
import FeedExtract
import FeedStore

/// A site's `robots.txt`: asked for before its first page, kept for a day, obeyed unless the
/// feed says otherwise.
extension PageScheduler {
    /// What is known of a site's `robots.txt`.
    enum Robots {
        case unknown
        case fetching
        case known(RobotsTxt, until: Int64)
        case unreachable(String, until: Int64)
        case unresolvable(String, until: Int64)

        var isFetching: Bool {
            if case .fetching = self { return true }
            return false
        }
    }

    /// What the site's robots.txt says of a page's request now.
    enum RobotsVerdict {
        case proceed
        /// Not yet: the file is asked for (now or already), or the site did not answer.
        case hold
        case refuse(PageFallback, String)
    }

    /// Reads the site's robots.txt state for `ticket`, asking for the file when it is not
    /// known (or what was learnt of it expired) and the site's pace allows a request.
    func robotsVerdict(_ site: inout Site, _ origin: String, _ ticket: PageTicket, now: Int64, _ scan: inout Scan) -> RobotsVerdict {
        switch site.robots {
        case .known(_, let until), .unreachable(_, let until), .unresolvable(_, let until):
            if until <= now { site.robots = .unknown }
        default: break
        }
        switch site.robots {
        case .fetching:
            return .hold
        case .unknown:
            if site.inFlight < policy.perHost, site.blockedUntil <= now, takeToken(&site, origin, now: now) {
                site.robots = .fetching
                site.inFlight += 1
                site.lastStart = now
                counters.robotsFetches += 1
                scan.jobs.append(.robots(origin: origin))
                scan.inFlight += 1
            } else {
                scan.wait(until: max(site.blockedUntil, site.bucket.nextToken(now: now)))
            }
            return .hold
        case .unreachable(_, let until):
            scan.wait(until: until)
            return .hold
        case .unresolvable(let why, _):
            return .refuse(.dns, why)
        case .known(let rules, _):
            let path = PageFetch.site(of: ticket.link)?.path ?? "/"
            return rules.allows(path, agent: policy.agent) ? .proceed : .refuse(.robots, "robots.txt disallows the page")
        }
    }

    /// A `robots.txt` request ended.
    public func robotsDone(origin: String, _ answer: RobotsAnswer, now: Int64) {
        var site = siteState(origin, now: now)
        site.inFlight = max(0, site.inFlight - 1)
        switch answer {
        case .rules(let rules):
            site.robots = .known(rules, until: now + policy.robotsLifetime)
        case .unreachable(let why, let retryAfter):
            site.robots = .unreachable(why, until: now + max(policy.robotsRetry, retryAfter ?? 0))
            if let retryAfter { blockSite(&site, origin, now: now, seconds: retryAfter) }
        case .unresolvable(let why):
            site.robots = .unresolvable(why, until: now + policy.robotsRetry)
        }
        sites[origin] = site
        wakeAt = 0
    }
}

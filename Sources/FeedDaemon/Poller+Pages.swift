import FeedConfig
import FeedCore
import FeedIngest
import FeedStore
import Logging

/// The poller's full-text half: items waiting for their page are requested as their sites
/// allow (`PageScheduler`), off this task; each answer comes back here, where the item is
/// delivered — with the page's text or the feed's — or waits for another try.
extension Poller {
    /// Loads the items the state says are waiting (after a start or a crash, or a reload
    /// that opened another state).
    func loadWaitingPages() throws {
        for ticket in try site.waitingPages() { pages.add(ticket) }
        publishPages()
    }

    /// Starts the requests the scheduler allows now, and delivers the items it resolved
    /// without one.
    func startPages(_ loop: inout LoopState, group: inout TaskGroup<Completion>, now: Int64) {
        guard pages.count > 0 else { return }
        let (jobs, resolved) = pages.next(now: now) { [feeds, feedKeys] id in
            guard let key = feedKeys[id], let feed = feeds[key] else { return nil }
            return PageScheduler.FeedPolicy(ignoreRobots: feed.config.ignoreRobots)
        }
        for resolution in resolved { deliver(resolution, now: now) }
        for job in jobs {
            guard let work = site.work(for: job, scheduler: pages, engine: engine) else { continue }
            loop.pageJobs += 1
            group.addTask { .page(await work()) }
        }
        if !jobs.isEmpty || !resolved.isEmpty { publishPages() }
        reportFailedWrites(now: now)
    }

    /// A page or robots.txt request came back.
    func pageDone(_ result: PageJobResult) {
        let now = clock()
        switch result {
        case .robots(let origin, let answer):
            pages.robotsDone(origin: origin, answer, now: now)
            if case .unreachable(let why, _) = answer {
                logger.info("robots.txt unreachable; its pages wait", metadata: ["site": "\(origin)", "why": "\(why)"])
            }
        case .page(let ticket, let report):
            let (resolution, retry) = pages.pageDone(ticket, report.attempt, now: now)
            if let retry {
                site.recordRetry(retry)
                logger.debug("page request failed; trying again later", metadata: ["page": "\(ticket.link)", "why": "\(retry.lastError ?? "")"])
            }
            if let resolution { deliver(resolution, now: now) }
        }
        publishPages()
        reportFailedWrites(now: now)
    }

    /// Delivers an item whose wait is over. A failure leaves it waiting in the state (it
    /// is tried again a minute later: nothing is lost, nothing delivered twice).
    func deliver(_ resolution: PageScheduler.Resolution, now: Int64) {
        let key = feedKeys[resolution.ticket.feedID]
        let config = key.flatMap { feeds[$0]?.config }
        do {
            guard let report = try site.deliver(resolution, feed: config) else { return }
            noteDelivered(report, now: now)
            board.update { snapshot in
                switch resolution.verdict {
                case .page(let text): snapshot.pages.text[text.evidence, default: 0] += 1
                case .feed(let reason, _): snapshot.pages.fallbacks[reason.rawValue, default: 0] += 1
                }
            }
            if let key, let fresh = try? site.store.feed(id: resolution.ticket.feedID), var entry = feeds[key] {
                entry.record.pagesTried = fresh.pagesTried
                entry.record.pagesUsed = fresh.pagesUsed
                entry.record.delivered = fresh.delivered
                feeds[key] = entry
                board.update { $0.feeds[key] = entry.record }
            }
        } catch {
            var retry = resolution.ticket
            retry.nextAttempt = now + 60
            retry.lastError = "its delivery failed: \(error)"
            pages.add(retry)
            stateWriteFailed("cannot deliver the item of \(resolution.ticket.link)", error, now: now, feed: key)
        }
    }

    /// The scheduler's figures on the board.
    func publishPages() {
        let waiting = pages.count, inFlight = pages.inFlight, counters = pages.counters
        board.update {
            $0.pages.waiting = waiting
            $0.pages.inFlight = inFlight
            $0.pages.counters = counters
        }
    }

    /// State writes the site noted as failed (recording a retry), reported like the rest.
    func reportFailedWrites(now: Int64) {
        for message in site.takeFailedWrites() { stateWriteFailed(message, nil, now: now) }
    }
}

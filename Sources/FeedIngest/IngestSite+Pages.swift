import FeedConfig
import FeedCore
import FeedExtract
import FeedFetch
import FeedStore

/// A request handed out by the scheduler, and what it gave.
public enum PageJobResult: Sendable {
    case robots(origin: String, RobotsAnswer)
    case page(PageTicket, PageReport)
}

extension IngestSite {
    /// A scheduler with this configuration's politeness; `maxInFlight` page requests at
    /// once leave the rest of the engine's transfers to the feeds.
    public func pageSchedulerPolicy() -> PageScheduler.Policy {
        let agent = config.userAgent ?? FetchConfiguration.defaultUserAgent
        return PageScheduler.Policy(
            perHost: config.perHost, budget: config.pageBudget, burst: config.pageBurst,
            maxInFlight: max(1, config.concurrency / 2), agent: agent)
    }

    /// Every item the state says is waiting for its page.
    public func waitingPages() throws(StoreError) -> [PageTicket] {
        try store.pageTickets()
    }

    /// Starts a job the scheduler handed out: returns the task's work, or nil when the item
    /// is no longer waiting (the scheduler is told). Reads the state: the owner's task.
    public func work(for job: PageScheduler.Job, scheduler: PageScheduler, engine: FetchEngine) -> (@Sendable () async -> PageJobResult)? {
        switch job {
        case .robots(let origin):
            return { .robots(origin: origin, await PageFetch.robots(origin: origin, engine: engine)) }
        case .page(let ticket):
            let record: PendingPage?
            do {
                record = try store.pendingPage(feedID: ticket.feedID, identity: ticket.identity)
            } catch {
                noteFailedWrite("cannot read the waiting item of \(ticket.link)", error)
                record = nil
            }
            guard let record else {
                scheduler.forget(ticket)
                return nil
            }
            return { .page(ticket, await PageFetch.page(ticket.link, title: record.title, feedText: record.body, engine: engine)) }
        }
    }

    /// Records a failed attempt (when to try again, why); a failure to record it is noted
    /// (`takeFailedWrites`): the item is tried again sooner after a restart, nothing more.
    public func recordRetry(_ ticket: PageTicket) {
        do { try store.recordPageAttempt(ticket) } catch { noteFailedWrite("cannot record the failed page request of \(ticket.link)", error) }
    }

    /// Delivers an item whose wait is over, with `feed`'s settings (nil: the feed left the
    /// configuration; the global ones apply).
    public func deliver(_ resolution: PageScheduler.Resolution, feed feedConfig: FeedConfig?) throws(DeliveryError) -> IngestReport? {
        let record: PendingPage?
        let feed: FeedRecord?
        do {
            record = try store.pendingPage(feedID: resolution.ticket.feedID, identity: resolution.ticket.identity)
            feed = try store.feed(id: resolution.ticket.feedID)
        } catch { throw .state(error) }
        guard let record, let feed else { return nil }  // delivered already
        let settings = self.settings(for: feedConfig ?? FeedConfig(url: feed.key))
        return try ingestor.deliverWaiting(record, feed: feed, verdict: resolution.verdict, fetched: resolution.fetched, settings: settings)
    }
}

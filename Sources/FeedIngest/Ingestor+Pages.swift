import FeedCore
import FeedStore

/// The text an item's page gave, once extraction found the article and it agreed with the
/// item (`Plausibility`).
public struct PageText: Sendable, Equatable {
    /// Paragraphs separated by one empty line, as the article format writes them.
    public var body: String
    /// The page's publication time, for an item that carried none.
    public var published: FeedDate?
    /// What decided the extraction (`json-ld`, `article`, `scored`, …).
    public var evidence: String

    public init(body: String, published: FeedDate?, evidence: String) {
        self.body = body
        self.published = published
        self.evidence = evidence
    }
}

/// Why an item is delivered with the feed's text after all, as the metrics count it.
public enum PageFallback: String, Sendable, CaseIterable {
    /// `robots.txt` disallows the page.
    case robots
    /// A permanent HTTP answer: 404, 403, 401, 410, …
    case http
    /// The site's name does not resolve.
    case dns
    /// Not a page: a PDF, an image, a feed.
    case notHTML = "not_html"
    /// Larger than `max_body_size`.
    case tooLarge = "too_large"
    /// Refused before asking: a private address, a URL the engine does not take, a
    /// redirect loop, a TLS failure.
    case refused
    /// Extraction found no article (an index, a login or consent wall, an error page).
    case noArticle = "no_article"
    /// The page's text does not agree with the item (a paywall, a wrong redirect).
    case implausible
    /// `full_text_timeout` passed with the page still failing (timeouts, 5xx, 429).
    case timedOut = "timed_out"
    /// The feed left the configuration while its item waited.
    case feedRemoved = "feed_removed"
}

/// What came of an item's page: its text, or the feed's and why.
public enum PageVerdict: Sendable, Equatable {
    case page(PageText)
    case feed(PageFallback, String)
}

extension Ingestor {
    /// Delivers an item that waited for its page: with the page's text when it came, else
    /// with the feed's; a duplicate (by the text delivered) is recorded instead. Its wait
    /// ends in the same commit, so a crash delivers it exactly once either way.
    /// `fetched` says whether its page was fetched at all (the feed's success rate).
    public func deliverWaiting(_ waiting: PendingPage, feed: FeedRecord, verdict: PageVerdict, fetched: Bool, settings: IngestSettings) throws(DeliveryError) -> IngestReport {
        let now = clock()
        var report = IngestReport()
        var commit = PollCommit(feedID: feed.id, now: now)
        commit.isPoll = false
        commit.resolved = [waiting.identity]
        commit.pagesTried = fetched ? 1 : 0
        var date = waiting.date
        var published = waiting.published
        var publishedOffset = waiting.publishedOffset
        let body: UTF8Text
        let source: TextSource
        switch verdict {
        case .page(let page):
            body = UTF8Text(page.body)
            source = .page(evidence: page.evidence)
            commit.pagesUsed = 1
            if published == nil, let pageDate = page.published {
                date = pageDate.localDateString
                published = pageDate.secondsSinceEpoch
                publishedOffset = Int(pageDate.offsetSeconds)
            }
        case .feed(_, let why):
            body = UTF8Text(waiting.body)
            source = .feed(why: why)
        }
        let article = Article(id: waiting.articleID, date: date, title: waiting.title, body: body)
        let facts = DeliveryFacts(
            articleID: waiting.articleID, identityHash: waiting.identity, content: waiting.content, isUpdate: waiting.isUpdate,
            link: waiting.link, guid: waiting.guid, published: published, publishedOffset: publishedOffset, firstSeen: waiting.firstSeen,
            textSource: source)
        let firstSeq = store.nextSequence
        var batch = Batch()
        try add(article, facts, feed: feed, settings: settings, to: &batch, commit: &commit, report: &report)
        try deliver(batch, commit, firstSeq: firstSeq, settings: settings, report: &report)
        return report
    }
}

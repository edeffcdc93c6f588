import FeedCore
import FeedIngest
import FeedStore
import Foundation
import Testing

/// Items waiting for their page: recorded with the poll, delivered once with the page's
/// text or the feed's, de-duplicated by the text delivered.
@Suite struct FullTextIngestTests {
    static let auto = IngestSettings(fullText: .auto, fullTextTimeout: 3600)
    static let longBody = String(repeating: "Every word of the whole story is in the feed itself. ", count: 20)
    static let pageBody = "The first paragraph of the whole story, as the page has it.\n\nThe second paragraph, which the feed never carried."

    static func teaserFeed(_ stories: [(guid: String, title: String, body: String, date: String?)]) -> String {
        var s = "<rss version=\"2.0\"><channel><title>Teasers</title><link>https://news.example/</link>\n"
        for story in stories {
            s += "<item><title>\(story.title)</title><link>https://news.example/\(story.guid)</link><guid>\(story.guid)</guid>"
            if let d = story.date { s += "<pubDate>\(d)</pubDate>" }
            s += "<description>\(story.body)</description></item>\n"
        }
        return s + "</channel></rss>"
    }

    @Test(arguments: Backend.allCases) func aTeaserWaitsForItsPageAndAWholeStoryDoesNot(_ backend: Backend) throws {
        let site = try Site("ft-wait", backend: backend)
        let doc = Self.teaserFeed([
            ("a", "Council approves the budget", "The council approved the budget on Tuesday…", "Thu, 05 Dec 2024 09:00:00 GMT"),
            ("b", "A long story", Self.longBody, "Thu, 05 Dec 2024 10:00:00 GMT"),
        ])
        let report = try site.ingest("https://news.example/feed", doc, settings: Self.auto)
        #expect(report.awaitingPage.map(\.link) == ["https://news.example/a"])
        #expect(report.delivered.count == 1)
        #expect(report.delivered.first?.textSource == .feed(why: "the feed carries 220 words"))
        #expect(try site.spoolFiles().count == 1)

        let feed = try site.feed("https://news.example/feed")
        let ticket = try #require(report.awaitingPage.first)
        #expect(ticket.deadline == site.clock.now + 3600)
        let waiting = try #require(try site.site.store.pendingPage(feedID: feed.id, identity: ticket.identity))
        #expect(waiting.title == "Council approves the budget")
        #expect(waiting.body == "The council approved the budget on Tuesday…")
        #expect(waiting.date == "2024-12-05")
        #expect(waiting.teaser == "the feed's text ends with an ellipsis")
        #expect(try site.site.store.seen(feedID: feed.id, identity: ticket.identity)?.decision == .awaitingPage)

        // Polled again: seen, not waiting twice.
        site.clock.advance(600)
        let again = try site.ingest("https://news.example/feed", doc, settings: Self.auto)
        #expect(again.awaitingPage.isEmpty && again.delivered.isEmpty)
        #expect(try site.site.store.pageTickets().count == 1)
    }

    @Test(arguments: Backend.allCases) func theItemIsDeliveredOnceWithThePagesTextAndItsProvenance(_ backend: Backend) throws {
        let site = try Site("ft-page", backend: backend)
        let doc = Self.teaserFeed([("a", "Council approves the budget", "The council approved the budget…", nil)])
        let ticket = try #require(try site.ingest("https://news.example/feed", doc, settings: Self.auto).awaitingPage.first)
        var feed = try site.feed("https://news.example/feed")
        let waiting = try #require(try site.site.store.pendingPage(feedID: feed.id, identity: ticket.identity))
        let published = FeedDate(secondsSinceEpoch: 1_733_300_000, offsetSeconds: 3600)
        site.clock.advance(30)
        let report = try site.site.ingestor.deliverWaiting(
            waiting, feed: feed, verdict: .page(PageText(body: Self.pageBody, published: published, evidence: "json-ld")), fetched: true, settings: Self.auto)
        let d = try #require(report.delivered.first)
        #expect(d.textSource == .page(evidence: "json-ld"))
        // The item had no date: the page's is used.
        #expect(d.published == published.secondsSinceEpoch && d.publishedOffset == 3600)
        #expect(try site.spoolFiles()[d.file] == " date \(published.localDateString) Council approves the budget\n\n" + Self.pageBody)
        #expect(try site.site.store.pageTickets().isEmpty)
        #expect(try site.site.store.seen(feedID: feed.id, identity: ticket.identity)?.decision == .delivered)
        #expect(try site.site.store.delivery(seq: d.seq)?.textSource == .page(evidence: "json-ld"))
        feed = try site.feed("https://news.example/feed")
        #expect(feed.pagesTried == 1 && feed.pagesUsed == 1 && feed.delivered == 1)

        // Delivered: asking again delivers nothing (the record is gone).
        let resolution = PageScheduler.Resolution(ticket: ticket, verdict: .feed(.timedOut, "late"), fetched: false)
        #expect(try site.site.deliver(resolution, feed: nil) == nil)
        #expect(try site.spoolFiles().count == 1)
    }

    @Test(arguments: Backend.allCases) func aFallbackDeliversTheFeedsTextWithTheReason(_ backend: Backend) throws {
        let site = try Site("ft-fallback", backend: backend)
        let doc = Self.teaserFeed([("a", "Council approves the budget", "The council approved the budget…", "Thu, 05 Dec 2024 09:00:00 GMT")])
        let ticket = try #require(try site.ingest("https://news.example/feed", doc, settings: Self.auto).awaitingPage.first)
        let resolution = PageScheduler.Resolution(ticket: ticket, verdict: .feed(.http, "the page answered 404"), fetched: true)
        let report = try #require(try site.site.deliver(resolution, feed: nil))
        let d = try #require(report.delivered.first)
        #expect(d.textSource == .feed(why: "the page answered 404"))
        #expect(try site.spoolFiles()[d.file] == " date 2024-12-05 Council approves the budget\n\nThe council approved the budget…")
        let feed = try site.feed("https://news.example/feed")
        #expect(feed.pagesTried == 1 && feed.pagesUsed == 0)
    }

    @Test(arguments: Backend.allCases) func duplicatesAreJudgedByTheTextDelivered(_ backend: Backend) throws {
        let site = try Site("ft-dup", backend: backend)
        // Two feeds, two teasers worded differently, one story page.
        let one = Self.teaserFeed([("a", "Council approves the budget", "Short teaser one…", nil)])
        let two = Self.teaserFeed([("z", "Council approves the budget", "Another teaser…", nil)])
        let t1 = try #require(try site.ingest("https://one.example/feed", one, settings: Self.auto).awaitingPage.first)
        let t2 = try #require(try site.ingest("https://two.example/feed", two, settings: Self.auto).awaitingPage.first)
        let page = PageVerdict.page(PageText(body: Self.pageBody, published: nil, evidence: "article"))
        #expect(try site.site.deliver(.init(ticket: t1, verdict: page, fetched: true), feed: nil)?.delivered.count == 1)
        let second = try #require(try site.site.deliver(.init(ticket: t2, verdict: page, fetched: true), feed: nil))
        #expect(second.delivered.isEmpty)
        #expect(second.duplicates.count == 1)
        #expect(try site.spoolFiles().count == 1)
        #expect(try site.site.store.pageTickets().isEmpty)
    }

    @Test(arguments: Backend.allCases) func waitingItemsSurviveARestartAndPruning(_ backend: Backend) throws {
        let site = try Site("ft-restart", backend: backend)
        let doc = Self.teaserFeed([("a", "Council approves the budget", "The council approved the budget…", nil)])
        let ticket = try #require(try site.ingest("https://news.example/feed", doc, settings: Self.auto).awaitingPage.first)
        // Long after the grace window (the feed no longer lists it), still waiting: its
        // identity is kept, so it is never taken for new.
        site.clock.advance(200 * 86400)
        try site.site.prune(now: site.clock.now)
        let reopened = try Site(reopening: site)
        #expect(try reopened.site.waitingPages() == [ticket])
        let feed = try reopened.feed("https://news.example/feed")
        #expect(try reopened.site.store.seen(feedID: feed.id, identity: ticket.identity) != nil)
    }

    @Test(arguments: Backend.allCases) func neverAndAlwaysAndLinklessItems(_ backend: Backend) throws {
        let site = try Site("ft-modes", backend: backend)
        let doc = Self.teaserFeed([("a", "A teaser", "Short…", nil), ("b", "A whole story", Self.longBody, nil)])
        var never = Self.auto
        never.fullText = .never
        let r1 = try site.ingest("https://never.example/feed", doc, settings: never)
        #expect(r1.awaitingPage.isEmpty && r1.delivered.count == 2)
        #expect(r1.delivered.allSatisfy { $0.textSource == .feed(why: "full_text is never") })
        var always = Self.auto
        always.fullText = .always
        always.dedup = .feed
        let r2 = try site.ingest("https://always.example/feed", doc, settings: always)
        #expect(r2.awaitingPage.count == 2 && r2.delivered.isEmpty)
        let linkless = "<rss version=\"2.0\"><channel><title>T</title><item><title>No link</title><description>Short…</description></item></channel></rss>"
        let r3 = try site.ingest("https://nolink.example/feed", linkless, settings: always)
        #expect(r3.awaitingPage.isEmpty)
        #expect(r3.delivered.first?.textSource == .feed(why: "the item has no link to a page"))
    }
}

import FeedCore
import FeedExtract
import FeedFetch
import FeedIngest
import FeedParser

#if canImport(Glibc)
    import Glibc
#endif

/// `feedspool fetch --full-text`: for each item of a fetched feed, the whole chain from the
/// feed's text to the text delivered — whether the feed's text is a teaser, the site's
/// `robots.txt`, the page's answer, what extraction found, whether it agrees with the item
/// — through the same engine as the feeds (its limits, private-network guard and size cap).
/// Politely: one page at a time, `robots.txt` read once per site and obeyed (unless told
/// otherwise), its `Crawl-delay` waited out between two pages of a site.
struct FullTextChain {
    let engine: FetchEngine
    let mode: FullTextMode
    let ignoreRobots: Bool
    let agent: String

    /// One item's way to its text.
    struct Step: Sendable {
        var title: String?
        var link: String?
        var teaser: Bool
        var teaserReason: String
        var pageURL: String?
        var robots: String?
        var pageStatus: Int?
        var pageError: String?
        var source: String?
        var confidence: Double?
        var pageWords: Int?
        var plausible: Bool?
        var plausibilityReason: String?
        /// "page" or "feed".
        var textSource: String
        /// Why the feed's text was kept, when it was.
        var fallbackReason: String?
        var body: String
        var published: FeedDate?
    }

    func run(_ feed: ParsedFeed) async -> [Step] {
        var builder = ArticleBuilder(converter: HTMLToText())
        var robots: [String: RobotsAnswer] = [:]
        var lastPageAt: [String: Double] = [:]
        var steps: [Step] = []
        for item in feed.items {
            let title = item.title.map { builder.titleText($0) }
            let feedText = (item.content ?? item.summary).map { $0.articleText(using: &builder.converter) } ?? ""
            let (teaser, teaserReason) = TeaserRule.judge(title: title, text: feedText)
            var step = Step(title: title, link: item.effectiveLink, teaser: teaser, teaserReason: teaserReason, textSource: "feed", body: feedText, published: item.articleDate)
            defer { steps.append(step) }
            switch mode {
            case .never:
                step.fallbackReason = "full_text is never"
                continue
            case .auto where !teaser:
                step.fallbackReason = teaserReason
                continue
            default:
                break
            }
            guard let link = item.effectiveLink, let site = PageFetch.site(of: link) else {
                step.fallbackReason = "the item has no http(s) link"
                continue
            }
            step.pageURL = link
            // robots.txt, once per site (what the daemon keeps for a day).
            if robots[site.origin] == nil { robots[site.origin] = await PageFetch.robots(origin: site.origin, engine: engine) }
            let (allowed, crawlDelay) = robotsVerdict(robots[site.origin]!, path: site.path, &step)
            guard allowed else { continue }
            // Crawl-delay between two pages of one site.
            if let delay = crawlDelay, let last = lastPageAt[site.origin] {
                let wait = last + min(delay, 60) - Self.now()
                if wait > 0 { try? await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
            }
            lastPageAt[site.origin] = Self.now()
            let report = await PageFetch.page(link, title: title, feedText: feedText, engine: engine)
            step.take(report)
        }
        return steps
    }

    /// Whether robots.txt lets the page be fetched (the step says what it said, and why
    /// not), and the site's Crawl-delay.
    private func robotsVerdict(_ answer: RobotsAnswer, path: String, _ step: inout Step) -> (allowed: Bool, crawlDelay: Double?) {
        if ignoreRobots {
            step.robots = "ignored"
            return (true, nil)
        }
        switch answer {
        case .unreachable(let why, _):
            step.robots = "unreachable"
            step.fallbackReason = "\(why): no page of the site is fetched until it answers"
            return (false, nil)
        case .unresolvable(let why):
            step.robots = "unresolvable"
            step.fallbackReason = why
            return (false, nil)
        case .rules(let rules):
            guard rules.allows(path, agent: agent) else {
                step.robots = "disallowed"
                step.fallbackReason = "robots.txt disallows the page"
                return (false, nil)
            }
            step.robots = "allowed"
            return (true, rules.crawlDelay(agent: agent))
        }
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// The step as one JSON line.
    static func json(_ s: Step, feedURL: String, articleID: String) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.string("feed_url", feedURL)
        w.string("title", s.title)
        w.string("link", s.link)
        w.bool("teaser", s.teaser)
        w.string("teaser_reason", s.teaserReason)
        if let url = s.pageURL {
            w.beginObject("page")
            w.string("url", url)
            w.string("robots", s.robots)
            w.int("status", s.pageStatus.map(Int64.init))
            w.string("error", s.pageError)
            w.string("source", s.source)
            if let c = s.confidence { w.raw("confidence", String(Double(Int((c * 100).rounded())) / 100)) } else { w.raw("confidence", "null") }
            w.int("words", s.pageWords.map(Int64.init))
            w.bool("plausible", s.plausible)
            w.string("plausibility", s.plausibilityReason)
            w.endObject()
        } else {
            w.raw("page", "null")
        }
        w.string("text_source", s.textSource)
        w.string("fallback_reason", s.fallbackReason)
        w.string("article_id", articleID)
        w.string("body", s.body)
        w.endObject()
        return w.string
    }

    /// The step as a line for a person.
    static func describe(_ s: Step, feedURL: String) -> String {
        var parts = ["\(feedURL): \"\((s.title ?? "(untitled)").prefix(60))\": \(s.teaser ? "teaser" : "full text") (\(s.teaserReason))"]
        if let url = s.pageURL {
            var page = "page \(url)"
            if let r = s.robots { page += ", robots.txt \(r)" }
            if let status = s.pageStatus, status > 0 { page += ", \(status)" }
            if let source = s.source, let words = s.pageWords { page += ", extracted (\(source), \(words) words)" }
            parts.append(page)
        }
        parts.append(s.textSource == "page" ? "text from the page (\(s.plausibilityReason ?? ""))" : "text from the feed (\(s.fallbackReason ?? ""))")
        return parts.joined(separator: " → ")
    }
}

extension FullTextChain.Step {
    /// What the page's fetch and extraction gave, and the text the item gets by it.
    mutating func take(_ report: PageReport) {
        pageStatus = report.status
        if let article = report.extracted {
            source = article.source
            confidence = article.confidence
            pageWords = article.words
        }
        plausible = report.plausibility?.plausible
        plausibilityReason = report.plausibility?.reason
        switch report.attempt {
        case .done(.page(let text)):
            textSource = "page"
            body = text.body
            if published == nil { published = text.published }
        case .done(.feed(_, let why)):
            fallbackReason = why
        case .retry(let why, let retryAfter):
            pageError = why
            fallbackReason = "\(why): the daemon would try again later" + (retryAfter.map { " (the site asks to wait \($0) s)" } ?? "")
        case .cancelled:
            fallbackReason = "cancelled"
        }
    }
}

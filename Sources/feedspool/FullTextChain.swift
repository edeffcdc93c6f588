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
    static func json(_ step: Step, feedURL: String, articleID: String) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.string("feed_url", feedURL)
        writer.string("title", step.title)
        writer.string("link", step.link)
        writer.bool("teaser", step.teaser)
        writer.string("teaser_reason", step.teaserReason)
        if let url = step.pageURL {
            writer.beginObject("page")
            writer.string("url", url)
            writer.string("robots", step.robots)
            writer.int("status", step.pageStatus.map(Int64.init))
            writer.string("error", step.pageError)
            writer.string("source", step.source)
            if let confidence = step.confidence { writer.raw("confidence", String(Double(Int((confidence * 100).rounded())) / 100)) } else { writer.raw("confidence", "null") }
            writer.int("words", step.pageWords.map(Int64.init))
            writer.bool("plausible", step.plausible)
            writer.string("plausibility", step.plausibilityReason)
            writer.endObject()
        } else {
            writer.raw("page", "null")
        }
        writer.string("text_source", step.textSource)
        writer.string("fallback_reason", step.fallbackReason)
        writer.string("article_id", articleID)
        writer.string("body", step.body)
        writer.endObject()
        return writer.string
    }

    /// The step as a line for a person.
    static func describe(_ step: Step, feedURL: String) -> String {
        var parts = ["\(feedURL): \"\((step.title ?? "(untitled)").prefix(60))\": \(step.teaser ? "teaser" : "full text") (\(step.teaserReason))"]
        if let url = step.pageURL {
            var page = "page \(url)"
            if let verdict = step.robots { page += ", robots.txt \(verdict)" }
            if let status = step.pageStatus, status > 0 { page += ", \(status)" }
            if let source = step.source, let words = step.pageWords { page += ", extracted (\(source), \(words) words)" }
            parts.append(page)
        }
        parts.append(step.textSource == "page" ? "text from the page (\(step.plausibilityReason ?? ""))" : "text from the feed (\(step.fallbackReason ?? ""))")
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

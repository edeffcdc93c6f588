import FeedCore
import FeedExtract
import FeedFetch
import FeedIngest
import FeedParser

#if canImport(Glibc)
    import Glibc
#endif

/// What one URL produced, ready to print.
struct FeedReport: Sendable {
    var failed = false
    var diagnostics: [String] = []
    /// The feed's JSON object, or with --full-text one per item.
    var jsonLines: [String] = []
    var articles: [(id: String, text: String)] = []
}

/// Fetch, parse and render one URL (runs in a child task; the engine does the I/O).
struct FetchJob: Sendable {
    var json: Bool
    var verbose: Bool
    var parse: Bool
    var validators: Validators
    var fullText: FullTextMode?
    var ignoreRobots = false
    var agent = FetchConfiguration.defaultUserAgent

    func run(_ url: String, engine: FetchEngine) async -> FeedReport {
        let fetched = await FetchedFeed.fetch(FetchRequest(url: url, validators: validators, recordHeaders: verbose), engine: engine, parse: parse)
        let result = fetched.result
        let feed = fetched.parsed
        var report = FeedReport()
        if verbose, let http = result.http {
            for line in http.requestHeaderLines { report.diagnostics.append("\(url): > \(line)") }
            for line in http.responseHeaderLines { report.diagnostics.append("\(url): < \(line)") }
        }
        report.diagnostics.append(statusLine(url, result, feed: feed, parseError: fetched.parseError))
        if let feed, verbose || !json {
            for warning in feed.warnings { report.diagnostics.append("\(url): warning: \(warning)") }
        }
        report.failed = fetched.parseError != nil || {
            switch result.outcome {
            case .failed, .gone: return true
            case .fetched, .notModified: return false
            }
        }()
        if let mode = fullText, let feed {
            await addFullText(of: feed, url, mode: mode, engine: engine, to: &report)
        } else if json {
            report.jsonLines = [jsonLine(url, fetched)]
        } else if let feed {
            var converter = HTMLToText()
            let now = FeedDate(secondsSinceEpoch: Int64(time(nil)))
            report.articles = feed.articles(feedKey: url, firstSeen: now, using: &converter).map { ($0.id, $0.rendered) }
        }
        return report
    }

    /// With --full-text: each item's page fetched and extracted as the daemon would, one
    /// diagnostic line and one article (or JSON line) per item.
    private func addFullText(of feed: ParsedFeed, _ url: String, mode: FullTextMode, engine: FetchEngine, to report: inout FeedReport) async {
        let steps = await FullTextChain(engine: engine, mode: mode, ignoreRobots: ignoreRobots, agent: agent).run(feed)
        let identities = ItemIdentity.assign(to: feed.items)
        let now = FeedDate(secondsSinceEpoch: Int64(time(nil)))
        for (step, identity) in zip(steps, identities) {
            let id = ArticleID.make(feedKey: url, identity: identity)
            report.diagnostics.append(FullTextChain.describe(step, feedURL: url))
            if json {
                report.jsonLines.append(FullTextChain.json(step, feedURL: url, articleID: id))
            } else {
                let title = step.title ?? ArticleBuilder<HTMLToText>.fallbackTitle(body: step.body, limit: 80)
                let article = Article(id: id, date: (step.published ?? now).localDateString, title: title, body: UTF8Text(step.body))
                report.articles.append((id, article.rendered))
            }
        }
    }

    /// The URL's JSON object: the feed with how it was fetched, or `"feed": null` and why.
    private func jsonLine(_ url: String, _ fetched: FetchedFeed) -> String {
        var converter = HTMLToText()
        if let feed = fetched.parsed {
            return feed.json(using: &converter, feedKey: url) { writer in
                writer.string("url", url)
                fetched.result.writeJSON(into: &writer)
            }
        }
        var writer = JSONWriter()
        writer.beginObject()
        writer.raw("feed", "null")
        writer.beginArray("items")
        writer.endArray()
        writer.string("url", url)
        fetched.result.writeJSON(into: &writer, later: fetched.parseError.map { (stage: "parse", message: $0) })
        writer.endObject()
        return writer.string
    }

    private func statusLine(_ url: String, _ result: FetchResult, feed: ParsedFeed?, parseError: String?) -> String {
        var line = "\(url): "
        let hops = result.http?.redirects ?? []
        switch result.outcome {
        case .fetched:
            if let parseError {
                line += "FAIL (parse): \(parseError)"
            } else if !parse {
                line += "OK \(result.http?.status ?? 0), \(result.http?.bodyBytes ?? 0) bytes"
            } else {
                line += "OK \(result.http?.status ?? 0), \(feed?.items.count ?? 0) items, \(result.http?.bodyBytes ?? 0) bytes"
            }
        case .notModified(let why):
            line += "unchanged (\(why.rawValue))"
        case .gone:
            line += "GONE 410: the feed was removed; stop polling it"
        case .failed(let failure):
            line += "FAIL (\(failure.stage.rawValue)): \(failure.message)"
            if let curl = failure.curlMessage, !curl.isEmpty, !failure.message.contains(curl) { line += " [curl: \(curl)]" }
        }
        if !hops.isEmpty {
            let chain = hops.map { "\($0.status) \($0.location)" }.joined(separator: " → ")
            let kind = result.http?.permanentRedirect != nil ? "permanent" : "temporary"
            line += "; redirected (\(kind)): \(chain)"
        }
        return line
    }
}

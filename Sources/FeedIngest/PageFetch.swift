import FeedCore
import FeedExtract
import FeedFetch
import FeedParser

#if canImport(Glibc)
    import Glibc
#endif

/// How one request for an item's page ended.
public enum PageAttempt: Sendable, Equatable {
    /// Final: the page's text, or the feed's for a reason that will not change by waiting.
    case done(PageVerdict)
    /// Worth another try later (a timeout, a 5xx, a 429); `retryAfter` is the site's own
    /// wish, in seconds, when it said one.
    case retry(String, retryAfter: Int64?)
    /// Shutting down: the item waits on, untouched.
    case cancelled
}

/// One page request, fetched and read: what the daemon decides on and what
/// `feedspool fetch --full-text` shows.
public struct PageReport: Sendable {
    public var attempt: PageAttempt
    /// The final HTTP status (nil when no answer came; 0 for a file).
    public var status: Int?
    /// Extraction's findings, when a page was read.
    public var extracted: ExtractedArticle?
    /// Whether the page's text agreed with the item, and why.
    public var plausibility: (plausible: Bool, reason: String)?
}

/// What a site's `robots.txt` request gave.
public enum RobotsAnswer: Sendable {
    /// Its rules (everything allowed when it has none: a 4xx answer, RFC 9309 §2.3.1.3).
    case rules(RobotsTxt)
    /// No answer to go by (5xx, a timeout, a refused connection): no page of the site is
    /// fetched until it answers (RFC 9309 §2.3.1.4); `retryAfter` as for pages.
    case unreachable(String, retryAfter: Int64?)
    /// The site's name does not resolve: none of its pages can come.
    case unresolvable(String)
}

/// Page and `robots.txt` requests through the feeds' engine (its limits, private-network
/// guard, size cap and redirect rules), and the reading of their answers. Stateless: the
/// politeness around them is `PageScheduler`'s.
public enum PageFetch {
    /// Fetches `url` and, when it is a page, extracts its article and checks it against the
    /// item's `title` and the feed's `feedText`. Parsing and extraction run on the caller's
    /// task (not the ingest's).
    public static func page(_ url: String, title: String?, feedText: String, engine: FetchEngine) async -> PageReport {
        let result = await engine.fetch(FetchRequest(url: url, accept: FetchRequest.pageAccept))
        var report = PageReport(attempt: .cancelled, status: result.http?.status)
        guard case .fetched(let body) = result.outcome else {
            report.attempt = classify(failure: result)
            return report
        }
        let type = result.http?.headers.contentType?.lowercased()
        if let type, !(type.contains("html") || type.contains("xml") || type.hasPrefix("text/plain")) {
            report.attempt = .done(.feed(.notHTML, "the page is not HTML (\(type))"))
            return report
        }
        let parsed = PageParser.parse(body, contentType: result.http?.headers.contentType)
        let article: ExtractedArticle
        do {
            article = try ArticleExtractor.extract(parsed.tree, url: result.http?.effectiveURL ?? url)
        } catch {
            report.attempt = .done(.feed(.noArticle, "\(error)"))
            return report
        }
        report.extracted = article
        let verdict = Plausibility.check(pageText: article.body, title: title, feedText: feedText)
        report.plausibility = verdict
        if verdict.plausible {
            report.attempt = .done(.page(PageText(body: article.body, published: article.published, evidence: article.source)))
        } else {
            report.attempt = .done(.feed(.implausible, verdict.reason))
        }
        return report
    }

    /// The reading of a page request that brought no body.
    static func classify(failure result: FetchResult) -> PageAttempt {
        switch result.outcome {
        case .fetched: return .done(.feed(.notHTML, "the page is empty"))
        case .gone: return .done(.feed(.http, "the page answered 410 Gone"))
        case .notModified: return .done(.feed(.http, "the page answered 304 to an unconditional request"))
        case .failed(let fetchError):
            switch fetchError.stage {
            case .cancelled: return .cancelled
            case .http:
                let status = fetchError.status ?? 0
                if status == 429 || status == 503 || status == 408 || status >= 500 {
                    return .retry("the page answered \(status)", retryAfter: retryAfter(fetchError, result))
                }
                return .done(.feed(.http, "the page answered \(status)"))
            case .resolve: return .done(.feed(.dns, "the page's site does not resolve: \(fetchError.detail)"))
            case .tooLarge: return .done(.feed(.tooLarge, fetchError.detail))
            case .blocked, .url, .redirect, .tls, .decode: return .done(.feed(.refused, fetchError.description))
            case .connect, .timeout, .receive: return .retry(fetchError.description, retryAfter: nil)
            }
        }
    }

    /// Fetches `origin`'s `robots.txt`.
    public static func robots(origin: String, engine: FetchEngine) async -> RobotsAnswer {
        let result = await engine.fetch(FetchRequest(url: origin + "/robots.txt", accept: "text/plain, */*;q=0.5"))
        switch result.outcome {
        case .fetched(let body): return .rules(RobotsTxt(text: String(decoding: body.prefix(RobotsTxt.maxBytes), as: UTF8.self)))
        case .gone, .notModified: return .rules(.allowAll)
        case .failed(let failure):
            switch failure.stage {
            case .http where (failure.status ?? 0) >= 400 && (failure.status ?? 0) < 500 && failure.status != 429:
                return .rules(.allowAll)
            case .resolve:
                return .unresolvable("the site does not resolve: \(failure.detail)")
            case .tooLarge:
                // RFC 9309 §2.5: read at least 500 KiB; a larger file's start is what we have
                // not got. Take no chance with what its end might forbid.
                return .unreachable("its robots.txt is larger than the body limit", retryAfter: nil)
            default:
                return .unreachable("its robots.txt could not be read: \(failure.description)", retryAfter: retryAfter(failure, result))
            }
        }
    }

    static func retryAfter(_ failure: FetchError, _ result: FetchResult) -> Int64? {
        guard let header = failure.retryAfter else { return nil }
        let now = Int64(time(nil))
        return header.delay(now: now, serverDate: result.http?.headers.date)
    }

    /// `scheme://host[:port]` of an http(s) URL (lower-cased scheme and host), the key of
    /// a site's politeness; nil for other URLs (a file has no site to be polite to).
    public static func origin(of url: String) -> String? {
        site(of: url)?.origin
    }

    /// The origin and the path with its query, of an http(s) URL.
    public static func site(of url: String) -> (origin: String, path: String)? {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return nil }
        let afterScheme = url.index(url.startIndex, offsetBy: lower.hasPrefix("https://") ? 8 : 7)
        let rest = url[afterScheme...]
        let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        guard slash > rest.startIndex else { return nil }
        var path = String(rest[slash...])
        if let hash = path.firstIndex(of: "#") { path = String(path[..<hash]) }
        if !path.hasPrefix("/") { path = "/" + path }
        return (String(url[..<slash]).lowercased(), path)
    }
}

import FeedConfig
import FeedCore
import FeedFetch
import FeedParser
import FeedSpool
import FeedStore

#if canImport(Glibc)
    import Glibc
#endif

/// A fetch result with its parse, done off the ingest task.
public struct FetchedFeed: Sendable {
    public var result: FetchResult
    public var parsed: ParsedFeed?
    public var parseError: String?

    /// Fetches with the feed's stored validators and current URL, then parses.
    /// `beforeParse` runs between the two when there is a body (the daemon waits there for
    /// a parse permit, so that few parsed feeds — far larger than their bodies — wait for
    /// ingest at once).
    public static func fetch(_ feed: FeedRecord, engine: FetchEngine, beforeParse: @Sendable () async -> Void = {}) async -> FetchedFeed {
        await fetch(FetchRequest(url: feed.url, validators: Validators(etag: feed.etag, lastModified: feed.lastModified)), engine: engine, beforeParse: beforeParse)
    }

    /// Fetches a request and, unless `parse` is false, parses a new body against the URL
    /// it finally came from. The body itself is not kept.
    public static func fetch(_ request: FetchRequest, engine: FetchEngine, parse: Bool = true, beforeParse: @Sendable () async -> Void = {}) async -> FetchedFeed {
        var result = await engine.fetch(request)
        var out = FetchedFeed(result: result, parsed: nil, parseError: nil)
        if case .fetched(let body) = result.outcome {
            if parse {
                await beforeParse()
                let options = FeedParserOptions(baseURL: result.http?.effectiveURL ?? request.url, contentType: result.http?.headers.contentType)
                do {
                    out.parsed = try FeedParser.parse(body, options: options)
                } catch {
                    out.parseError = "\(error)"
                }
            }
            result.outcome = .fetched([])
            out.result = result
        }
        return out
    }
}

import FeedCore

/// The validators of the last good response, sent back as `If-None-Match` /
/// `If-Modified-Since`.
public struct Validators: Sendable, Equatable, Hashable {
    public var etag: String?
    public var lastModified: String?

    public init(etag: String? = nil, lastModified: String? = nil) {
        self.etag = etag
        self.lastModified = lastModified
    }

    public var isEmpty: Bool { etag == nil && lastModified == nil }
}

/// One document to fetch (a feed, a page, a robots.txt).
public struct FetchRequest: Sendable {
    public var url: String
    public var validators: Validators
    /// Keep the request and response header lines (for `feedspool fetch -v`).
    public var recordHeaders: Bool
    /// The `Accept` header, when not the engine's (which prefers feed types).
    public var accept: String?

    public init(url: String, validators: Validators = Validators(), recordHeaders: Bool = false, accept: String? = nil) {
        self.url = url
        self.validators = validators
        self.recordHeaders = recordHeaders
        self.accept = accept
    }

    /// What a web page request accepts.
    public static let pageAccept = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
}

/// Settings shared by every transfer of one engine. The defaults are the daemon's.
public struct FetchConfiguration: Sendable {
    /// Transfers in flight at once, across all hosts.
    public var maxConcurrent = 32
    /// Transfers in flight at once to one host.
    public var maxPerHost = 2
    /// Minimum time between the starts of two requests to one host, in milliseconds.
    public var perHostGapMilliseconds = 0
    public var connectTimeoutMilliseconds = 10_000
    public var totalTimeoutMilliseconds = 30_000
    /// A transfer slower than this many bytes per second for `lowSpeedSeconds` is aborted.
    public var lowSpeedBytesPerSecond = 100
    public var lowSpeedSeconds = 10
    /// The largest body accepted, counted after content decoding.
    public var maxBodyBytes = 16 << 20
    public var maxRedirects = 5
    /// Connect to loopback, private, link-local and unique-local addresses.
    public var allowPrivateNetworks = false
    /// Accept `file://` URLs (the bundled demo config uses them). Redirects never lead there.
    public var allowFileURLs = false
    public var userAgent = FetchConfiguration.defaultUserAgent
    /// An `Accept` header that prefers feed types.
    public var accept = "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"

    public static let version = FeedspoolVersion.string
    public static let projectURL = "https://github.com/feedspool/feedspool"
    public static let defaultUserAgent = "feedspool/\(version) (+\(projectURL))"

    public init() {}
}

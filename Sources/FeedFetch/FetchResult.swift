/// The stage a fetch failed in.
public enum FetchStage: String, Sendable {
    /// The URL is malformed or its scheme is not allowed.
    case url
    /// The peer's address is in a private range and private networks are not allowed.
    case blocked
    case resolve
    case connect
    case tls
    /// The server answered with an error status.
    case http
    /// The body exceeded the size limit.
    case tooLarge = "too-large"
    case timeout
    /// The body could not be content-decoded (gzip, br, …).
    case decode
    /// Too many redirects, or a redirect loop.
    case redirect
    /// The connection broke or the server's answer is not HTTP.
    case receive
    /// The fetch was cancelled (shutdown).
    case cancelled
}

/// Why a fetch failed: the stage, a sentence for people, and curl's own words for the log.
public struct FetchError: Error, Sendable, CustomStringConvertible {
    public var stage: FetchStage
    public var message: String
    /// curl's result code and error text, when curl reported the failure.
    public var curlCode: Int?
    public var curlMessage: String?
    /// The HTTP status, for `.http`.
    public var status: Int?
    /// `Retry-After`, for 429 and 503 answers.
    public var retryAfter: RetryAfter?

    public init(stage: FetchStage, message: String, curlCode: Int? = nil, curlMessage: String? = nil, status: Int? = nil, retryAfter: RetryAfter? = nil) {
        self.stage = stage
        self.message = message
        self.curlCode = curlCode
        self.curlMessage = curlMessage
        self.status = status
        self.retryAfter = retryAfter
    }

    public var description: String { "\(stage.rawValue): \(detail)" }

    /// The message with curl's own words when they add something; without the stage.
    public var detail: String {
        guard let curl = curlMessage, !curl.isEmpty, !message.contains(curl) else { return message }
        return "\(message) (curl: \(curl))"
    }
}

/// Why a response counts as "unchanged".
public enum NotModifiedReason: String, Sendable {
    /// 304 Not Modified.
    case status304 = "304"
    /// 200 with the ETag already stored.
    case sameETag = "same-etag"
    /// 200 with the Last-Modified already stored (and no ETag to tell otherwise).
    case sameLastModified = "same-last-modified"
}

/// What came of one fetch.
public enum FetchOutcome: Sendable {
    /// A new body (2xx), content-decoded.
    case fetched([UInt8])
    case notModified(NotModifiedReason)
    /// 410 Gone: the caller retires the feed.
    case gone
    case failed(FetchError)
}

/// One redirect answered on the way.
public struct RedirectHop: Sendable, Equatable {
    /// The URL that answered with the redirect.
    public var url: String
    public var status: Int
    /// Where it pointed, resolved against `url`.
    public var location: String
}

/// What the server said, whatever the outcome.
public struct HTTPExchange: Sendable {
    /// The final status (0 for `file://`).
    public var status: Int
    /// The URL of the last request made.
    public var effectiveURL: String
    public var redirects: [RedirectHop]
    /// The final response's headers.
    public var headers: ResponseHeaders
    /// "1.1", "2", … or nil when not HTTP.
    public var httpVersion: String?
    public var primaryIP: String?
    /// Bytes received on the wire (body, before decoding).
    public var downloadedBytes: Int64
    /// Body bytes after content decoding.
    public var bodyBytes: Int
    public var totalSeconds: Double
    /// Request header blocks sent (one per request, redirects included), when recorded.
    public var requestHeaderLines: [String]
    /// Response header lines received (all responses), when recorded.
    public var responseHeaderLines: [String]

    /// The new URL when every hop of the chain was permanent (301 or 308); a single
    /// temporary hop (302, 303, 307) anywhere makes the whole chain temporary.
    public var permanentRedirect: String? {
        guard let last = redirects.last, redirects.allSatisfy({ $0.status == 301 || $0.status == 308 }) else { return nil }
        return last.location
    }

    /// The validators to store for the next conditional request.
    public var validators: Validators {
        Validators(etag: headers.etag, lastModified: headers.lastModified)
    }
}

/// The result of fetching one `FetchRequest`.
public struct FetchResult: Sendable {
    public var request: FetchRequest
    public var outcome: FetchOutcome
    /// Nil when no response arrived (the failure happened before one).
    public var http: HTTPExchange?

    public var error: FetchError? {
        if case .failed(let failure) = outcome { return failure }
        return nil
    }
}

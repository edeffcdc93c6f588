import FeedCore

extension FetchResult {
    /// The outcome's name in JSON and status lines.
    public var outcomeName: String {
        switch outcome {
        case .fetched: return "fetched"
        case .notModified: return "not-modified"
        case .gone: return "gone"
        case .failed: return "failed"
        }
    }

    /// Writes the `http` object of `feedspool fetch --json`: status, effective URL, the
    /// redirect chain with each hop's status, validators, cache headers, and the error with
    /// its stage. `later` is an error of a later stage (parsing) to report in its place.
    public func writeJSON(into w: inout JSONWriter, key: String = "http", later: (stage: String, message: String)? = nil) {
        w.beginObject(key)
        w.string("outcome", later == nil ? outcomeName : "failed")
        if case .notModified(let why) = outcome { w.string("unchanged_because", why.rawValue) } else { w.string("unchanged_because", nil) }
        w.int("status", http.map { Int64($0.status) })
        w.string("effective_url", http?.effectiveURL)
        w.string("http_version", http?.httpVersion)
        w.beginArray("redirects")
        for hop in http?.redirects ?? [] {
            w.beginObject()
            w.string("url", hop.url)
            w.int("status", Int64(hop.status))
            w.string("location", hop.location)
            w.endObject()
        }
        w.endArray()
        w.string("permanent_redirect", http?.permanentRedirect)
        let h = http?.headers
        w.string("etag", h?.etag)
        w.string("last_modified", h?.lastModified)
        w.string("cache_control", h?["cache-control"])
        w.int("max_age", (h?.cacheControl?.maxAge).map(Int64.init))
        w.string("expires", h?["expires"])
        w.string("date", h?["date"])
        w.int("age", h?.age.map(Int64.init))
        w.string("content_type", h?.contentType)
        w.string("charset", h?.charset)
        w.string("content_encoding", h?["content-encoding"])
        w.string("retry_after", h?["retry-after"])
        w.int("bytes_received", http?.downloadedBytes)
        w.int("body_bytes", http.map { Int64($0.bodyBytes) })
        // Seconds with millisecond precision, written without Foundation's number formatting.
        w.raw("seconds", http.map { h in
            let ms = Int((h.totalSeconds * 1000).rounded())
            let frac = String(ms % 1000)
            return "\(ms / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
        } ?? "null")
        if let later {
            w.beginObject("error")
            w.string("stage", later.stage)
            w.string("message", later.message)
            w.endObject()
        } else if let e = error {
            w.beginObject("error")
            w.string("stage", e.stage.rawValue)
            w.string("message", e.message)
            w.int("status", e.status.map(Int64.init))
            w.int("curl_code", e.curlCode.map(Int64.init))
            w.string("curl_message", e.curlMessage)
            switch e.retryAfter {
            case .seconds(let s)?: w.int("retry_after_seconds", Int64(s))
            case .date(let t)?: w.int("retry_after_seconds", max(0, t - (h?.date ?? t)))
            case nil: break
            }
            w.endObject()
        } else {
            w.raw("error", "null")
        }
        w.endObject()
    }
}

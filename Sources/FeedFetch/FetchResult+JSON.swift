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
    public func writeJSON(into writer: inout JSONWriter, key: String = "http", later: (stage: String, message: String)? = nil) {
        writer.beginObject(key)
        writer.string("outcome", later == nil ? outcomeName : "failed")
        if case .notModified(let why) = outcome { writer.string("unchanged_because", why.rawValue) } else { writer.string("unchanged_because", nil) }
        writer.int("status", http.map { Int64($0.status) })
        writer.string("effective_url", http?.effectiveURL)
        writer.string("http_version", http?.httpVersion)
        writer.beginArray("redirects")
        for hop in http?.redirects ?? [] {
            writer.beginObject()
            writer.string("url", hop.url)
            writer.int("status", Int64(hop.status))
            writer.string("location", hop.location)
            writer.endObject()
        }
        writer.endArray()
        writer.string("permanent_redirect", http?.permanentRedirect)
        let headers = http?.headers
        writer.string("etag", headers?.etag)
        writer.string("last_modified", headers?.lastModified)
        writer.string("cache_control", headers?["cache-control"])
        writer.int("max_age", (headers?.cacheControl?.maxAge).map(Int64.init))
        writer.string("expires", headers?["expires"])
        writer.string("date", headers?["date"])
        writer.int("age", headers?.age.map(Int64.init))
        writer.string("content_type", headers?.contentType)
        writer.string("charset", headers?.charset)
        writer.string("content_encoding", headers?["content-encoding"])
        writer.string("retry_after", headers?["retry-after"])
        writer.int("bytes_received", http?.downloadedBytes)
        writer.int("body_bytes", http.map { Int64($0.bodyBytes) })
        // Seconds with millisecond precision, written without Foundation's number formatting.
        writer.raw("seconds", http.map { headers in
            let ms = Int((headers.totalSeconds * 1000).rounded())
            let frac = String(ms % 1000)
            return "\(ms / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
        } ?? "null")
        if let later {
            writer.beginObject("error")
            writer.string("stage", later.stage)
            writer.string("message", later.message)
            writer.endObject()
        } else if let failure = error {
            writer.beginObject("error")
            writer.string("stage", failure.stage.rawValue)
            writer.string("message", failure.message)
            writer.int("status", failure.status.map(Int64.init))
            writer.int("curl_code", failure.curlCode.map(Int64.init))
            writer.string("curl_message", failure.curlMessage)
            switch failure.retryAfter {
            case .seconds(let seconds)?: writer.int("retry_after_seconds", Int64(seconds))
            case .date(let time)?: writer.int("retry_after_seconds", max(0, time - (headers?.date ?? time)))
            case nil: break
            }
            writer.endObject()
        } else {
            writer.raw("error", "null")
        }
        writer.endObject()
    }
}

import CCurl
import FeedCore

/// Turns a finished transfer (curl's result code, what the callbacks collected, curl's
/// info) into a typed `FetchResult`.
enum ResultBuilder {
    static func result(for transfer: Transfer, easy: UnsafeMutableRawPointer, code: CURLcode, configuration: FetchConfiguration) -> FetchResult {
        var status = 0
        _ = fs_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        var scheme: UnsafeMutablePointer<CChar>?
        _ = fs_curl_easy_getinfo_string(easy, CURLINFO_SCHEME, &scheme)
        let isFile = scheme.map { String(cString: $0).lowercased() == "file" } ?? false
        var effective: UnsafeMutablePointer<CChar>?
        _ = fs_curl_easy_getinfo_string(easy, CURLINFO_EFFECTIVE_URL, &effective)
        var ip: UnsafeMutablePointer<CChar>?
        _ = fs_curl_easy_getinfo_string(easy, CURLINFO_PRIMARY_IP, &ip)
        var version = 0
        _ = fs_curl_easy_getinfo_long(easy, CURLINFO_HTTP_VERSION, &version)
        var downloaded: curl_off_t = 0
        _ = fs_curl_easy_getinfo_off(easy, CURLINFO_SIZE_DOWNLOAD_T, &downloaded)
        var micros: curl_off_t = 0
        _ = fs_curl_easy_getinfo_off(easy, CURLINFO_TOTAL_TIME_T, &micros)

        var hops = transfer.hops
        // curl stopped at a redirect it would not follow: that answer is a hop too.
        if code == CURLE_TOO_MANY_REDIRECTS, (300..<400).contains(transfer.status), let loc = transfer.headers.location {
            hops.append(RedirectHop(url: transfer.currentURL, status: transfer.status, location: URLResolver.resolve(loc, against: transfer.currentURL)))
        }
        let gotResponse = transfer.status != 0 || isFile && code == CURLE_OK
        let exchange: HTTPExchange? = gotResponse || !hops.isEmpty ? HTTPExchange(
            status: isFile ? 0 : (status != 0 ? status : transfer.status),
            effectiveURL: effective.map { String(cString: $0) } ?? transfer.currentURL,
            redirects: hops,
            headers: transfer.headers,
            httpVersion: isFile ? nil : httpVersionName(version),
            primaryIP: ip.flatMap { $0.pointee == 0 ? nil : String(cString: $0) },
            downloadedBytes: Int64(downloaded),
            bodyBytes: transfer.body.count,
            totalSeconds: Double(micros) / 1e6,
            requestHeaderLines: transfer.requestLines,
            responseHeaderLines: transfer.responseLines) : nil

        let outcome: FetchOutcome
        if code == CURLE_OK {
            outcome = httpOutcome(transfer, status: isFile ? 200 : status, headers: transfer.headers)
        } else {
            outcome = .failed(failure(transfer, code: code, hops: hops, configuration: configuration))
        }
        return FetchResult(request: transfer.request, outcome: outcome, http: exchange)
    }

    private static func httpOutcome(_ transfer: Transfer, status: Int, headers: ResponseHeaders) -> FetchOutcome {
        switch status {
        case 200..<300:
            let stored = transfer.request.validators
            if status == 200 {
                if let etag = headers.etag, etag == stored.etag { return .notModified(.sameETag) }
                if headers.etag == nil || stored.etag == nil, let lm = headers.lastModified, lm == stored.lastModified {
                    return .notModified(.sameLastModified)
                }
            }
            return .fetched(transfer.body)
        case 304:
            return .notModified(.status304)
        case 410:
            return .gone
        case 300..<400:
            let why = headers.location == nil ? "a redirect without a Location header" : "a redirect that was not followed"
            return .failed(FetchError(stage: .http, message: "HTTP \(status): \(why)", status: status))
        default:
            var msg = "HTTP \(status) \(reasonPhrase(status))".trimmingASCIISpaces()
            let retry = status == 429 || status == 503 ? headers.retryAfter : nil
            if let header = retry {
                switch header {
                case .seconds(let seconds): msg += ", retry after \(seconds) s"
                case .date: msg += ", retry after \(headers["retry-after"] ?? "")"
                }
            }
            return .failed(FetchError(stage: .http, message: msg, status: status, retryAfter: retry))
        }
    }

    private static func failure(_ transfer: Transfer, code: CURLcode, hops: [RedirectHop], configuration: FetchConfiguration) -> FetchError {
        let curlText = transfer.curlErrorText.isEmpty ? Curl.describe(code) : transfer.curlErrorText
        func error(_ stage: FetchStage, _ message: String) -> FetchError {
            FetchError(stage: stage, message: message, curlCode: Int(code.rawValue), curlMessage: curlText)
        }
        if transfer.tooLarge || code == CURLE_FILESIZE_EXCEEDED {
            let declared = transfer.headers["content-length"].map { " (Content-Length: \($0))" } ?? ""
            return error(.tooLarge, "the body is larger than the limit of \(configuration.maxBodyBytes) bytes\(declared); nothing of it was kept")
        }
        if let blocked = transfer.blockedReason {
            return error(.blocked, blocked)
        }
        switch code {
        case CURLE_URL_MALFORMAT:
            return error(.url, "\(transfer.currentURL): \(curlText)")
        case CURLE_UNSUPPORTED_PROTOCOL:
            // Schemes were checked before the transfer: here it is a redirect to a
            // disallowed scheme, or an answer that is not HTTP at all (HTTP/0.9).
            if (300..<400).contains(transfer.status), let loc = transfer.headers.location {
                return error(.redirect, "a redirect to \(URLResolver.resolve(loc, against: transfer.currentURL)), whose scheme is not allowed (http and https only)")
            }
            return error(.receive, "the server's answer is not HTTP/1.x or HTTP/2")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return error(.resolve, "could not resolve the host of \(transfer.currentURL)")
        case CURLE_COULDNT_CONNECT:
            return error(.connect, "could not connect to \(hostKey(of: transfer.currentURL) ?? transfer.currentURL)")
        case CURLE_OPERATION_TIMEDOUT:
            if curlText.contains("too slow") {
                return error(.timeout, "the server sent less than \(configuration.lowSpeedBytesPerSecond) bytes/s for \(configuration.lowSpeedSeconds) s (low-speed limit)")
            }
            if curlText.hasPrefix("Connection timed out") || curlText.hasPrefix("Resolving timed out") {
                return error(.timeout, "could not connect within \(configuration.connectTimeoutMilliseconds / 1000) s")
            }
            let what = transfer.status == 0 ? "no answer" : "no complete answer"
            return error(.timeout, "\(what) within the \(Double(configuration.totalTimeoutMilliseconds) / 1000) s limit")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
            CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_SHUTDOWN_FAILED:
            return error(.tls, "TLS failed: \(curlText)")
        case CURLE_BAD_CONTENT_ENCODING:
            return error(.decode, "the body could not be decoded (Content-Encoding: \(transfer.headers["content-encoding"] ?? "?"))")
        case CURLE_TOO_MANY_REDIRECTS:
            let urls = hops.map(\.url)
            if let last = hops.last, urls.contains(last.location) {
                return error(.redirect, "a redirect loop: \(last.location) was already visited")
            }
            return error(.redirect, "more than \(configuration.maxRedirects) redirects")
        case CURLE_FILE_COULDNT_READ_FILE:
            return error(.url, "\(transfer.currentURL): no such file, or it cannot be read")
        case CURLE_WRITE_ERROR:
            return error(.receive, "the body could not be stored")
        case CURLE_OUT_OF_MEMORY:
            // What curl answers to a header line or block over its 100 KB limit.
            return error(.tooLarge, "the answer's headers are larger than curl accepts (100 KB), or memory ran out")
        default:
            return error(.receive, curlText)
        }
    }

    private static func httpVersionName(_ version: Int) -> String? {
        switch version {
        case CURL_HTTP_VERSION_1_0: return "1.0"
        case CURL_HTTP_VERSION_1_1: return "1.1"
        case CURL_HTTP_VERSION_2_0: return "2"
        case CURL_HTTP_VERSION_3: return "3"
        default: return nil
        }
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 406: return "Not Acceptable"
        case 408: return "Request Timeout"
        case 429: return "Too Many Requests"
        case 451: return "Unavailable For Legal Reasons"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return ""
        }
    }
}

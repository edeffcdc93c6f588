import Foundation
import Synchronization
import FeedCore
import TestSupport
import Testing

@testable import FeedFetch

let sampleFeed = """
    <?xml version="1.0" encoding="UTF-8"?>
    <rss version="2.0"><channel><title>Test</title><link>https://example.com/</link>
    <item><title>One</title><link>https://example.com/1</link><guid>1</guid><description>First &amp; only.</description></item>
    </channel></rss>
    """
let sampleBytes = Array(sampleFeed.utf8)

/// An engine that may reach 127.0.0.1 (the tests' server), with short limits.
func localEngine(_ tweak: (inout FetchConfiguration) -> Void = { _ in }) throws -> FetchEngine {
    var c = FetchConfiguration()
    c.allowPrivateNetworks = true
    c.connectTimeoutMilliseconds = 3000
    c.totalTimeoutMilliseconds = 10_000
    tweak(&c)
    return try FetchEngine(configuration: c)
}

func body(_ r: FetchResult) -> [UInt8]? {
    if case .fetched(let b) = r.outcome { return b }
    return nil
}

@Suite struct ConditionalRequestTests {
    @Test func etagGivesA304() async throws {
        let server = try TestHTTPServer { req in
            if req.header("if-none-match") == "\"v1\"" { return .respond(.init(status: 304, headers: [("ETag", "\"v1\"")])) }
            return .respond(.init(headers: [("ETag", "\"v1\""), ("Content-Type", "application/rss+xml")], body: sampleBytes))
        }
        defer { server.stop() }
        let engine = try localEngine()
        let first = await engine.fetch(FetchRequest(url: server.baseURL + "/feed"))
        #expect(body(first) == sampleBytes)
        #expect(first.http?.validators == Validators(etag: "\"v1\"", lastModified: nil))
        let second = await engine.fetch(FetchRequest(url: server.baseURL + "/feed", validators: first.http!.validators))
        guard case .notModified(.status304) = second.outcome else { Issue.record("expected 304, got \(second.outcome)"); return }
        #expect(server.requests.last?.header("if-none-match") == "\"v1\"")
    }

    @Test func lastModifiedGivesA304() async throws {
        let lm = "Tue, 03 Dec 2024 10:00:00 GMT"
        let server = try TestHTTPServer { req in
            if req.header("if-modified-since") == lm { return .respond(.init(status: 304)) }
            return .respond(.init(headers: [("Last-Modified", lm)], body: sampleBytes))
        }
        defer { server.stop() }
        let engine = try localEngine()
        let first = await engine.fetch(FetchRequest(url: server.baseURL + "/feed"))
        #expect(first.http?.validators.lastModified == lm)
        let second = await engine.fetch(FetchRequest(url: server.baseURL + "/feed", validators: first.http!.validators))
        guard case .notModified(.status304) = second.outcome else { Issue.record("expected 304, got \(second.outcome)"); return }
    }

    @Test func a200WithTheStoredValidatorCountsAsUnchanged() async throws {
        // A server that ignores conditional requests, and says its answer expired already.
        let server = try TestHTTPServer { req in
            if req.path == "/lm" {
                return .respond(.init(headers: [("Last-Modified", "Tue, 03 Dec 2024 10:00:00 GMT")], body: sampleBytes))
            }
            return .respond(.init(headers: [("ETag", "W/\"abc\""), ("Expires", "0"), ("Cache-Control", "no-cache, max-age=0")], body: sampleBytes))
        }
        defer { server.stop() }
        let engine = try localEngine()
        let r = await engine.fetch(FetchRequest(url: server.baseURL + "/feed", validators: Validators(etag: "W/\"abc\"")))
        guard case .notModified(.sameETag) = r.outcome else { Issue.record("expected same-etag, got \(r.outcome)"); return }
        #expect(r.http?.headers.expires == .expired)
        #expect(r.http?.headers.cacheControl?.noCache == true)
        #expect(r.http?.headers.cacheControl?.maxAge == 0)
        let changed = await engine.fetch(FetchRequest(url: server.baseURL + "/feed", validators: Validators(etag: "W/\"old\"")))
        #expect(body(changed) == sampleBytes)
        let lm = await engine.fetch(FetchRequest(url: server.baseURL + "/lm", validators: Validators(lastModified: "Tue, 03 Dec 2024 10:00:00 GMT")))
        guard case .notModified(.sameLastModified) = lm.outcome else { Issue.record("expected same-last-modified, got \(lm.outcome)"); return }
    }
}

@Suite struct EncodingTests {
    @Test func gzipAndBrotliBodiesAreDecoded() async throws {
        let gz = try TestCompression.gzip(sampleBytes)
        let br = TestCompression.brotliStored(sampleBytes)
        let server = try TestHTTPServer { req in
            let accepted = req.header("accept-encoding") ?? ""
            if req.path == "/gzip", accepted.contains("gzip") {
                return .respond(.init(headers: [("Content-Encoding", "gzip")], body: gz))
            }
            if req.path == "/br", accepted.contains("br") {
                return .respond(.init(headers: [("Content-Encoding", "br")], body: br))
            }
            return .respond(.init(status: 406, text: "encoding not offered: \(accepted)"))
        }
        defer { server.stop() }
        let engine = try localEngine()
        let g = await engine.fetch(FetchRequest(url: server.baseURL + "/gzip"))
        #expect(body(g) == sampleBytes)
        #expect(g.http?.headers["content-encoding"] == "gzip")
        let b = await engine.fetch(FetchRequest(url: server.baseURL + "/br"))
        #expect(body(b) == sampleBytes)
        let offered = server.requests.first?.header("accept-encoding") ?? ""
        for e in Curl.encodings { #expect(offered.contains(e), "Accept-Encoding lacks \(e): \(offered)") }
    }

    @Test func chunkedAndCloseDelimitedBodies() async throws {
        let big = Array(String(repeating: sampleFeed, count: 20).utf8)
        let server = try TestHTTPServer { req in
            .respond(.init(body: big, chunked: req.path == "/chunked", closeDelimited: req.path == "/close"))
        }
        defer { server.stop() }
        let engine = try localEngine()
        #expect(body(await engine.fetch(FetchRequest(url: server.baseURL + "/chunked"))) == big)
        #expect(body(await engine.fetch(FetchRequest(url: server.baseURL + "/close"))) == big)
    }

    @Test func identityHeadersAreSent() async throws {
        let server = try TestHTTPServer { _ in .respond(.init(body: sampleBytes)) }
        defer { server.stop() }
        let engine = try localEngine()
        _ = await engine.fetch(FetchRequest(url: server.baseURL + "/feed"))
        let req = try #require(server.requests.first)
        #expect(req.header("user-agent") == "feedspool/\(FetchConfiguration.version) (+\(FetchConfiguration.projectURL))")
        #expect(req.header("accept")?.hasPrefix("application/rss+xml, application/atom+xml") == true)
        let custom = try localEngine { $0.userAgent = "probe/1" }
        _ = await custom.fetch(FetchRequest(url: server.baseURL + "/feed"))
        #expect(server.requests.last?.header("user-agent") == "probe/1")
    }
}

@Suite struct RedirectTests {
    static func server() throws -> TestHTTPServer {
        try TestHTTPServer { req in
            switch req.path {
            case "/p1": return .respond(.init(status: 301, headers: [("Location", "/p2")]))
            case "/p2": return .respond(.init(status: 308, headers: [("Location", "/final")]))
            case "/t1": return .respond(.init(status: 301, headers: [("Location", "/t2")]))
            case "/t2": return .respond(.init(status: 302, headers: [("Location", "/final")]))
            case "/loop-a": return .respond(.init(status: 301, headers: [("Location", "/loop-b")]))
            case "/loop-b": return .respond(.init(status: 302, headers: [("Location", "/loop-a")]))
            case "/to-file": return .respond(.init(status: 302, headers: [("Location", "file:///etc/passwd")]))
            case "/final": return .respond(.init(body: sampleBytes))
            default: return .respond(.init(status: 404))
            }
        }
    }

    @Test func anUnbrokenPermanentChainIsPermanent() async throws {
        let s = try Self.server()
        defer { s.stop() }
        let r = await (try localEngine()).fetch(FetchRequest(url: s.baseURL + "/p1"))
        #expect(body(r) == sampleBytes)
        #expect(r.http?.redirects.map(\.status) == [301, 308])
        #expect(r.http?.redirects.map(\.url) == [s.baseURL + "/p1", s.baseURL + "/p2"])
        #expect(r.http?.permanentRedirect == s.baseURL + "/final")
        #expect(r.http?.effectiveURL == s.baseURL + "/final")
    }

    @Test func oneTemporaryHopMakesTheChainTemporary() async throws {
        let s = try Self.server()
        defer { s.stop() }
        let r = await (try localEngine()).fetch(FetchRequest(url: s.baseURL + "/t1"))
        #expect(body(r) == sampleBytes)
        #expect(r.http?.redirects.map(\.status) == [301, 302])
        #expect(r.http?.permanentRedirect == nil)
    }

    @Test func aLoopIsReportedAsALoop() async throws {
        let s = try Self.server()
        defer { s.stop() }
        let r = await (try localEngine()).fetch(FetchRequest(url: s.baseURL + "/loop-a"))
        #expect(r.error?.stage == .redirect)
        #expect(r.error?.message.contains("loop") == true)
        #expect(s.requests.count == 6)  // the first request and 5 redirects, no more
    }

    @Test func aRedirectNeverLeadsToAFile() async throws {
        let s = try Self.server()
        defer { s.stop() }
        let r = await (try localEngine { $0.allowFileURLs = true }).fetch(FetchRequest(url: s.baseURL + "/to-file"))
        #expect(r.error?.stage == .redirect)
        #expect(body(r) == nil)
    }
}

@Suite struct StatusTests {
    @Test func statusesBecomeTypedOutcomes() async throws {
        let date = "Wed, 21 Oct 2037 07:28:00 GMT"
        let s = try TestHTTPServer { req in
            switch req.path {
            case "/gone": return .respond(.init(status: 410))
            case "/429": return .respond(.init(status: 429, headers: [("Retry-After", "120")]))
            case "/429-date": return .respond(.init(status: 429, headers: [("Retry-After", date), ("Date", "Wed, 21 Oct 2037 07:18:00 GMT")]))
            case "/503": return .respond(.init(status: 503, headers: [("Retry-After", "30")], text: "busy"))
            case "/500": return .respond(.init(status: 500, text: "oops"))
            default: return .respond(.init(status: 404, text: "<html>not here</html>"))
            }
        }
        defer { s.stop() }
        let engine = try localEngine()
        let gone = await engine.fetch(FetchRequest(url: s.baseURL + "/gone"))
        guard case .gone = gone.outcome else { Issue.record("410 → \(gone.outcome)"); return }
        let r429 = await engine.fetch(FetchRequest(url: s.baseURL + "/429"))
        #expect(r429.error?.stage == .http)
        #expect(r429.error?.status == 429)
        #expect(r429.error?.retryAfter == .seconds(120))
        let r429d = await engine.fetch(FetchRequest(url: s.baseURL + "/429-date"))
        #expect(r429d.error?.retryAfter == .date(HTTPDate.parse(date)!))
        #expect(r429d.error?.retryAfter?.delay(now: 0, serverDate: r429d.http?.headers.date) == 600)
        let r503 = await engine.fetch(FetchRequest(url: s.baseURL + "/503"))
        #expect(r503.error?.status == 503)
        #expect(r503.error?.retryAfter == .seconds(30))
        let r500 = await engine.fetch(FetchRequest(url: s.baseURL + "/500"))
        #expect(r500.error?.stage == .http)
        #expect(r500.error?.retryAfter == nil)
        let r404 = await engine.fetch(FetchRequest(url: s.baseURL + "/missing"))
        #expect(r404.error?.status == 404)
        #expect(r404.error?.message == "HTTP 404 Not Found")
        #expect(r404.http?.bodyBytes == 0)  // error pages are not kept
    }
}

@Suite struct BoundsTests {
    @Test func bodiesOverTheCapAreTooLargeInEveryShape() async throws {
        let big = [UInt8](repeating: 0x41, count: 300_000)
        let bomb = try TestCompression.gzipBomb(decodedBytes: 64 << 20)
        let s = try TestHTTPServer { req in
            switch req.path {
            case "/length": return .respond(.init(body: big))
            case "/chunked": return .respond(.init(body: big, chunked: true))
            case "/close": return .respond(.init(body: big, closeDelimited: true))
            default: return .respond(.init(headers: [("Content-Encoding", "gzip")], body: bomb))
            }
        }
        defer { s.stop() }
        let engine = try localEngine { $0.maxBodyBytes = 100_000 }
        for path in ["/length", "/chunked", "/close", "/bomb"] {
            let r = await engine.fetch(FetchRequest(url: s.baseURL + path))
            #expect(r.error?.stage == .tooLarge, "\(path): \(r.outcome)")
            #expect(r.error?.message.contains("100000 bytes") == true)
            #expect(body(r) == nil)
        }
        #expect(bomb.count < 100_000)  // the bomb itself fits; only decoding crosses the cap
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let s = try TestHTTPServer { _ in .hang }
        defer { s.stop() }
        let r = await (try localEngine { $0.totalTimeoutMilliseconds = 1500 }).fetch(FetchRequest(url: s.baseURL + "/hang"))
        #expect(r.error?.stage == .timeout)
        #expect(r.error?.message == "no answer within the 1.5 s limit")
    }

    @Test func aDrippingServerIsAbortedByTheLowSpeedLimit() async throws {
        let s = try TestHTTPServer { _ in .drip(.init(body: sampleBytes), intervalMilliseconds: 1000) }
        defer { s.stop() }
        let engine = try localEngine {
            $0.lowSpeedBytesPerSecond = 100
            $0.lowSpeedSeconds = 2
            $0.totalTimeoutMilliseconds = 60_000
        }
        let r = await engine.fetch(FetchRequest(url: s.baseURL + "/drip"))
        #expect(r.error?.stage == .timeout)
        #expect(r.error?.message.contains("low-speed limit") == true, "\(String(describing: r.error))")
    }

    @Test func brokenConnectionsAndNonHTTPAnswers() async throws {
        let s = try TestHTTPServer { req in
            switch req.path {
            case "/reset": return .reset(.init(body: sampleBytes), afterBodyBytes: 40)
            default: return .raw(Array("garbage without any status line\n".utf8))
            }
        }
        defer { s.stop() }
        let engine = try localEngine()
        let reset = await engine.fetch(FetchRequest(url: s.baseURL + "/reset"))
        #expect(reset.error?.stage == .receive, "\(reset.outcome)")
        let garbage = await engine.fetch(FetchRequest(url: s.baseURL + "/http09"))
        #expect(garbage.error?.stage == .receive, "\(garbage.outcome)")
    }

    @Test func refusedConnectionsAndBadURLs() async throws {
        let s = try TestHTTPServer { _ in .respond(.init(body: sampleBytes)) }
        let port = s.port
        s.stop()  // nothing listens there any more
        let engine = try localEngine()
        let refused = await engine.fetch(FetchRequest(url: "http://127.0.0.1:\(port)/"))
        #expect(refused.error?.stage == .connect)
        #expect(await engine.fetch(FetchRequest(url: "ftp://example.com/feed")).error?.stage == .url)
        #expect(await engine.fetch(FetchRequest(url: "feed.xml")).error?.stage == .url)
        #expect(await engine.fetch(FetchRequest(url: "file:///etc/hostname")).error?.stage == .url)
        #expect(await engine.fetch(FetchRequest(url: "http:///nohost")).error?.stage == .url)
    }

    @Test func fileURLsWhenAllowed() async throws {
        let dir = try Binaries.tempDirectory("file-url")
        let path = dir.appendingPathComponent("feed.xml").path
        try sampleFeed.write(toFile: path, atomically: true, encoding: .utf8)
        let r = await (try localEngine { $0.allowFileURLs = true }).fetch(FetchRequest(url: "file://" + path))
        #expect(body(r) == sampleBytes)
        #expect(r.http?.status == 0)
    }
}

@Suite struct PolitenessTests {
    @Test func neverMoreThanThePerHostCapInFlight() async throws {
        let s = try TestHTTPServer { _ in .respond(.init(body: sampleBytes, delayMilliseconds: 150)) }
        defer { s.stop() }
        let engine = try localEngine { $0.maxPerHost = 2 }
        await withTaskGroup(of: Void.self) { g in
            for i in 0..<10 { g.addTask { _ = await engine.fetch(FetchRequest(url: s.baseURL + "/f\(i)")) } }
        }
        #expect(s.requests.count == 10)
        #expect(s.peakInFlight == 2)  // the cap, and concurrency up to it
    }

    /// The metrics' view of the hosts: in flight and held per host while requests run,
    /// nothing once they are done, and each request the host's cap held counted once. The
    /// server holds its first answer until the view was seen (or three minutes), so that a
    /// loaded machine cannot hide the moment.
    @Test func hostLoadCountsInFlightHeldAndWaits() async throws {
        let gate = Atomic<Bool>(false)
        let s = try TestHTTPServer { _ in
            let deadline = Date().addingTimeInterval(200)
            while !gate.load(ordering: .acquiring) && Date() < deadline { usleep(1000) }
            return .respond(.init(body: sampleBytes))
        }
        defer { s.stop() }
        let load = HostLoad()
        var c = FetchConfiguration()
        c.allowPrivateNetworks = true
        c.maxPerHost = 1
        let engine = try FetchEngine(configuration: c, hostLoad: load)
        let seen = Locked<HostLoad.Snapshot?>(nil)
        // Bounded generously: the fetches are submitted from the shared task pool, which
        // other tests' blocking work can hold for a long while under a sanitizer.
        let watcher = Thread {
            let deadline = Date().addingTimeInterval(180)
            while Date() < deadline {
                let snap = load.snapshot
                if snap.inFlight["127.0.0.1"] == 1 && snap.queued["127.0.0.1"] == 2 {
                    seen.withLock { $0 = snap }
                    break
                }
                usleep(1000)
            }
            gate.store(true, ordering: .releasing)
        }
        watcher.start()
        await withTaskGroup(of: Void.self) { g in
            for i in 0..<3 { g.addTask { _ = await engine.fetch(FetchRequest(url: s.baseURL + "/f\(i)")) } }
        }
        #expect(seen.withLock { $0 } != nil, "never saw one in flight and two held")
        let after = load.snapshot
        #expect(after.inFlight.isEmpty && after.queued.isEmpty, "\(after)")
        #expect(after.hostWaits == 2)
    }

    @Test func theGlobalCapHoldsAcrossHosts() async throws {
        // Two hosts as the engine counts them (127.0.0.1 and localhost), one server.
        let s = try TestHTTPServer { _ in .respond(.init(body: sampleBytes, delayMilliseconds: 150)) }
        defer { s.stop() }
        let engine = try localEngine {
            $0.maxPerHost = 3
            $0.maxConcurrent = 4
        }
        await withTaskGroup(of: Void.self) { g in
            for i in 0..<12 {
                let host = i % 2 == 0 ? "127.0.0.1" : "localhost"
                g.addTask { _ = await engine.fetch(FetchRequest(url: "http://\(host):\(s.port)/f\(i)")) }
            }
        }
        #expect(s.requests.count == 12)
        #expect(s.peakInFlight <= 4)
        #expect(s.peakInFlight >= 3)
    }

    @Test func cancellingACallerAbortsItsTransfer() async throws {
        let s = try TestHTTPServer { _ in .hang }
        defer { s.stop() }
        let engine = try localEngine { $0.totalTimeoutMilliseconds = 30_000 }
        let task = Task { await engine.fetch(FetchRequest(url: s.baseURL + "/hang")) }
        for _ in 0..<200 where s.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        task.cancel()
        let r = await task.value
        #expect(r.error?.stage == .cancelled)
    }

    @Test func shutdownAnswersEveryWaitingCaller() async throws {
        let s = try TestHTTPServer { _ in .hang }
        defer { s.stop() }
        let engine = try localEngine { $0.maxPerHost = 1 }
        let tasks = (0..<3).map { i in Task { await engine.fetch(FetchRequest(url: s.baseURL + "/h\(i)")) } }
        for _ in 0..<200 where s.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        engine.shutdown()
        for t in tasks { #expect(await t.value.error?.stage == .cancelled) }
    }
}

@Suite struct PrivateNetworkTests {
    @Test func loopbackIsRefusedUnlessAllowed() async throws {
        let s = try TestHTTPServer { _ in .respond(.init(body: sampleBytes)) }
        defer { s.stop() }
        let engine = try FetchEngine(configuration: FetchConfiguration())
        for host in ["127.0.0.1", "localhost"] {
            let r = await engine.fetch(FetchRequest(url: "http://\(host):\(s.port)/feed"))
            #expect(r.error?.stage == .blocked, "\(host): \(r.outcome)")
            #expect(r.error?.message.contains("loopback") == true)
            #expect(r.error?.message.contains("allow_private_networks") == true)
        }
        #expect(s.requests.isEmpty)
    }

    @Test func addressRanges() {
        let blocked: [[UInt8]] = [[127, 0, 0, 1], [10, 1, 2, 3], [172, 16, 0, 1], [172, 31, 255, 255], [192, 168, 1, 1], [169, 254, 169, 254], [0, 0, 0, 0], [100, 64, 0, 1], [224, 0, 0, 1]]
        for a in blocked { #expect(AddressPolicy.privateRange(ipv4: a) != nil, "\(a)") }
        let open: [[UInt8]] = [[8, 8, 8, 8], [172, 32, 0, 1], [192, 169, 0, 1], [1, 1, 1, 1], [100, 128, 0, 1]]
        for a in open { #expect(AddressPolicy.privateRange(ipv4: a) == nil, "\(a)") }
        func v6(_ groups: [UInt16]) -> [UInt8] { groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }
        #expect(AddressPolicy.privateRange(ipv6: v6([0, 0, 0, 0, 0, 0, 0, 1])) != nil)
        #expect(AddressPolicy.privateRange(ipv6: v6([0xFE80, 0, 0, 0, 0, 0, 0, 1])) != nil)
        #expect(AddressPolicy.privateRange(ipv6: v6([0xFD00, 1, 0, 0, 0, 0, 0, 1])) != nil)
        #expect(AddressPolicy.privateRange(ipv6: v6([0, 0, 0, 0, 0, 0xFFFF, 0x7F00, 1])) != nil)  // ::ffff:127.0.0.1
        #expect(AddressPolicy.privateRange(ipv6: v6([0x2002, 0x0A00, 1, 0, 0, 0, 0, 1])) != nil)  // 6to4 of 10.0.0.1
        #expect(AddressPolicy.privateRange(ipv6: v6([0x2606, 0x4700, 0, 0, 0, 0, 0, 0x1111])) == nil)
        #expect(AddressPolicy.privateRange(ipv6: v6([0, 0, 0, 0, 0, 0xFFFF, 0x0808, 0x0808])) == nil)
        #expect(AddressPolicy.format(ipv6: v6([0xFE80, 0, 0, 0, 0, 0, 0, 1])) == "fe80::1")
        #expect(AddressPolicy.format(ipv6: v6([0x2001, 0xDB8, 0, 1, 0, 0, 0, 1])) == "2001:db8:0:1::1")
    }
}

@Suite struct HeaderTests {
    @Test func cacheHeadersAndRetryAfter() {
        let h = ResponseHeaders(fields: [
            ("Cache-Control", "public, max-age=600"), ("cache-control", "must-revalidate"),
            ("Expires", "Thu, 01 Dec 1994 16:00:00 GMT"), ("Age", "30"), ("Date", "Thu, 01 Dec 1994 15:00:00 GMT"),
            ("Content-Type", "application/rss+xml; charset=\"ISO-8859-1\""), ("ETag", "\"x\""), ("Retry-After", "Fri, 31 Dec 1999 23:59:59 GMT"),
        ])
        #expect(h.cacheControl?.maxAge == 600)
        #expect(h.cacheControl?.mustRevalidate == true)
        #expect(h.expires == .at(786_297_600))
        #expect(h.age == 30)
        #expect(h.date == 786_294_000)
        #expect(h.charset == "iso-8859-1")
        #expect(h.etag == "\"x\"")
        #expect(h.retryAfter == .date(946_684_799))
        #expect(RetryAfter(parsing: "120") == .seconds(120))
        #expect(RetryAfter(parsing: "soon") == nil)
        #expect(RetryAfter.date(1000).delay(now: 400, serverDate: nil) == 600)
        #expect(RetryAfter.date(1000).delay(now: 2000, serverDate: nil) == 0)
        #expect(Expires(parsing: "0") == .expired)
        #expect(Expires(parsing: "-1") == .expired)
        #expect(CacheControl(parsing: "no-store, max-age=\"60\"").maxAge == 60)
        #expect(ContentType.mediaType(of: "Application/RSS+XML ; charset=utf-8") == "application/rss+xml")
    }

    @Test func hostKeys() {
        #expect(hostKey(of: "https://User:pw@Example.COM.:8443/feed?x#y") == "example.com")
        #expect(hostKey(of: "http://[::1]:8080/") == "::1")
        #expect(hostKey(of: "file:///etc/x") == "")
        #expect(hostKey(of: "mailto:x@y") == nil)
    }
}

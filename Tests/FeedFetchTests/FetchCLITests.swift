import Foundation
import TestSupport
import Testing

/// The real `feedspool fetch` against the scripted server.
@Suite struct FetchCLITests {
    static func server() throws -> TestHTTPServer {
        try TestHTTPServer { req in
            switch req.path {
            case "/old": return .respond(.init(status: 301, headers: [("Location", "/moved")]))
            case "/moved": return .respond(.init(status: 308, headers: [("Location", "/feed")]))
            case "/feed": return .respond(.init(headers: [("ETag", "\"e1\""), ("Cache-Control", "max-age=900"), ("Content-Type", "application/rss+xml; charset=utf-8")], body: sampleBytes))
            case "/page": return .respond(.init(headers: [("Content-Type", "text/html")], text: "<!DOCTYPE html><html><body>Not a feed</body></html>"))
            default: return .respond(.init(status: 404, text: "no"))
            }
        }
    }

    func objects(_ stdout: String) throws -> [String: [String: Any]] {
        var byURL: [String: [String: Any]] = [:]
        for line in stdout.split(separator: "\n") {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            byURL[o["url"] as? String ?? ""] = o
        }
        return byURL
    }

    @Test func jsonReportsEveryURLWithItsHTTPStory() throws {
        let s = try Self.server()
        defer { s.stop() }
        let urls = ["/old", "/missing", "/page"].map { s.baseURL + $0 }
        let r = try Binaries.run("feedspool", ["fetch", "--json", "--allow-private-networks"] + urls, timeout: 30)
        #expect(r.status == 1)  // two of three failed
        let o = try objects(r.stdout)
        #expect(o.count == 3)

        let ok = try #require(o[urls[0]])
        let items = try #require(ok["items"] as? [[String: Any]])
        #expect(items.first?["title"] as? String == "One")
        #expect(items.first?["summary"] as? String == "First & only.")
        let http = try #require(ok["http"] as? [String: Any])
        #expect(http["status"] as? Int == 200)
        #expect(http["outcome"] as? String == "fetched")
        #expect(http["effective_url"] as? String == s.baseURL + "/feed")
        #expect((http["redirects"] as? [[String: Any]])?.compactMap { $0["status"] as? Int } == [301, 308])
        #expect(http["permanent_redirect"] as? String == s.baseURL + "/feed")
        #expect(http["etag"] as? String == "\"e1\"")
        #expect(http["max_age"] as? Int == 900)
        #expect(http["charset"] as? String == "utf-8")
        #expect(http["error"] is NSNull)

        let missing = try #require(o[urls[1]]?["http"] as? [String: Any])
        #expect((missing["error"] as? [String: Any])?["stage"] as? String == "http")
        #expect(missing["status"] as? Int == 404)
        let page = try #require(o[urls[2]]?["http"] as? [String: Any])
        #expect((page["error"] as? [String: Any])?["stage"] as? String == "parse")
        #expect(r.stderr.contains("\(urls[2]): FAIL (parse)"))
        #expect(r.stderr.contains("\(urls[1]): FAIL (http): HTTP 404 Not Found"))
    }

    @Test func articlesAndVerboseHeaders() throws {
        let s = try Self.server()
        defer { s.stop() }
        let r = try Binaries.run("feedspool", ["fetch", "-v", "--allow-private-networks", s.baseURL + "/feed"], timeout: 30)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("==> 000_"))
        #expect(r.stdout.contains(" One\n\nFirst & only.\n"))
        #expect(r.stderr.contains("> GET /feed HTTP/1.1"))
        #expect(r.stderr.contains("< HTTP/1.1 200 OK"))
        #expect(r.stderr.contains(": OK 200, 1 items"))

        let cond = try Binaries.run("feedspool", ["fetch", "--allow-private-networks", "--etag", "\"e1\"", s.baseURL + "/feed"], timeout: 30)
        #expect(cond.status == 0)
        #expect(cond.stdout.isEmpty)
        #expect(cond.stderr.contains("unchanged (same-etag)"))
    }

    @Test func privateAddressesAreRefusedByDefault() throws {
        let s = try Self.server()
        defer { s.stop() }
        let r = try Binaries.run("feedspool", ["fetch", s.baseURL + "/feed"], timeout: 30)
        #expect(r.status == 1)
        #expect(r.stderr.contains("FAIL (blocked): refused to connect to 127.0.0.1: loopback"))
        #expect(s.requests.isEmpty)
    }
}

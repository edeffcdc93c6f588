import FeedCore
import FeedExtract
import Foundation
import TestSupport
import Testing

@testable import FeedFetch
@testable import FeedIngest

/// How a page request's answer is read: the page's text, a final reason for the feed's,
/// or another try later.
@Suite struct PageFetchTests {
    static let story = (0..<5).map { "Paragraph \($0) of the story about the harbour dredging, which the port began in May with two barges and a crane." }

    static func page(_ paragraphs: [String]) -> String {
        "<html><head><title>Dredging</title></head><body><nav><a href=\"/\">Home</a></nav><article><h1>Dredging</h1>"
            + paragraphs.map { "<p>\($0)</p>" }.joined() + "</article><footer>© Port News</footer></body></html>"
    }

    @Test func everyKindOfAnswer() async throws {
        let server = try TestHTTPServer { req in
            switch req.path {
            case "/good.html": return .respond(.init(headers: [("Content-Type", "text/html; charset=utf-8")], text: Self.page(Self.story)))
            case "/wall.html":
                let wall = (0..<6).map { _ in "Subscribe today for unlimited access to all our journalism, on every device, wherever you are." }
                return .respond(.init(headers: [("Content-Type", "text/html")], text: Self.page(wall)))
            case "/empty.html": return .respond(.init(headers: [("Content-Type", "text/html")], text: "<html><body><nav><a href=\"/\">Home</a></nav></body></html>"))
            case "/paper.pdf": return .respond(.init(headers: [("Content-Type", "application/pdf")], text: "%PDF-1.7"))
            case "/gone.html": return .respond(.init(status: 410))
            case "/busy.html": return .respond(.init(status: 429, headers: [("Retry-After", "7")], text: "slow down"))
            case "/down.html": return .respond(.init(status: 503, text: "maintenance"))
            case "/broken.html": return .respond(.init(status: 500, text: "oops"))
            default: return .respond(.init(status: 404))
            }
        }
        defer { server.stop() }
        var c = FetchConfiguration()
        c.allowPrivateNetworks = true
        let engine = try FetchEngine(configuration: c)
        defer { engine.shutdown() }
        func attempt(_ path: String) async -> PageAttempt {
            await PageFetch.page(server.baseURL + path, title: "The harbour dredging", feedText: "Paragraph 0 of the story about the harbour dredging…", engine: engine).attempt
        }
        guard case .done(.page(let text)) = await attempt("/good.html") else {
            Issue.record("the good page gave no text")
            return
        }
        #expect(text.body == Self.story.joined(separator: "\n\n"))
        #expect(await attempt("/wall.html") == .done(.feed(.implausible, "the page's text agrees with neither the title nor the feed's text (a paywall, a consent wall or a wrong redirect?)")))
        guard case .done(.feed(.noArticle, _)) = await attempt("/empty.html") else {
            Issue.record("an empty page is no article")
            return
        }
        #expect(await attempt("/paper.pdf") == .done(.feed(.notHTML, "the page is not HTML (application/pdf)")))
        #expect(await attempt("/missing.html") == .done(.feed(.http, "the page answered 404")))
        #expect(await attempt("/gone.html") == .done(.feed(.http, "the page answered 410 Gone")))
        #expect(await attempt("/busy.html") == .retry("the page answered 429", retryAfter: 7))
        #expect(await attempt("/down.html") == .retry("the page answered 503", retryAfter: nil))
        #expect(await attempt("/broken.html") == .retry("the page answered 500", retryAfter: nil))
        // A page request says what it wants.
        #expect(server.requests.first { $0.path == "/good.html" }?.header("accept")?.hasPrefix("text/html") == true)
    }

    @Test func robotsTxtAnswers() async throws {
        let server = try TestHTTPServer { _ in .respond(.init(status: 404)) }
        defer { server.stop() }
        let rules = try TestHTTPServer { _ in .respond(.init(text: "User-agent: *\nDisallow: /private/\n")) }
        defer { rules.stop() }
        let broken = try TestHTTPServer { _ in .respond(.init(status: 500)) }
        defer { broken.stop() }
        var c = FetchConfiguration()
        c.allowPrivateNetworks = true
        let engine = try FetchEngine(configuration: c)
        defer { engine.shutdown() }
        guard case .rules(let none) = await PageFetch.robots(origin: server.baseURL, engine: engine) else {
            Issue.record("a 404 robots.txt allows all")
            return
        }
        #expect(none.allows("/anything", agent: "feedspool"))
        guard case .rules(let some) = await PageFetch.robots(origin: rules.baseURL, engine: engine) else {
            Issue.record("no rules read")
            return
        }
        #expect(!some.allows("/private/a", agent: "feedspool") && some.allows("/public/a", agent: "feedspool"))
        guard case .unreachable = await PageFetch.robots(origin: broken.baseURL, engine: engine) else {
            Issue.record("a 500 robots.txt holds the site's pages")
            return
        }
    }

    @Test func failuresWithoutAnAnswerAreReadByTheirStage() {
        func failed(_ stage: FetchStage) -> PageAttempt {
            PageFetch.classify(failure: FetchResult(request: FetchRequest(url: "https://x.example/"), outcome: .failed(FetchError(stage: stage, message: "m")), http: nil))
        }
        #expect(failed(.resolve) == .done(.feed(.dns, "the page's site does not resolve: m")))
        #expect(failed(.tooLarge) == .done(.feed(.tooLarge, "m")))
        for stage: FetchStage in [.blocked, .url, .redirect, .tls, .decode] {
            guard case .done(.feed(.refused, _)) = failed(stage) else {
                Issue.record("\(stage) is final")
                continue
            }
        }
        for stage: FetchStage in [.connect, .timeout, .receive] {
            #expect(failed(stage) == .retry("\(stage.rawValue): m", retryAfter: nil))
        }
        #expect(failed(.cancelled) == .cancelled)
    }

    @Test func sitesAreSchemeHostAndPort() {
        #expect(PageFetch.site(of: "HTTPS://News.Example:8443/a/b?c=d#e")! == ("https://news.example:8443", "/a/b?c=d"))
        #expect(PageFetch.site(of: "http://example.org")! == ("http://example.org", "/"))
        #expect(PageFetch.site(of: "file:///srv/a.html") == nil)
        #expect(PageFetch.site(of: "https:///nohost") == nil)
    }
}

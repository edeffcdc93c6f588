import FeedCore
@testable import FeedExtract
@testable import FeedParser
import Foundation
import TestSupport
import Testing

/// The project's own pages, each with what extraction must give (`NAME.expected.json`: the
/// `extract --json` object, or the "no article" reason).
@Suite struct ExtractionFixtureTests {
    static let pages = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/pages")

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: pages.path)) ?? []).filter { $0.hasSuffix(".html") }.sorted()
    }

    static func extract(_ name: String) throws -> String {
        let bytes = Array(try Data(contentsOf: pages.appendingPathComponent(name)))
        let page = PageParser.parse(bytes)
        do {
            return try ArticleExtractor.extract(page.tree, url: "https://pages.example/" + name).json + "\n"
        } catch {
            return "\(error)\n"
        }
    }

    @Test(arguments: names)
    func matchesItsGolden(_ name: String) throws {
        Golden.check(try Self.extract(name), Self.pages.appendingPathComponent(name.replacingOccurrences(of: ".html", with: ".expected.json")))
    }

    /// What each page is there to show, said plainly (the goldens hold the rest).
    @Test func eachPageGivesWhatItIsThereFor() throws {
        func article(_ name: String) throws -> [String: Any] {
            let line = try Self.extract(name)
            return try #require((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], "\(name): \(line)")
        }
        let news = try article("news-with-clutter.html")
        let body = try #require(news["body"] as? String)
        #expect(body.hasPrefix("The harbour bridge reopened"))
        #expect(body.contains("The bridge at dawn on Thursday"))  // the figure's caption is text of the story
        #expect(body.hasSuffix("during the works."))
        for clutter in ["cookies", "Most read", "Related", "Sign up", "morning briefing", "Comments", "Share", "Finally!", "© 2024", "By Mara Lind"] {
            #expect(!body.contains(clutter), "\(clutter)")
        }
        #expect(news["title"] as? String == "Harbour bridge reopens after two-year repair")
        #expect(news["author"] as? String == "Mara Lind")
        #expect(news["language"] as? String == "en-GB")

        let ld = try article("jsonld-article.html")
        #expect(ld["source"] as? String == "json-ld")
        #expect(ld["author"] as? String == "Ada Quill, Ben Ortiz")
        #expect(ld["published_local"] as? String == "2024-03-09T16:30:00-05:00")
        #expect((ld["confidence"] as? Double ?? 0) >= 0.9)

        let disagreeing = try article("jsonld-disagrees.html")
        #expect((disagreeing["body"] as? String)?.contains("marathon") == false)
        #expect((disagreeing["body"] as? String)?.hasPrefix("The city library") == true)
        #expect((disagreeing["confidence"] as? Double ?? 1) < 0.6)

        let drawn = try article("script-drawn.html")
        #expect(drawn["source"] as? String == "json-ld")
        #expect((drawn["body"] as? String)?.hasPrefix("Pour la première fois") == true)

        #expect(try article("microdata.html")["source"] as? String == "microdata")
        #expect((try article("windows-1252.html")["body"] as? String)?.contains("“first real weekend of spring”") == true)
        #expect((try article("shift_jis.html")["body"] as? String)?.hasPrefix("気象台によると") == true)
        for none in ["paywall-teaser.html", "consent-wall.html", "index-page.html"] {
            #expect(try Self.extract(none).hasPrefix("no article: "), "\(none)")
        }
    }
}

/// Pages built to exhaust an extractor: every one ends, bounded, with an answer.
@Suite struct HostilePageTests {
    static func page(_ body: String) -> [UInt8] { Array("<html><body>\(body)</body></html>".utf8) }

    @Test func deepNestingIsBounded() {
        let html = String(repeating: "<div>", count: 100_000) + "<p>" + String(repeating: "word ", count: 200) + "</p>"
        let result = PageParser.parse(Self.page(html))
        // Cut at the depth bound (100,000 nodes would fit the node bound): the text below
        // joins the deepest element kept, and extraction still answers.
        #expect(result.truncated)
        #expect(result.tree.count < PageTree.maxDepth + 16)
        #expect(result.tree.rawText(of: 0).contains("word word"))
        _ = try? ArticleExtractor.extract(result.tree)
    }

    @Test func aHundredThousandElementsAreBounded() {
        let html = String(repeating: "<span>x</span><b>y</b>", count: 150_000)
        let result = PageParser.parse(Self.page(html))
        #expect(result.tree.count <= PageTree.maxNodes)
        #expect(result.truncated)
        #expect(throws: NoArticle.self) { try ArticleExtractor.extract(result.tree) }
    }

    @Test func hugeAttributesAndScriptFloodsLeaveTheArticle() throws {
        let article = "<article><h1>Title</h1>" + String(repeating: "<p>" + String(repeating: "Plain words of the story, with commas, go on. ", count: 8) + "</p>", count: 6) + "</article>"
        let flood = String(repeating: "<script>var x = '" + String(repeating: "z", count: 2_000) + "';</script>", count: 2_000)
        let attribute = "<div class=\"" + String(repeating: "c", count: 3_000_000) + "\">ad</div>"
        let extracted = try ArticleExtractor.extract(PageParser.parse(Self.page(flood + attribute + article)).tree)
        #expect(extracted.body.hasPrefix("Plain words of the story"))
        #expect(!extracted.body.contains("zzz") && !extracted.body.contains("var x"))
    }

    @Test func pagesOverTheCapAreCut() {
        let big = Self.page("<article>" + String(repeating: "<p>Some words here, and more words there.</p>", count: 250_000) + "</article>")
        #expect(big.count > PageParser.maxBytes)
        let result = PageParser.parse(big)
        #expect(result.truncated)
    }
}

@Suite struct PageEncodingTests {
    @Test(arguments: [
        ("<meta charset=\"windows-1252\">", "windows-1252"), ("<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=Shift_JIS\">", "shift_jis"),
        ("<meta charset='iso-8859-2' />", "iso-8859-2"), ("<meta name=description content=\"charset\">", nil),
    ])
    func metaCharsetIsRead(_ c: (String, String?)) {
        let bytes = Array(("<html><head>" + c.0 + "</head>").utf8)
        #expect(bytes.withUnsafeBufferPointer { PageParser.metaCharset($0) } == c.1)
    }

    @Test func theOrderIsBOMThenHTTPThenMetaThenTheBytes() {
        let latin: [UInt8] = Array("<html><head><meta charset=\"koi8-r\"></head><body>caf".utf8) + [0xE9] + Array("</body></html>".utf8)
        #expect(PageParser.parse(latin).charset == "KOI8-R")
        #expect(PageParser.parse(latin, contentType: "text/html; charset=iso-8859-1").charset == "windows-1252")
        #expect(PageParser.parse([0xEF, 0xBB, 0xBF] + latin, contentType: "text/html; charset=iso-8859-1").charsetReason == "BOM")
        let undeclared: [UInt8] = Array("<p>caf".utf8) + [0xE9] + Array(" noir</p>".utf8)
        #expect(PageParser.parse(undeclared).charset == "windows-1252")
        #expect(PageParser.parse(Array("<p>café</p>".utf8)).charset == "UTF-8")
    }
}

@Suite struct TextOverlapTests {
    @Test func shinglesAreFourWordRunsCounted() {
        #expect(TextOverlap.shingles("a b c d e") == ["a b c d": 1, "b c d e": 1])
        #expect(TextOverlap.shingles("One, two; three! four.") == ["One two three four": 1])
        #expect(TextOverlap.containment(of: "a b c d e", in: "x a b c d e y") == 1)
        #expect(TextOverlap.containment(of: "a b c d e", in: "p q r s t") == 0)
        let c = TextOverlap.confusion(extracted: "a b c d e f", reference: "a b c d e")
        #expect(abs(c.tp - 2.0 / 3) < 1e-9 && abs(c.fp - 1.0 / 3) < 1e-9 && c.fn == 0)
    }
}

/// The real `feedspool extract`, as a user runs it.
@Suite struct ExtractCLITests {
    static func path(_ name: String) -> String { ExtractionFixtureTests.pages.appendingPathComponent(name).path }

    @Test func manyPagesInOneProcessWithTheReasonForEachWithout() throws {
        let r = try Binaries.run("feedspool", [
            "extract", "--json", "--url", "https://pages.example/x", Self.path("jsonld-article.html"), Self.path("index-page.html"),
            Self.path("news-with-clutter.html"),
        ])
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.hasPrefix("{\"url\":\"https://pages.example/x\"") })
        #expect(r.stderr.contains("index-page.html: no article: "))
        #expect(!r.stderr.contains("jsonld-article.html"))
    }

    @Test func articlesInTheArticleFormatFromStandardInput() throws {
        let page = try String(contentsOfFile: Self.path("news-with-clutter.html"), encoding: .utf8)
        let r = try Binaries.run("feedspool", ["extract", "-"], stdin: page)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("==> 000_"))
        #expect(r.stdout.contains(" date 2024-11-28 Harbour bridge reopens after two-year repair\n\nThe harbour bridge reopened"))
        let explained = try Binaries.run("feedspool", ["extract", "--explain", Self.path("news-with-clutter.html")])
        #expect(explained.stderr.contains("candidate <div class=\"story-body\">"))
        #expect(explained.stderr.contains("body (article)"))
    }

    @Test func theContentTypeCharsetComesBeforeTheMeta() throws {
        // The windows-1252 page's bytes, said to be ISO-8859-1 by HTTP: the same reading.
        let r = try Binaries.run("feedspool", ["extract", "--json", "--content-type", "text/html; charset=ISO-8859-1", Self.path("windows-1252.html")])
        #expect(r.status == 0)
        #expect(r.stdout.contains("“first real weekend of spring”"))
    }
}

@Suite struct ScriptTextTests {
    static func lean(_ html: String) -> String {
        let bytes = Array(html.utf8)
        return String(decoding: bytes.withUnsafeBufferPointer { PageParser.withoutScriptText($0) }, as: UTF8.self)
    }

    @Test(arguments: [
        ("<p>a</p><script>var s = '<p>x</p>';</script><p>b</p>", "<p>a</p><script></script><p>b</p>"),
        ("<SCRIPT type=\"text/javascript\">x()</Script ><p>b</p>", "<SCRIPT type=\"text/javascript\"></Script ><p>b</p>"),
        ("<script type=\"application/ld+json\">{\"a\":1}</script>", "<script type=\"application/ld+json\">{\"a\":1}</script>"),
        ("<script data-x=\"a>b\">code</script>", "<script data-x=\"a>b\"></script>"),
        ("<style>p { color: red }</style><p>t</p>", "<style></style><p>t</p>"),
        ("<svg viewBox=\"0 0 1 1\"><path d=\"M0\"/><text>icon</text></svg>after", "<svg viewBox=\"0 0 1 1\"></svg>after"),
        ("a<!-- <script> not one --><p>b</p>", "a<p>b</p>"),
        ("<scripts>kept</scripts><stylesheet>kept</stylesheet>", "<scripts>kept</scripts><stylesheet>kept</stylesheet>"),
        ("<script>never closed <p>text</p>", "<script>"),  // as in a browser: the rest is script
    ])
    func scriptsStylesSVGAndCommentsLoseTheirText(_ c: (String, String)) {
        #expect(Self.lean(c.0) == c.1)
    }
}

@Suite struct TeaserRuleTests {
    static let long = String(repeating: "A sentence of the article, with its words in it. ", count: 20)

    @Test(arguments: [
        ("", true, "no text"), ("Harbour bridge reopens", true, "only the title"),
        ("The bridge reopened on Thursday after two years of repairs, the council said…", true, "ellipsis"),
        ("The bridge reopened on Thursday after two years [...]", true, "ellipsis"),
        ("The bridge reopened on Thursday.\n\nRead more", true, "read more"),
        ("Die Brücke ist wieder offen.\n\nWeiterlesen", true, "read more"),
        ("The bridge reopened on Thursday after two years of repairs.", true, "only 10 words"),
        (long, false, "carries"),
    ])
    func judgesTheFeedsText(_ c: (String, Bool, String)) {
        let verdict = TeaserRule.judge(title: "Harbour bridge reopens", text: c.0)
        #expect(verdict.teaser == c.1, "\(verdict)")
        #expect(verdict.reason.contains(c.2), "\(verdict.reason)")
    }

    @Test func aPageMustAgreeWithTheItem() {
        let page = "Intro line. " + TeaserRuleTests.long + " The harbour bridge reopened on Thursday morning after two years of repairs to its supports."
        let teaser = "The harbour bridge reopened on Thursday morning after two years of repairs to its supports.\n\nRead more"
        #expect(Plausibility.check(pageText: page, title: "Harbour bridge reopens", feedText: teaser).plausible)
        // No teaser text to compare, but the title's words lead the page.
        #expect(Plausibility.check(pageText: "Harbour bridge reopens after repair. " + TeaserRuleTests.long, title: "Harbour bridge reopens after repair", feedText: "").plausible)
        // A wall, a wrong page: neither the teaser nor the title.
        let wall = String(repeating: "Subscribe to our newsletter for unlimited access to every story we publish. ", count: 10)
        let verdict = Plausibility.check(pageText: wall, title: "Harbour bridge reopens", feedText: teaser)
        #expect(!verdict.plausible)
        #expect(verdict.reason.contains("neither the title nor the feed's text"))
        #expect(!Plausibility.check(pageText: "Too short.", title: "Harbour bridge reopens", feedText: teaser).plausible)
    }
}

@Suite struct RobotsTxtTests {
    static let text = """
        # comments are ignored
        User-agent: otherbot
        Disallow: /

        User-agent: FeedSpool
        User-agent: another
        Disallow: /private/
        Allow: /private/open
        Disallow: /*.pdf$
        Crawl-delay: 2.5

        User-agent: *
        Disallow: /search
        """

    @Test func theGroupOfTheAgentThenTheLongestRule() {
        let r = RobotsTxt(text: Self.text)
        let agent = "feedspool/0.1 (+https://example.org)"
        #expect(r.allows("/news/1.html", agent: agent))
        #expect(!r.allows("/private/secret.html", agent: agent))
        #expect(r.allows("/private/open/page.html", agent: agent))  // the longer Allow wins
        #expect(!r.allows("/files/report.pdf", agent: agent))
        #expect(r.allows("/files/report.pdf?x=1", agent: agent))  // $ anchors the end
        #expect(r.allows("/search", agent: agent))  // our group says nothing of /search
        #expect(r.crawlDelay(agent: agent) == 2.5)
        #expect(!r.allows("/search?q=x", agent: "somebot/1.0"))  // the * group
        #expect(!r.allows("/anything", agent: "OtherBot"))
        #expect(RobotsTxt.allowAll.allows("/x", agent: agent))
        #expect(RobotsTxt(text: "User-agent: *\nDisallow:\n").allows("/x", agent: agent))  // empty Disallow: all allowed
    }

    /// A hostile file cannot make matching blow up: many stars against a long path that
    /// almost matches (exponential for a backtracking matcher) answer at once.
    @Test func manyStarsMatchInLinearTime() {
        let stars = "User-agent: *\nDisallow: /" + String(repeating: "*a", count: 40) + "b$\n"
        let r = RobotsTxt(text: stars)
        #expect(r.allows("/" + String(repeating: "a", count: 5_000), agent: "x"))
        #expect(!r.allows("/" + String(repeating: "a", count: 50) + "b", agent: "x"))
        #expect(RobotsTxt.matches(Array("/a*c".utf8), Array("/abbbc/d".utf8)))
        #expect(!RobotsTxt.matches(Array("/a*c$".utf8), Array("/abbbc/d".utf8)))
        #expect(RobotsTxt.matches(Array("*".utf8), Array("".utf8)))
    }
}

/// `feedspool fetch --full-text` against a local site: a teaser feed whose pages answer
/// every way a site can.
@Suite struct FullTextChainTests {
    static func page(_ title: String, _ paragraphs: [String]) -> String {
        "<html><head><title>\(title)</title></head><body><nav><a href=/>Home</a></nav><article><h1>\(title)</h1>"
            + paragraphs.map { "<p>\($0)</p>" }.joined() + "</article><footer>© Site</footer></body></html>"
    }

    static let story = (0..<6).map { "Paragraph \($0) of the story about the harbour, which goes on with more words, and more detail than the feed gave." }

    @Test func eachItemGetsThePagesTextOrTheFeedsWithTheReason() throws {
        let server = try TestHTTPServer { (req: TestHTTPServer.Request) -> TestHTTPServer.Action in
            func item(_ id: String, _ title: String, _ text: String) -> String {
                "<item><title>\(title)</title><link>SERVER/\(id)</link><guid>\(id)</guid><description>\(text)</description></item>"
            }
            switch req.path {
            case "/feed.xml":
                let body = "<rss version=\"2.0\"><channel><title>Teasers</title>"
                    + item("a.html", "The harbour story", "Paragraph 0 of the story about the harbour, which goes on with more words…")
                    + item("private/b.html", "A private story", "Only a teaser…")
                    + item("c.html", "A busy server", "Only a teaser…")
                    + item("d.html", "A missing page", "Only a teaser…")
                    + item("e.html", "A whole article", String(repeating: "Every word of the article is in the feed itself, as it should be. ", count: 15))
                    + item("f.html", "The harbour dredging", "The dredging of the harbour begins in May, the port said…")
                    + "</channel></rss>"
                return .respond(.init(text: body.replacingOccurrences(of: "SERVER", with: "http://\(req.header("host") ?? "")")))
            case "/robots.txt": return .respond(.init(text: "User-agent: *\nDisallow: /private/\n"))
            case "/a.html": return .respond(.init(headers: [("Content-Type", "text/html; charset=utf-8")], text: Self.page("The harbour story", Self.story)))
            case "/c.html": return .respond(.init(status: 429, headers: [("Retry-After", "120")], text: "slow down"))
            case "/f.html":
                return .respond(.init(headers: [("Content-Type", "text/html")], text: Self.page("Subscribe", (0..<6).map { _ in "Subscribe today for unlimited access to all our journalism, on every device, wherever you are." })))
            default: return .respond(.init(status: 404, text: "not found"))
            }
        }
        defer { server.stop() }
        let r = try Binaries.run("feedspool", ["fetch", "--full-text", "auto", "--json", "--allow-private-networks", server.baseURL + "/feed.xml"])
        let lines = r.stdout.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        #expect(lines.count == 6, "\(r.stdout)\n\(r.stderr)")
        func step(_ title: String) -> [String: Any]? { lines.first { $0["title"] as? String == title } }
        let a = try #require(step("The harbour story"))
        #expect(a["text_source"] as? String == "page")
        #expect((a["body"] as? String)?.hasPrefix("Paragraph 0 of the story") == true)
        #expect((a["body"] as? String)?.contains("Paragraph 5") == true)
        #expect(step("A private story")?["fallback_reason"] as? String == "robots.txt disallows the page")
        #expect((step("A busy server")?["fallback_reason"] as? String)?.contains("answered 429: the daemon would try again later (the site asks to wait 120 s)") == true)
        #expect((step("A missing page")?["fallback_reason"] as? String)?.contains("404") == true)
        #expect(step("A whole article")?["page"] is NSNull)  // not a teaser: no page fetched
        let f = try #require(step("The harbour dredging"))
        #expect(f["text_source"] as? String == "feed")
        #expect((f["body"] as? String)?.hasPrefix("The dredging of the harbour") == true)
        // The site saw robots.txt once, and never the page it disallows.
        #expect(server.count(path: "/robots.txt") == 1)
        #expect(server.count(path: "/private/b.html") == 0)
        #expect(server.count(path: "/e.html") == 0)
        // For a person: one line per item on stderr.
        #expect(r.stderr.contains("\"A private story\": teaser"))
    }
}

import FeedCore
import FeedParser
import Foundation
import TestSupport
import Testing

/// Hostile documents: each must parse quickly, in bounded memory, and leak nothing.
@Suite struct HardeningTests {
    func everything(_ feed: ParsedFeed) -> String {
        let r = render(feed, feedKey: "k")
        return r.json + r.articles + feed.warnings.map(\.description).joined()
    }

    @Test func billionLaughsIsNotExpanded() throws {
        var dtd = "<!ENTITY lol0 \"lol\">"
        for i in 1...9 { dtd += "<!ENTITY lol\(i) \"" + String(repeating: "&lol\(i - 1);", count: 10) + "\">" }
        let doc = "<?xml version=\"1.0\"?><!DOCTYPE rss [\(dtd)]><rss version=\"2.0\"><channel><item><title>&lol9;</title><description>x &lol9; y</description></item></channel></rss>"
        let feed = try FeedParser.parse(Array(doc.utf8))
        let all = everything(feed)
        #expect(all.count < 10_000)
        #expect(all.contains(" &lol9;\n"))
    }

    @Test func quadraticBlowupIsNotExpanded() throws {
        let big = String(repeating: "A", count: 100_000)
        let refs = String(repeating: "&a;", count: 10_000)
        let doc = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"\(big)\">]><rss><channel><item><description>\(refs)</description></item></channel></rss>"
        let feed = try FeedParser.parse(Array(doc.utf8))
        #expect(everything(feed).count < 200_000)
    }

    @Test func externalEntitiesNeverLoadALocalFile() throws {
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("feedspool-xxe-\(getpid()).txt")
        try "SECRET-MARKER-7d1f".write(to: secret, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: secret) }
        let docs = [
            "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file://\(secret.path)\">]><rss><channel><item><title>&xxe;</title><description>&xxe;</description></item></channel></rss>",
            "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY % p SYSTEM \"file://\(secret.path)\"> %p;]><rss><channel><item><title>t</title></item></channel></rss>",
            "<?xml version=\"1.0\"?><!DOCTYPE rss SYSTEM \"file://\(secret.path)\"><rss><channel><item><title>t &amp; u</title></item></channel></rss>",
            "<?xml version=\"1.0\"?><rss xmlns:xi=\"http://www.w3.org/2001/XInclude\"><channel><item><title><xi:include href=\"file://\(secret.path)\" parse=\"text\"/></title></item></channel></rss>",
        ]
        for doc in docs {
            for chunking in Chunking.allCases {
                let feed = try chunking.parse(Array(doc.utf8))
                #expect(!everything(feed).contains("SECRET-MARKER"), "\(doc.prefix(80))")
            }
        }
    }

    @Test func deepNestingStopsTheParseWithoutLosingEarlierItems() throws {
        let deep = String(repeating: "<div>", count: 10_000) + "x" + String(repeating: "</div>", count: 10_000)
        let doc = "<rss><channel><item><title>kept</title><guid>1</guid></item><item><title>deep</title><description>\(deep)</description></item><item><title>x</title></item></channel></rss>"
        let feed = try FeedParser.parse(Array(doc.utf8))
        #expect(feed.items.first?.title == .text("kept"))
        #expect(!feed.warnings.isEmpty)
    }

    /// Item `item`'s summary as HTML bytes; records an issue when it has none.
    static func htmlSummary(_ feed: ParsedFeed, item: Int = 0) -> UTF8Text? {
        guard item < feed.items.count, case .html(let body)? = feed.items[item].summary else {
            Issue.record("item \(item) has no HTML summary")
            return nil
        }
        return body
    }

    @Test func aHugeTextNodeIsBounded() throws {
        let text = String(repeating: "word ", count: 2_000_000)  // 10 MB
        let doc = "<rss><channel><item><title>big</title><description>\(text)</description></item></channel></rss>"
        let feed = try FeedParser.parse(Array(doc.utf8))
        guard let body = Self.htmlSummary(feed) else { return }
        #expect(body.bytes.count <= 8 << 20)
        #expect(feed.warnings.contains { $0.message.contains("cut") })
    }

    /// Each HTML field holds its own bytes only: a short field read after a long one must
    /// not keep the capture buffer's whole capacity (in the daemon, thousands of parsed items
    /// wait for ingest at once).
    @Test func aShortFieldAfterALongOneHoldsOnlyItsOwnBytes() throws {
        let long = String(repeating: "word ", count: 200_000)  // 1 MB
        let doc = "<rss><channel><item><title>a</title><description>\(long)</description></item>"
            + "<item><title>b</title><description>short</description></item></channel></rss>"
        let feed = try FeedParser.parse(Array(doc.utf8))
        guard let body = Self.htmlSummary(feed, item: 1) else { return }
        #expect(body.bytes == Array("short".utf8))
        #expect(body.bytes.capacity < 1024)
    }

    /// The cut falls inside a character here (the limit is not a multiple of the 6-byte
    /// word): it moves back to the character's start, so the kept text is whole UTF-8.
    @Test func aFieldIsCutBetweenCharacters() throws {
        let text = String(repeating: "wörd ", count: 1_500_000)  // 9 MB
        let doc = "<rss><channel><item><title>big</title><description>\(text)</description></item></channel></rss>"
        let feed = try FeedParser.parse(Array(doc.utf8))
        guard let body = Self.htmlSummary(feed) else { return }
        #expect(body.bytes.count <= 8 << 20 && body.bytes.count > (8 << 20) - 4)
        #expect(String(validating: body.bytes, as: UTF8.self) != nil)
    }

    @Test(arguments: [
        ("", FeedParseError.empty),
        ("  \n\t ", FeedParseError.empty),
        ("<!DOCTYPE html><html><head><title>x</title></head><body>hi</body></html>",
         FeedParseError.notAFeed("an HTML page (it starts with <!DOCTYPE html> or <html>), not a feed")),
        ("<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"><body/></html>",
         FeedParseError.notAFeed("an HTML page (root element <html>), not a feed")),
        ("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", FeedParseError.notAFeed("root element <svg> is not RSS, RDF or Atom")),
        ("{\"hello\": 1}", FeedParseError.notAFeed("a JSON document without \"version\" or \"items\", not a JSON Feed")),
    ])
    func notFeeds(_ c: (String, FeedParseError)) {
        for chunking in Chunking.allCases {
            #expect(throws: c.1) { try chunking.parse(Array(c.0.utf8)) }
        }
    }

    @Test func binaryIsNotAFeed() {
        var rng = SplitMix64(state: 7)
        let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }
        #expect(throws: FeedParseError.self) { try FeedParser.parse(bytes) }
        #expect(throws: FeedParseError.self) { try FeedParser.parse([0x1F, 0x8B, 0x08, 0x00] + bytes) }
    }

    @Test func brokenJSONSaysWhere() {
        do {
            _ = try FeedParser.parse(Array("{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": [".utf8))
            Issue.record("expected an error")
        } catch {
            guard case .invalidJSON = error else { Issue.record("\(error)"); return }
        }
    }

    @Test func sizeLimitIsEnforced() {
        let doc = Array("<rss><channel><item><title>x</title></item></channel></rss>".utf8)
        #expect(throws: FeedParseError.tooLarge(limit: 10)) {
            try FeedParser.parse(doc, options: FeedParserOptions(maxBytes: 10))
        }
    }
}

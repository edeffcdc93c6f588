import FeedCore
import FeedParser
import Foundation
import TestSupport
import Testing

/// Real-world ugliness, each fixture with expected outputs beside it
/// (`NAME.expected.json`: the `parse --json` object; `NAME.expected.txt`: the articles).
/// Every fixture must give the same result fed whole, byte by byte and in random chunks.
@Suite struct UglyFixtureTests {
    @Test(arguments: Fixtures.files("ugly"))
    func matchesItsGoldens(_ name: String) throws {
        let bytes = try Fixtures.bytes("ugly", name)
        let key = "https://fixtures.example/\(name)"
        let feed = try Chunking.whole.parse(bytes, options: FeedParserOptions(baseURL: key))
        let out = render(feed, feedKey: key)
        let dir = Fixtures.root.appendingPathComponent("ugly")
        Golden.check(out.json + "\n", dir.appendingPathComponent(name + ".expected.json"))
        Golden.check(out.articles, dir.appendingPathComponent(name + ".expected.txt"))
    }

    /// `xml:base` and `xml:lang` hold for the element that sets them and what is inside it,
    /// and end with it: a sibling reads the ones in force around it.
    @Test(arguments: Chunking.allCases)
    func xmlBaseAndLangEndWithTheirElement(_ chunking: Chunking) throws {
        let xml = """
            <rss version="2.0"><channel xml:lang="de" xml:base="http://feed.example/"><title>t</title>
            <item xml:base="http://a.example/dir/" xml:lang="fr"><link>p.html</link><guid>1</guid></item>
            <item><link xml:base="http://b.example/">q.html</link><comments>c.html</comments><guid>2</guid></item>
            <item xml:lang=""><link>r.html</link><guid>3</guid></item>
            <item><link>s.html</link><guid>4</guid></item>
            </channel></rss>
            """
        let items = try chunking.parse(Array(xml.utf8)).items
        #expect(items.map(\.link) == ["http://a.example/dir/p.html", "http://b.example/q.html", "http://feed.example/r.html", "http://feed.example/s.html"])
        #expect(items[1].commentsURL == "http://feed.example/c.html")
        #expect(items.map(\.language) == ["fr", "de", nil, "de"])
    }

    @Test(arguments: Fixtures.files("ugly") + Fixtures.files("seed"))
    func chunkingDoesNotMatter(_ name: String) throws {
        let folder = Fixtures.files("ugly").contains(name) ? "ugly" : "seed"
        let bytes = try Fixtures.bytes(folder, name)
        let options = FeedParserOptions(baseURL: "https://fixtures.example/\(name)")
        let whole = try Chunking.whole.parse(bytes, options: options)
        for chunking in [Chunking.byteByByte, .random] {
            let other = try chunking.parse(bytes, options: options)
            #expect(render(other, feedKey: "k").json == render(whole, feedKey: "k").json, "\(name) fed \(chunking)")
            #expect(other.warnings.filter { $0.line == 0 } == whole.warnings.filter { $0.line == 0 }, "\(name) fed \(chunking)")
        }
    }

    @Test func httpCharsetIsUsedWhenTheDocumentSaysNothing() throws {
        let bytes = Array("<rss version=\"2.0\"><channel><item><title>caf".utf8) + [0xE9]
            + Array("</title></item></channel></rss>".utf8)
        let koi = try FeedParser.parse(bytes, options: FeedParserOptions(contentType: "application/rss+xml; charset=\"KOI8-R\""))
        #expect(koi.items.first?.title == .text("cafИ"))
        let latin = try FeedParser.parse(bytes, options: FeedParserOptions(contentType: "text/xml; charset=iso-8859-1"))
        #expect(latin.items.first?.title == .text("café"))
    }

    @Test func repeatedGuidsGetDistinctIds() throws {
        let feed = try FeedParser.parse(try Fixtures.bytes("ugly", "repeated-guids.xml"))
        let ids = ItemIdentity.assign(to: feed.items).map { ArticleID.make(feedKey: "k", identity: $0) }
        #expect(Set(ids).count == feed.items.count)
    }
}

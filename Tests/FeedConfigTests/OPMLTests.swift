import FeedConfig
import FeedParser
import Foundation
import Testing

let subscriptions = """
    <?xml version="1.0" encoding="UTF-8"?>
    <opml version="2.0"><head><title>My subs</title></head><body>
    <outline text="News">
      <outline text="World">
        <outline type="rss" text="World News" title="World News" xmlUrl="https://news.example.com/feed.xml" htmlUrl="https://news.example.com/"/>
      </outline>
      <outline type="rss" text="Local &amp; Co" xmlUrl="https://local.example/rss" category="/Regional/East,weekly"/>
    </outline>
    <outline type="rss" text="Top level" xmlUrl="https://top.example/atom.xml"/>
    <outline type="link" text="A page" url="https://page.example/"/>
    <outline text="Empty folder"/>
    </body></opml>
    """

@Suite struct OPMLTests {
    @Test func nestedOutlinesAndCategoriesBecomeTags() throws {
        let feeds = try OPML.parse(Array(subscriptions.utf8))
        #expect(feeds == [
            OPMLFeed(xmlURL: "https://news.example.com/feed.xml", title: "World News", htmlURL: "https://news.example.com/", tags: ["News", "World"]),
            OPMLFeed(xmlURL: "https://local.example/rss", title: "Local & Co", tags: ["News", "Regional", "East", "weekly"]),
            OPMLFeed(xmlURL: "https://top.example/atom.xml", title: "Top level"),
        ])
    }

    @Test func writingAndReadingAgainKeepsEverySubscription() throws {
        let feeds = try OPML.parse(Array(subscriptions.utf8))
        let again = try OPML.parse(Array(OPML.write(feeds).utf8))
        let key = { (f: OPMLFeed) in "\(f.xmlURL)|\(f.title ?? "")|\(f.tags)" }
        #expect(Set(again.map(key)) == Set(feeds.map(key)))
    }

    @Test func notOPMLIsAClearError() {
        #expect(throws: OPMLError.self) { try OPML.parse(Array("<rss/>".utf8)) }
        #expect(throws: OPMLError.self) { try OPML.parse([]) }
    }

    @Test func aConfigurationMayNameAnOPMLFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("opml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try subscriptions.write(to: dir.appendingPathComponent("subs.opml"), atomically: true, encoding: .utf8)
        try "opml = \"subs.opml\"\n[[feed]]\nurl = \"https://top.example/atom.xml\"\nname = \"Mine\"\ninterval = \"2h\"\n"
            .write(to: dir.appendingPathComponent("f.toml"), atomically: true, encoding: .utf8)
        let c = try Config.load(path: dir.appendingPathComponent("f.toml").path)
        #expect(c.feeds.map(\.url) == ["https://top.example/atom.xml", "https://news.example.com/feed.xml", "https://local.example/rss"])
        #expect(c.feeds[0].name == "Mine")  // the inline table wins
        #expect(c.feeds[0].interval == 7200)
        #expect(c.feeds[1].tags == ["News", "World"])
    }
}

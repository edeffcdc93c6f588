import Foundation
import TestSupport
import Testing

/// The real `feedspool` binary, run as a user would.
@Suite struct CLITests {
    func run(_ args: [String], stdin: String? = nil) throws -> Binaries.Result {
        try Binaries.run("feedspool", args, stdin: stdin, timeout: 60)
    }

    func tempDir() throws -> URL { try Binaries.tempDirectory("cli") }

    @Test func parseOutWritesTheSeedByteForByte() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fixture = Fixtures.root.appendingPathComponent("seed/rss20-content-encoded.xml").path
        let r = try run(["parse", "--out", dir.path, fixture])
        #expect(r.status == 0, "\(r.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(names.count == 1)
        let name = try #require(names.first)
        #expect(name.wholeMatch(of: /000_[0-9a-f]{16}\.txt/) != nil, "\(name)")
        let bytes = Array(try Data(contentsOf: dir.appendingPathComponent(name)))
        #expect(bytes == (try Fixtures.seed))
        // A second run continues the numbering, and the same item keeps its id.
        _ = try run(["parse", "--out", dir.path, fixture])
        let again = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(again.count == 2)
        #expect(again.last == "001_" + name.dropFirst(4))
    }

    @Test func parsePrintsArticlesAndFailsOnNonFeeds() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("page.html")
        try "<!doctype html><html><body><p>hello</p></body></html>".write(to: page, atomically: true, encoding: .utf8)
        let fixture = Fixtures.root.appendingPathComponent("seed/atom-xhtml.xml").path
        let r = try run(["parse", fixture, page.path, dir.appendingPathComponent("missing.xml").path])
        #expect(r.status == 1)
        #expect(r.stdout.hasPrefix("==> 000_"))
        #expect(r.stdout.contains(" date 2024-12-05 Syrian Rebels Seize Key City"))
        #expect(r.stderr.contains("page.html: not a feed: an HTML page"))
        #expect(r.stderr.contains("missing.xml: No such file or directory"))
    }

    @Test func parseJSONPrintsOneLinePerFile() throws {
        let a = Fixtures.root.appendingPathComponent("seed/rss10-br.xml").path
        let b = Fixtures.root.appendingPathComponent("seed/jsonfeed-content-html.json").path
        let r = try run(["parse", "--json", a, b])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        for line in lines {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let feed = try #require(obj?["feed"] as? [String: Any])
            for key in ["title", "link", "id", "updated", "language", "author"] { #expect(feed.keys.contains(key), "\(key)") }
            let items = try #require(obj?["items"] as? [[String: Any]])
            for key in ["id", "title", "link", "author", "published", "updated", "summary", "content", "categories", "enclosures"] {
                #expect(items.first?.keys.contains(key) == true, "\(key)")
            }
        }
        #expect(r.stdout.contains("\"published\":\"2024-12-04T22:30:00Z\""))
    }

    @Test func parseReadsStandardInput() throws {
        let feed = "<rss><channel><item><title>From stdin</title><description>Body.</description></item></channel></rss>"
        let r = try run(["parse", "-"], stdin: feed)
        #expect(r.status == 0)
        #expect(r.stdout.contains(" From stdin\n\nBody.\n"))
    }

    @Test func datesPrintsUTCOrAnEmptyLine() throws {
        let r = try run(["dates"], stdin: "Thu, 05 Dec 2024 10:30:00 EST\nnonsense\n2024-12-05T01:30:00+03:00\n")
        #expect(r.status == 0)
        #expect(r.stdout == "2024-12-05T15:30:00Z\n\n2024-12-04T22:30:00Z\n")
    }
}

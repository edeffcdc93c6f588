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

    /// Many files, options among them and a file named like an option after "--": every
    /// file read once, in order (the operands past the first bypass the argument parser).
    @Test func parseReadsEveryOperandInOrder() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for i in 0..<300 {
            let name = i == 299 ? "-dash.xml" : "f\(i).xml"
            let path = dir.appendingPathComponent(name).path
            try "<rss version=\"2.0\"><channel><title>c</title><item><title>story \(i)</title><guid>g\(i)</guid></item></channel></rss>"
                .write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
        }
        // Relative names: "-dash.xml" must come after "--" to be a file.
        let names = paths.map { String($0.split(separator: "/").last!) }
        let r = try Binaries.run(
            "feedspool", ["parse", names[0], "--base-url", "https://x.example/", names[1]] + names[2..<299] + ["-q", "--", names[299]],
            timeout: 60, currentDirectory: dir.path)
        #expect(r.status == 0, "\(r.stderr)")
        let titles = r.stdout.split(separator: "\n").filter { $0.hasPrefix(" date ") }.map { $0.split(separator: " ").dropFirst(2).joined(separator: " ") }
        #expect(titles == (0..<300).map { "story \($0)" })
        let bad = try Binaries.run("feedspool", ["parse", names[0], "--out"], timeout: 60, currentDirectory: dir.path)
        #expect(bad.status == 64 && bad.stderr.contains("--out"), "\(bad.stderr)")
    }

    /// Every option the usage shows with a value keeps its value when operands follow
    /// (the operand bypass must know each one; a new option it does not know fails here).
    @Test func everyValuedOptionKeepsItsValue() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let usage = try run(["parse", "--help"]).stdout
        let valued = usage.matches(of: /\[(--[a-z-]+) <[a-z]+>\]/).map { String($0.output.1) }
        #expect(valued.count >= 3, "\(usage)")
        let a = Fixtures.root.appendingPathComponent("seed/rss10-br.xml").path
        let b = Fixtures.root.appendingPathComponent("seed/atom-xhtml.xml").path
        for option in valued {
            // The value is a directory: read as a file it would fail the run.
            let out = dir.appendingPathComponent(String(option.dropFirst(2)))
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            let r = try run(["parse", "-q", option, out.path, a, b])
            #expect(r.status == 0, "\(option): \(r.stderr)")
        }
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
        // The RDF seed's dc:date is an update time (feedparser 6), and still the article's date.
        #expect(r.stdout.contains("\"updated\":\"2024-12-04T22:30:00Z\""))
        #expect(r.stdout.contains("\"date\":\"2024-12-05\""))
        for key in ["published", "publisher"] { #expect(r.stdout.contains("\"\(key)\":")) }
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

    /// One form of each class `DateParserTests` holds, through the command: accepted forms
    /// print their instant (with `-v`, the written offset), rejected ones an empty line.
    @Test func datesReadsEveryClassAndRejectsGuesses() throws {
        let cases: [(String, String)] = [
            ("Thu, 05 Dec 2024 10:30:00 PT", "2024-12-05T18:30:00Z\t2024-12-05T10:30:00-08:00\t2024-12-05"),
            ("2004년 02월 28일  01:31:15", "2004-02-27T16:31:15Z\t2004-02-28T01:31:15+09:00\t2004-02-28"),
            ("Κυρ, 11 Ιούλ 2004 12:00:00 EST", "2004-07-11T17:00:00Z\t2004-07-11T12:00:00-05:00\t2004-07-11"),
            ("2004-július-13T9:15-05:00", "2004-07-13T14:15:00Z\t2004-07-13T09:15:00-05:00\t2004-07-13"),
            ("2003-335", "2003-12-01T00:00:00Z\t2003-12-01T00:00:00Z\t2003-12-01"),
            ("-0312", "2003-12-01T00:00:00Z\t2003-12-01T00:00:00Z\t2003-12-01"),
            ("2020/1/10 3:04 PM", "2020-01-10T15:04:00Z\t2020-01-10T15:04:00Z\t2020-01-10"),
            ("Thu, 05 Dec 2024 10:30:00 GMT trailing words", ""),
            ("05 Dec 2024 10:30 2025", ""),
            ("2024-12-05T10:30:00+17:00", ""),
        ]
        let r = try run(["dates", "-v"], stdin: cases.map(\.0).joined(separator: "\n") + "\n")
        #expect(r.status == 0)
        #expect(r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) == cases.map(\.1))
    }
}

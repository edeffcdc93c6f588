import FeedStore
import Foundation
import TestSupport
import Testing

/// The real `feedspoold --once` and `feedspool show` against the scripted server.
@Suite struct OnceCLITests {
    @Test func summaryLinesExitStatusRedirectsAndProvenance() throws {
        let feed = rss([TestItem(guid: "n1", link: "https://news.example/1", title: "First", body: "One."), TestItem(guid: "n2", link: "https://news.example/2", title: "Second", body: "Two.")])
        let server = try TestHTTPServer { req in
            switch req.path {
            case "/news.xml":
                if req.header("if-none-match") == "\"n\"" { return .respond(.init(status: 304)) }
                return .respond(.init(headers: [("ETag", "\"n\"")], text: feed))
            case "/old.xml": return .respond(.init(status: 301, headers: [("Location", "/new.xml")]))
            case "/new.xml": return .respond(.init(text: rss([TestItem(guid: "m1", link: "https://moved.example/1", title: "Moved", body: "Here now.")])))
            case "/page.html": return .respond(.init(headers: [("Content-Type", "text/html")], text: "<!doctype html><html><body>hi</body></html>"))
            case "/gone.xml": return .respond(.init(status: 410))
            default: return .respond(.init(status: 404))
            }
        }
        defer { server.stop() }
        let dir = try Binaries.tempDirectory("once-cli")
        let urls = ["news.xml", "old.xml", "page.html", "gone.xml", "missing.xml"].map { "\(server.baseURL)/\($0)" }
        var toml = "spool_dir = \"spool\"\nstate_dir = \"state\"\nallow_private_networks = true\nfull_text = \"never\"\n"
        for u in urls { toml += "[[feed]]\nurl = \"\(u)\"\n" }
        let config = dir.appendingPathComponent("feedspool.toml").path
        try toml.write(toFile: config, atomically: true, encoding: .utf8)

        let first = try Binaries.run("feedspoold", ["--once", "--config", config], timeout: 60)
        #expect(first.status == 1)
        let lines = Set(first.stdout.split(separator: "\n").map(String.init))
        #expect(lines.contains("OK \(urls[0]): 2 new"))
        #expect(lines.contains("OK \(urls[1]): 1 new; moved permanently to \(server.baseURL)/new.xml"))
        #expect(lines.contains { $0.hasPrefix("FAIL (PARSE) \(urls[2]): ") })
        #expect(lines.contains("FAIL (FETCH) \(urls[3]): 410 Gone: the publisher removed the feed; it is retired"))
        #expect(lines.contains("FAIL (FETCH) \(urls[4]): http: HTTP 404 Not Found"))
        #expect(lines.count == 5)

        // Each feed's next poll and why, recorded for the daemon and for status.
        let state = try StateStore(directory: dir.appendingPathComponent("state").path, readOnly: true)
        let feeds = Dictionary(uniqueKeysWithValues: try state.allFeeds().map { ($0.key, $0) })
        #expect(feeds[urls[0]]?.dueReason == "every 1 h")
        #expect((feeds[urls[0]]?.nextDue ?? 0) > Int64(time(nil)) + 3000)
        #expect(feeds[urls[4]]?.dueReason == "backing off after 1 failure in a row")
        #expect(feeds[urls[4]]?.failureStreak == 1)
        #expect(feeds[urls[3]]?.nextDue == nil)
        #expect(feeds[urls[3]]?.dueReason == "retired: 410 Gone")

        let second = try Binaries.run("feedspoold", ["--once", "--config", config], timeout: 60)
        let again = Set(second.stdout.split(separator: "\n").map(String.init))
        #expect(again.contains("304 \(urls[0])"))
        #expect(again.contains("OK \(urls[1]): 0 new, 1 seen before"))
        #expect(again.contains("FAIL (FETCH) \(urls[3]): retired after 410 Gone; remove it from the configuration"))
        // The permanent redirect was remembered: the old URL is not asked again; the retired
        // feed is not polled at all.
        #expect(server.count(path: "/old.xml") == 1)
        #expect(server.count(path: "/gone.xml") == 1)
        #expect(server.requests.last { $0.path == "/news.xml" }?.header("if-none-match") == "\"n\"")

        let spool = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("spool").path).filter { $0.hasSuffix(".txt") }
        #expect(spool.count == 3)
        let show = try Binaries.run("feedspool", ["show", "--json", "--config", config, "0"], timeout: 30)
        #expect(show.status == 0, "\(show.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect(o["seq"] as? Int == 0)
        #expect(o["decision"] as? String == "new")
        #expect([urls[0], urls[1]].contains(o["feed_url"] as? String ?? ""))
        #expect(spool.contains(o["file"] as? String ?? ""))
        let byID = try Binaries.run("feedspool", ["show", "--config", config, String((o["id"] as? String) ?? "")], timeout: 30)
        #expect(byID.stdout.contains("seq        0\n"))
        let missing = try Binaries.run("feedspool", ["show", "--config", config, "999"], timeout: 30)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("999: no such article"))
    }

    /// feedspoold reads its own command line (no argument parser library in the daemon).
    @Test func theCommandLineIsReadStrictly() throws {
        let help = try Binaries.run("feedspoold", ["--help"])
        #expect(help.status == 0 && help.stdout.contains("--check-config"))
        #expect(try Binaries.run("feedspoold", ["--version"]).stdout.hasPrefix("0."))
        for bad in [["--bogus"], ["--config"], ["extra"], ["--once", "--check-config"], ["--config="]] {
            let r = try Binaries.run("feedspoold", bad)
            #expect(r.status == 64, "\(bad)")
            #expect(r.stderr.hasPrefix("feedspoold: ") && r.stderr.contains("usage:"), "\(bad): \(r.stderr)")
        }
        let dir = try Binaries.tempDirectory("cli-args")
        let config = dir.appendingPathComponent("f.toml").path
        try "spool_dir = \"s\"\nstate_dir = \"t\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let ok = try Binaries.run("feedspoold", ["--check-config", "--config=\(config)"])
        #expect(ok.status == 0 && ok.stdout.contains("configuration ok"), "\(ok.stderr)")
        let positional = try Binaries.run("feedspoold", ["--check-config", config])
        #expect(positional.status == 0 && positional.stdout.contains("configuration ok"), "\(positional.stderr)")
        let missing = try Binaries.run("feedspoold", ["--check-config", dir.appendingPathComponent("none.toml").path])
        #expect(missing.status == 1 && missing.stderr.contains("none.toml: cannot read the configuration"), "\(missing.stderr)")
    }

    /// Like a compiler, --check-config names every problem of the file, not just the first.
    @Test func checkConfigListsEveryProblem() throws {
        let dir = try Binaries.tempDirectory("check-all")
        let config = dir.appendingPathComponent("f.toml").path
        try """
            spool_dir = "s"
            dedup = "nearest"
            concurrency = 0

            [[feed]]
            url = "ftp://example.com/a"
            max_itmes = 5

            [[feed]]
            name = "no url"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let r = try Binaries.run("feedspoold", ["--check-config", "--config", config])
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 6, "\(r.stderr)")
        let expected = [
            "f.toml:2: dedup = \"nearest\" is not a policy",
            "f.toml:3: concurrency = 0 is out of range",
            "f.toml:6: ftp://example.com/a is not an http, https or file URL",
            "f.toml:7: unknown key max_itmes in [[feed]]; did you mean max_items?",
            "f.toml:9: a [[feed]] has no url",
            "5 problems in",
        ]
        for (line, words) in zip(lines, expected) {
            #expect(line.hasPrefix("feedspoold: ") && line.contains(words), "\(line)")
        }
    }

    @Test func aBrokenConfigurationSaysWhereAndExits2() throws {
        let dir = try Binaries.tempDirectory("once-badconfig")
        let config = dir.appendingPathComponent("feedspool.toml").path
        try "spool_dir = \"spool\"\n[[feed]]\nurl = \"https://example.com/a\"\nmax_itmes = 5\n".write(toFile: config, atomically: true, encoding: .utf8)
        let r = try Binaries.run("feedspoold", ["--once", "--config", config], timeout: 30)
        #expect(r.status == 2)
        #expect(r.stderr.contains("feedspool.toml:4: unknown key max_itmes in [[feed]]; did you mean max_items?"))
    }
}

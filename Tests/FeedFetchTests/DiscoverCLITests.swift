import Foundation
import TestSupport
import Testing

/// `feedspool discover` and `import-opml URL` against a local site.
@Suite struct DiscoverCLITests {
    static func rss(_ title: String) -> String {
        "<rss version=\"2.0\"><channel><title>\(title)</title><item><title>i</title><guid>1</guid></item></channel></rss>"
    }

    static func server() throws -> TestHTTPServer {
        try TestHTTPServer { req in
            switch req.path {
            case "/":
                return .respond(.init(headers: [("Content-Type", "text/html")], text: """
                    <html><head><title>Site</title>
                    <link rel="stylesheet" href="/style.css">
                    <link rel="alternate" type="application/rss+xml" title="News" href="/news.xml">
                    <link rel="alternate" type="application/atom+xml" href="atom/">
                    <link rel="alternate" type="application/rss+xml" href="/broken.xml">
                    <link rel="alternate" hreflang="de" href="/de/">
                    </head><body><p>Hello</p></body></html>
                    """))
            case "/plain": return .respond(.init(headers: [("Content-Type", "text/html")], text: "<html><body><p>No links here.</p></body></html>"))
            case "/news.xml": return .respond(.init(text: rss("World &amp; Local News")))
            case "/atom/": return .respond(.init(text: "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>The Atom</title><id>urn:a</id></feed>"))
            case "/feed": return .respond(.init(text: rss("Guessed")))
            case "/subs.opml":
                return .respond(.init(text: "<opml version=\"2.0\"><body><outline text=\"One\" type=\"rss\" xmlUrl=\"https://one.example/feed\"/></body></opml>"))
            default: return .respond(.init(status: 404, text: "no"))
            }
        }
    }

    @Test func aPagesAnnouncedFeedsConfirmedByFetching() throws {
        let s = try Self.server()
        defer { s.stop() }
        let r = try Binaries.run("feedspool", ["discover", "--allow-private-networks", s.baseURL + "/"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == """
            [[feed]]
            url = "\(s.baseURL)/news.xml"
            name = "World & Local News"

            [[feed]]
            url = "\(s.baseURL)/atom/"
            name = "The Atom"

            """)
        #expect(s.count(path: "/broken.xml") == 1)  // tried, not a feed: left out
        #expect(s.count(path: "/feed") == 0)  // announced feeds found: no guessing
    }

    @Test func theCommonPathsWhenThePageAnnouncesNoneAndAFeedAsItIs() throws {
        let s = try Self.server()
        defer { s.stop() }
        let guessed = try Binaries.run("feedspool", ["discover", "--allow-private-networks", s.baseURL + "/plain"])
        #expect(guessed.status == 0)
        #expect(guessed.stdout == "[[feed]]\nurl = \"\(s.baseURL)/feed\"\nname = \"Guessed\"\n")
        let direct = try Binaries.run("feedspool", ["discover", "--allow-private-networks", s.baseURL + "/news.xml"])
        #expect(direct.stdout.hasPrefix("[[feed]]\nurl = \"\(s.baseURL)/news.xml\""))
        let none = try Binaries.run("feedspool", ["discover", "--allow-private-networks", "--no-guess", s.baseURL + "/plain"])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no feed found"))
        // The engine's guard holds here too.
        #expect(try Binaries.run("feedspool", ["discover", s.baseURL + "/"]).status == 1)
    }

    @Test func importOPMLTakesAURL() throws {
        let s = try Self.server()
        defer { s.stop() }
        let r = try Binaries.run("feedspool", ["import-opml", "--allow-private-networks", "--config", "/nonexistent.toml", s.baseURL + "/subs.opml"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("url = \"https://one.example/feed\""))
        #expect(r.stdout.contains("name = \"One\""))
    }
}

/// Command-line conventions of every command.
@Suite struct CommandLineConventionTests {
    @Test func optionsBeforeTheVerbAreTheVerbsOwn() throws {
        // `feedspool --socket S status`, as `git -C DIR status`: the same as after the verb.
        let before = try Binaries.run("feedspool", ["--socket", "/nonexistent/feedspool.sock", "status"])
        let after = try Binaries.run("feedspool", ["status", "--socket", "/nonexistent/feedspool.sock"])
        #expect(before.status == 3 && after.status == 3)
        #expect(before.stderr == after.stderr)
        #expect(before.stderr.contains("/nonexistent/feedspool.sock"))
        let dates = try Binaries.run("feedspool", ["-v", "dates"], stdin: "2024-12-05T01:30:00+03:00\n")
        #expect(dates.stdout == "2024-12-04T22:30:00Z\t2024-12-05T01:30:00+03:00\t2024-12-05\n")
    }

    @Test func fileURLsWithOneSlashAreFileURLs() throws {
        let dir = try Binaries.tempDirectory("file-url")
        let path = dir.appendingPathComponent("f.xml").path
        try "<rss version=\"2.0\"><channel><title>F</title><item><title>Local</title><guid>1</guid></item></channel></rss>"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let r = try Binaries.run("feedspool", ["fetch", "--allow-file-urls", "file:" + path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains(" Local\n"))
    }

    @Test func completionScriptsNameEveryVerb() throws {
        for shell in ["bash", "zsh", "fish"] {
            let r = try Binaries.run("feedspool", ["--generate-completion-script", shell])
            #expect(r.status == 0)
            for verb in ["status", "tail", "discover", "extract", "fetch", "import-opml"] { #expect(r.stdout.contains(verb), "\(shell): \(verb)") }
        }
    }
}

/// `make install`'s man pages, generated from the programs' own help.
@Suite struct ManPageTests {
    @Test func theThreePagesHoldEveryVerbOptionAndKey() throws {
        let out = try Binaries.tempDirectory("man")
        let bin = Binaries.url("feedspool").deletingLastPathComponent().path
        let r = try Binaries.run("/bin/bash", [Binaries.packageRoot.appendingPathComponent("tools/man.sh").path, bin, out.path], absolute: true)
        #expect(r.status == 0, "\(r.stderr)")
        let page1 = try String(contentsOf: out.appendingPathComponent("feedspool.1"), encoding: .utf8)
        #expect(page1.hasPrefix(".TH FEEDSPOOL 1 "))
        for verb in ["status", "discover", "extract", "fetch", "dates"] { #expect(page1.contains(".SS \(verb)\n"), "\(verb)") }
        #expect(page1.contains("--full-text"))
        let page8 = try String(contentsOf: out.appendingPathComponent("feedspoold.8"), encoding: .utf8)
        #expect(page8.contains("--check-config"))
        let page5 = try String(contentsOf: out.appendingPathComponent("feedspool.toml.5"), encoding: .utf8)
        for key in ["spool_dir", "grace", "near_window", "socket_group"] { #expect(page5.contains(key), "\(key)") }
    }
}

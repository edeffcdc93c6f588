import FeedConfig
import FeedCore
import Foundation
import Testing

@Suite struct TOMLTests {
    /// Found by fuzz-config: 300 nested arrays overflowed the stack.
    @Test func deepArraysAreAnErrorNotACrash() {
        do {
            _ = try TOMLParser.parse("dedup = " + String(repeating: "[", count: 300))
            Issue.record("parsed")
        } catch {
            #expect(error.message.contains("nested deeper than 16"), "\(error)")
        }
        #expect((try? TOMLParser.parse("a = [[1, 2], [3]]")) != nil)
    }

    @Test func valuesTablesAndArraysOfTables() throws {
        let t = try TOMLParser.parse("""
            # comment
            name = "a \\"quoted\\" \\u00e9"   # trailing comment
            path = 'C:\\raw'
            n = 1_000
            f = 2.5
            yes = true
            list = [1, 2,
                    3,]   # across lines
            [section]
            key = "v"
            [[feed]]
            url = "https://a"
            [[feed]]
            url = "https://b"
            """)
        #expect(t["name"]?.value == .string("a \"quoted\" é"))
        #expect(t["path"]?.value == .string("C:\\raw"))
        #expect(t["n"]?.value == .integer(1000))
        #expect(t["f"]?.value == .float(2.5))
        #expect(t["yes"]?.value == .boolean(true))
        #expect(t["list"]?.value == .array([.integer(1), .integer(2), .integer(3)]))
        guard case .table(let section)? = t["section"]?.value else { Issue.record("no section"); return }
        #expect(section["key"]?.line == 10)
        guard case .array(let feeds)? = t["feed"]?.value else { Issue.record("no feeds"); return }
        #expect(feeds.count == 2)
    }

    @Test func errorsNameTheirLine() {
        let cases: [(String, Int, String)] = [
            ("a = 1\nb = \"open\n", 2, "not closed"),
            ("a = 1\na = 2\n", 2, "set twice"),
            ("x = bare\n", 1, "strings need quotes"),
            ("\n\nt = { a = 1 }\n", 3, "inline tables"),
            ("a.b = 1\n", 1, "dotted keys"),
            ("[t]\n[t]\n", 2, "defined twice"),
            ("[[t]]\n[t]\n", 2, "defined twice"),
            ("t = 1\n[[t]]\n", 2, "not an array of tables"),
            ("[t]\n[[t]]\n", 2, "not an array of tables"),
            ("v = [1, 2\n", 2, "not closed"),
            ("s = \"\\q\"\n", 1, "unknown escape"),
        ]
        for (text, line, words) in cases {
            do {
                _ = try TOMLParser.parse(text)
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.line == line, "\(text)")
                #expect(error.message.contains(words), "\(error.message)")
            }
        }
    }
}

@Suite struct ConfigTests {
    /// Relative paths are taken against the file's directory, "../" included.
    @Test func relativePathsLeaveTheirDotsBehind() throws {
        let c = try Config.parse("spool_dir = \"../spool\"\nstate_dir = \"./state\"\nsocket = \"../../run/x.sock\"\n", path: "/srv/feedspool/config/f.toml")
        #expect(c.spoolDir == "/srv/feedspool/spool")
        #expect(c.stateDir == "/srv/feedspool/config/state")
        #expect(c.socket == "/srv/run/x.sock")
        let absolute = try Config.parse("spool_dir = \"/var/spool/link/../x\"\n", path: "/etc/f.toml")
        #expect(absolute.spoolDir == "/var/spool/link/../x")  // as written
        let feed = try Config.parse("[[feed]]\nurl = \"file:../samples/a.xml\"\n", path: "/srv/feedspool/config/f.toml")
        #expect(feed.feeds.first?.url == "file:///srv/feedspool/samples/a.xml")
        // file:/path is the file URL RFC 8089 writes without an authority.
        let oneSlash = try Config.parse("[[feed]]\nurl = \"file:/srv/feeds/b.xml\"\n", path: "/srv/feedspool/config/f.toml")
        #expect(oneSlash.feeds.first?.url == "file:///srv/feeds/b.xml")
        let top = try Config.parse("spool_dir = \"../../..\"\n", path: "/a/f.toml")
        #expect(top.spoolDir == "/")
    }

    @Test func theKeysAndTheirDefaults() throws {
        let c = try Config.parse("""
            spool_dir = "out"
            state_dir = "/var/lib/feedspool"
            dedup = "near"
            near_threshold = 4
            max_age = "30d"
            grace = "12w"
            allow_private_networks = true
            max_body_size = "8MiB"
            per_host_gap = "500ms"

            [[feed]]
            url = "https://example.com/feed.xml"
            name = "Example"
            dedup = "feed"
            max_items = 20
            on_update = "redeliver"

            [[feed]]
            url = "file:///srv/feeds/local.xml"
            """, path: "/etc/feedspool/feedspool.toml")
        #expect(c.spoolDir == "/etc/feedspool/out")
        #expect(c.stateDir == "/var/lib/feedspool")
        #expect(c.dedup == .near(threshold: 4))
        #expect(c.maxAge == Int64(30 * 86400))
        #expect(c.grace == 84 * 86400)
        #expect(c.allowPrivateNetworks)
        #expect(c.maxBodyBytes == 8 << 20)
        #expect(c.perHostGapMilliseconds == 500)
        #expect(c.feeds.count == 2)
        #expect(c.dedup(for: c.feeds[0]) == .feed)
        #expect(c.dedup(for: c.feeds[1]) == .near(threshold: 4))
        #expect(c.maxItems(for: c.feeds[0]) == 20)
        #expect(c.onUpdate(for: c.feeds[0]) == .redeliver)
        #expect(c.onUpdate(for: c.feeds[1]) == .ignore)
        #expect(c.maxAge(for: c.feeds[1]) == Int64(30 * 86400))
        let d = try Config.parse("", path: "rel/feedspool.toml")
        #expect(d.fullText == .auto && d.fullTextTimeout == 3600 && d.pageBudget == 10 && d.pageBurst == 2)
        #expect(d.spoolDir == "rel/spool")
        #expect(d.dedup == .global)
        #expect(d.feeds.isEmpty)
    }

    @Test func fullTextSettingsAreGlobalAndPerFeed() throws {
        let c = try Config.parse("""
            full_text = "always"
            full_text_timeout = "30m"
            page_budget = 30
            page_burst = 5

            [[feed]]
            url = "https://a.example/feed"
            full_text = "never"
            ignore_robots = true

            [[feed]]
            url = "https://b.example/feed"
            full_text_timeout = "2h"
            """, path: "/etc/f.toml")
        #expect(c.pageBudget == 30 && c.pageBurst == 5)
        #expect(c.fullText(for: c.feeds[0]) == .never && c.feeds[0].ignoreRobots)
        #expect(c.fullTextTimeout(for: c.feeds[0]) == 1800)
        #expect(c.fullText(for: c.feeds[1]) == .always && !c.feeds[1].ignoreRobots)
        #expect(c.fullTextTimeout(for: c.feeds[1]) == 7200)
    }

    @Test func clusterSettings() throws {
        let c = try Config.parse("""
            state_url = " postgresql://feedspool@db.example/feedspool "
            node = "spool-a.1"
            lease = "45s"
            """, path: "/etc/f.toml")
        #expect(c.stateURL == "postgresql://feedspool@db.example/feedspool")
        #expect(c.node == "spool-a.1" && c.lease == 45)
        let keywords = try Config.parse("state_url = \"host=/run/postgresql dbname=feedspool\"\n", path: "/etc/f.toml")
        #expect(keywords.stateURL == "host=/run/postgresql dbname=feedspool")
        // socket_mode as a string, as a number's digits, with 0o.
        #expect(try Config.parse("socket_mode = \"0640\"\n", path: "/etc/f.toml").socketMode == 0o640)
        #expect(try Config.parse("socket_mode = 660\n", path: "/etc/f.toml").socketMode == 0o660)
        #expect(try Config.parse("socket_mode = \"0o600\"\n", path: "/etc/f.toml").socketMode == 0o600)
        // Defaults: no shared state, the host name, two minutes.
        let d = try Config.parse("", path: "/etc/f.toml")
        #expect(d.stateURL == nil && d.node == Config.hostName && d.lease == 120)
    }

    @Test func mistakesAreReportedWithLineAndFix() {
        let cases: [(String, Int, String)] = [
            ("dedupe = \"global\"\n", 1, "did you mean dedup?"),
            ("dedup = \"fuzzy\"\n", 1, "use \"feed\", \"global\" or \"near\""),
            ("[[feed]]\nname = \"x\"\n", 1, "has no url"),
            ("[[feed]]\nurl = \"example.com/feed\"\n", 2, "not an http, https or file URL"),
            ("[[feed]]\nurl = \"https://a\"\nmax_age = \"soon\"\n", 3, "not a duration"),
            ("[[feed]]\nurl = \"https://a\"\n[[feed]]\nurl = \"https://a\"\n", 3, "already configured on line 1"),
            ("concurrency = 4\nper_host = 8\n", 2, "larger than concurrency"),
            ("allow_private_networks = \"yes\"\n", 1, "true or false"),
            ("near_threshold = 20\n", 1, "out of range"),
            ("full_text = \"sometimes\"\n", 1, "use \"auto\", \"always\" or \"never\""),
            ("full_text_timeout = \"2s\"\n", 1, "between 5 seconds and 7 days"),
            ("page_budget = 0\n", 1, "out of range"),
            ("[[feed]]\nurl = \"https://a\"\nignore_robots = \"yes\"\n", 3, "true or false"),
            ("[[feed]]\nurl = \"https://a\"\nfull_txt = \"always\"\n", 3, "did you mean full_text?"),
            ("\n\nstate_url = \"mysql://db/x\"\n", 3, "PostgreSQL connection URI"),
            ("node = \"spool a\"\n", 1, "letters, digits"),
            ("lease = \"4s\"\n", 1, "between 5s and 1h"),
            ("\nsocket_mode = \"0999\"\n", 2, "octal mode like"),
            ("socket_mode = 1777\n", 1, "octal mode like"),
            ("feed = \"https://a\"\n", 1, "[[feed]] tables"),
        ]
        for (text, line, words) in cases {
            do {
                _ = try Config.parse(text, path: "f.toml")
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.line == line, "\(text): \(error)")
                #expect(error.description.contains(words), "\(error)")
                #expect(error.description.hasPrefix("f.toml:\(line): "))
            }
        }
    }
}

@Suite struct ShippedConfigTests {
    static let root = String(#filePath.prefix(upTo: #filePath.range(of: "/Tests/")!.lowerBound))
    /// The checkout's directory as the configuration loader sees it (through realpath).
    static var resolvedRoot: String { URL(fileURLWithPath: root).resolvingSymlinksInPath().path }

    @Test func theShippedConfigurationsParse() throws {
        let documented = try Config.load(path: Self.root + "/config/feedspool.toml")
        #expect(documented.spoolDir == "/var/spool/feedspool")
        #expect(documented.dedup == .global)
        #expect(documented.perHost == 2)
        let demo = try Config.load(path: Self.root + "/config/demo.toml")
        #expect(demo.feeds.count == 5)
        #expect(demo.fullText == .auto)
        #expect(demo.feeds.filter { demo.fullText(for: $0) == .auto }.map { $0.url.hasSuffix("/samples/teasers.xml") } == [true])
        #expect(demo.feeds.allSatisfy { $0.url.hasPrefix("file:///") && $0.url.contains("/config/samples/") })
        #expect(demo.spoolDir == Self.resolvedRoot + "/spool")
    }
}

import ArgumentParser
import FeedCore
import FeedFetch
import FeedIngest
import FeedParser

#if canImport(Glibc)
    import Glibc
#endif

struct DiscoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "Find a site's feeds and print them as [[feed]] tables.",
        discussion: """
            Fetches URL through the daemon's engine. A feed is printed as it is; a page is \
            searched for the feeds it announces (<link rel="alternate"> of RSS, Atom and JSON \
            Feed types) and the paths sites commonly serve them at (/feed, /rss, /atom.xml, …). \
            Every candidate is fetched and parsed: only real feeds are printed, as [[feed]] \
            tables with their titles, ready for the configuration. Exits 1 when none is found.
            """)

    @Argument(help: ArgumentHelp("A site's page, or a feed.", valueName: "url"))
    var url: String

    @Flag(help: "Allow loopback, private, link-local and unique-local addresses.")
    var allowPrivateNetworks = false

    @Flag(help: "Do not try the common feed paths; only what the page announces.")
    var noGuess = false

    /// Where sites commonly serve feeds, tried when the page announces none.
    static let commonPaths = ["/feed", "/rss", "/feed.xml", "/rss.xml", "/atom.xml", "/index.xml", "/feed.json", "/feeds/posts/default", "/?feed=rss2"]

    func run() async throws {
        var config = FetchConfiguration()
        config.allowPrivateNetworks = allowPrivateNetworks
        let engine = try Diagnostics.orExit { try FetchEngine(configuration: config) }
        defer { engine.shutdown() }
        let first = await engine.fetch(FetchRequest(url: url))
        guard case .fetched(let body) = first.outcome else {
            Diagnostics.print("\(url): \(first.error.map { "\($0)" } ?? "no page")")
            throw ExitCode(1)
        }
        let base = first.http?.effectiveURL ?? url
        var found: [(url: String, title: String?)] = []
        if let feed = try? FeedParser.parse(body, options: FeedParserOptions(baseURL: base, contentType: first.http?.headers.contentType)) {
            found.append((base, Self.title(feed)))
        } else {
            let announced = Self.announcedFeeds(PageParser.parse(body, contentType: first.http?.headers.contentType).tree, base: base)
            let candidates = announced.isEmpty && !noGuess ? Self.commonPaths.map { URLResolver.resolve($0, against: base) } : announced
            // Each candidate confirmed by fetching and parsing it, a few at a time.
            found = await withTaskGroup(of: (Int, String, String?)?.self) { group in
                for (i, candidate) in candidates.enumerated() {
                    group.addTask {
                        let fetched = await FetchedFeed.fetch(FetchRequest(url: candidate), engine: engine)
                        guard let feed = fetched.parsed else { return nil }
                        return (i, fetched.result.http?.effectiveURL ?? candidate, Self.title(feed))
                    }
                }
                var out: [(Int, String, String?)] = []
                for await result in group { if let result { out.append(result) } }
                var seen = Set<String>()
                return out.sorted { $0.0 < $1.0 }.filter { seen.insert($0.1).inserted }.map { ($0.1, $0.2) }
            }
        }
        guard !found.isEmpty else {
            Diagnostics.print("\(url): no feed found (the page announces none\(noGuess ? "" : ", and none of the common paths is one"))")
            throw ExitCode(1)
        }
        let stdout = Output()
        for (index, feed) in found.enumerated() {
            stdout.write((index > 0 ? "\n" : "") + "[[feed]]\nurl = \(ImportOPMLCommand.quote(feed.url))\n")
            if let title = feed.title { stdout.write("name = \(ImportOPMLCommand.quote(title))\n") }
        }
        stdout.flush()
    }

    static func title(_ feed: ParsedFeed) -> String? {
        guard let written = feed.info.title else { return nil }
        var builder = ArticleBuilder(converter: HTMLToText())
        let text = builder.titleText(written)
        return text.isEmpty ? nil : text
    }

    /// The feeds a page announces: `<link rel="alternate">` (or `feed`) with a feed type,
    /// resolved against the page's `<base href>` or URL, in order, once each.
    static func announcedFeeds(_ tree: PageTree, base: String) -> [String] {
        var baseURL = base
        for index in 0..<tree.count where tree[index].name == "base" {
            if let href = tree[index].attribute("href") { baseURL = URLResolver.resolve(href, against: base) }
            break
        }
        let types = ["application/rss+xml", "application/atom+xml", "application/feed+json", "application/json", "application/rdf+xml", "application/xml", "text/xml"]
        var out: [String] = []
        for index in 0..<tree.count where tree[index].name == "link" {
            let rel = (tree[index].attribute("rel") ?? "").lowercased().split(separator: " ")
            let type = (tree[index].attribute("type") ?? "").lowercased()
            guard rel.contains("alternate") || rel.contains("feed"), let href = tree[index].attribute("href"), !href.isEmpty else { continue }
            guard types.contains(where: { type.hasPrefix($0) }) || (type.isEmpty && rel.contains("feed")) else { continue }
            let resolved = URLResolver.resolve(href, against: baseURL)
            if !out.contains(resolved) { out.append(resolved) }
        }
        return out
    }
}

import ArgumentParser
import FeedCore
import FeedExtract
import FeedFetch
import FeedIngest
import FeedParser

#if canImport(Glibc)
    import Glibc
#endif

struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch feeds over HTTP(S) and print their articles.",
        discussion: """
            Fetches every URL through the same engine the daemon uses (libcurl, many transfers \
            in flight, per-host limits, size and time bounds, no private addresses unless \
            allowed), parses what arrives and prints the articles, or with --json one line per \
            URL: the `parse --json` object plus "url" and an "http" object (status, effective \
            URL, redirects with each hop's status, validators, cache headers, and the error with \
            its stage). Results are printed as they complete. A status line per URL goes to \
            stderr. Exits 0 when every URL was fetched (or unchanged) and parsed, 1 otherwise.
            """)

    @Flag(help: "Print one JSON object per URL (one line each) instead of articles.")
    var json = false

    @Flag(name: .shortAndLong, help: "Show request and response headers and parser warnings.")
    var verbose = false

    @Flag(name: .shortAndLong, help: "No status lines or warnings on stderr; errors only.")
    var quiet = false

    @Flag(help: "Allow loopback, private, link-local and unique-local addresses.")
    var allowPrivateNetworks = false

    @Flag(name: .customLong("allow-file-urls"), help: "Allow file: URLs (file:///path or file:/path).")
    var allowFileURLs = false

    @Option(help: ArgumentHelp("Transfers in flight at once.", valueName: "n"))
    var concurrency = 32

    @Option(help: ArgumentHelp("Transfers in flight at once to one host.", valueName: "n"))
    var perHost = 2

    @Option(help: ArgumentHelp("Milliseconds between two request starts to one host.", valueName: "ms"))
    var perHostGap = 0

    @Option(help: ArgumentHelp("The largest body accepted (after decoding).", valueName: "bytes"))
    var maxBodySize = 16 << 20

    @Option(help: ArgumentHelp("Seconds allowed for the whole transfer.", valueName: "s"))
    var timeout = 30

    @Option(help: ArgumentHelp("Seconds allowed to connect.", valueName: "s"))
    var connectTimeout = 10

    @Option(help: ArgumentHelp("The User-Agent header.", valueName: "text"))
    var userAgent: String?

    @Option(help: ArgumentHelp("Send If-None-Match with this ETag.", valueName: "etag"))
    var etag: String?

    @Option(help: ArgumentHelp("Send If-Modified-Since with this date.", valueName: "date"))
    var lastModified: String?

    @Flag(help: "Fetch only: report each URL's status (and with --json its http object), parse nothing.")
    var noParse = false

    @Option(help: ArgumentHelp("Show each item's way to its full text (auto: for teasers; always), fetching its page.", valueName: "mode"))
    var fullText: String?

    @Flag(help: "With --full-text: fetch pages robots.txt disallows (off by default).")
    var ignoreRobots = false

    @Option(help: ArgumentHelp("Read more URLs from this file, one per line (- for standard input; # starts a comment).", valueName: "file"))
    var urlFile: String?

    @Argument(help: ArgumentHelp("Feed URLs.", valueName: "url"))
    var arguments: [String] = []

    func validate() throws {
        if arguments.isEmpty && urlFile == nil { throw ValidationError("give at least one URL") }
        if concurrency < 1 || concurrency > 1024 { throw ValidationError("--concurrency must be between 1 and 1024") }
        if perHost < 1 || perHost > concurrency { throw ValidationError("--per-host must be between 1 and --concurrency") }
        if maxBodySize < 1 { throw ValidationError("--max-body-size must be positive") }
        if timeout < 1 || connectTimeout < 1 { throw ValidationError("timeouts must be at least 1 second") }
        if perHostGap < 0 { throw ValidationError("--per-host-gap cannot be negative") }
        if let fullText, FullTextMode(rawValue: fullText) == nil {
            throw ValidationError("--full-text must be auto, always or never, not \(fullText)")
        }
        if fullText != nil && noParse { throw ValidationError("--full-text needs the feeds parsed: drop --no-parse") }
    }

    /// The URLs of the arguments, then those of --url-file.
    private func allURLs() throws -> [String] {
        guard let urlFile else { return arguments }
        var bytes: [UInt8] = []
        do {
            try InputFile(path: urlFile).read { bytes.append(contentsOf: $0) }
        } catch {
            Diagnostics.print("\(error)")
            throw ExitCode(1)
        }
        let lines = String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        // A URL has no spaces: the first word of a line is its URL.
        let urls = lines.compactMap { $0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).first.map(String.init) }
            .filter { !$0.hasPrefix("#") }
        return arguments + urls
    }

    func run() async throws {
        let urls = try allURLs()
        if urls.isEmpty {
            Diagnostics.print("\(urlFile ?? "-"): no URLs in the file")
            throw ExitCode(1)
        }
        let config = configuration
        let engine: FetchEngine
        do {
            engine = try FetchEngine(configuration: config)
        } catch {
            Diagnostics.print("\(error)")
            throw ExitCode(1)
        }
        defer { engine.shutdown() }

        let job = FetchJob(
            json: json, verbose: verbose, parse: !noParse, validators: Validators(etag: etag, lastModified: lastModified),
            fullText: fullText.flatMap(FullTextMode.init(rawValue:)), ignoreRobots: ignoreRobots, agent: config.userAgent)
        let stdout = Output()
        var failed = 0
        var seq = 0
        // A sliding window: enough work queued to keep every transfer slot busy while
        // results are parsed, never every body of a long URL list in memory at once.
        let window = concurrency + 4
        await withTaskGroup(of: FeedReport.self) { group in
            var next = 0
            while next < min(window, urls.count) {
                let url = urls[next]
                group.addTask { await job.run(url, engine: engine) }
                next += 1
            }
            while let report = await group.next() {
                if report.failed { failed += 1 }
                print(report, stdout, seq: &seq)
                if next < urls.count {
                    let url = urls[next]
                    group.addTask { await job.run(url, engine: engine) }
                    next += 1
                }
            }
        }
        stdout.flush()
        if failed > 0 { throw ExitCode(1) }
    }

    /// The engine's settings from the options.
    private var configuration: FetchConfiguration {
        var config = FetchConfiguration()
        config.maxConcurrent = concurrency
        config.maxPerHost = perHost
        config.perHostGapMilliseconds = perHostGap
        config.maxBodyBytes = maxBodySize
        config.totalTimeoutMilliseconds = timeout * 1000
        config.connectTimeoutMilliseconds = connectTimeout * 1000
        config.allowPrivateNetworks = allowPrivateNetworks
        config.allowFileURLs = allowFileURLs
        if let userAgent { config.userAgent = userAgent }
        return config
    }

    /// Prints what one URL produced: its diagnostics on stderr (with --quiet only a
    /// failure's last), its JSON lines or articles on stdout, the articles numbered on from
    /// `seq`.
    private func print(_ report: FeedReport, _ stdout: Output, seq: inout Int) {
        if !quiet {
            for line in report.diagnostics { Diagnostics.print(line) }
        } else if report.failed, let last = report.diagnostics.last {
            Diagnostics.print(last)
        }
        for line in report.jsonLines {
            stdout.write(line)
            stdout.write("\n")
        }
        for article in report.articles {
            stdout.write("==> \(Article.fileName(seq: seq, id: article.id)) <==\n")
            stdout.write(article.text)
            stdout.write("\n\n")
            seq += 1
        }
    }
}

/// What one URL produced, ready to print.
struct FeedReport: Sendable {
    var failed = false
    var diagnostics: [String] = []
    /// The feed's JSON object, or with --full-text one per item.
    var jsonLines: [String] = []
    var articles: [(id: String, text: String)] = []
}

/// Fetch, parse and render one URL (runs in a child task; the engine does the I/O).
struct FetchJob: Sendable {
    var json: Bool
    var verbose: Bool
    var parse: Bool
    var validators: Validators
    var fullText: FullTextMode?
    var ignoreRobots = false
    var agent = FetchConfiguration.defaultUserAgent

    func run(_ url: String, engine: FetchEngine) async -> FeedReport {
        let fetched = await FetchedFeed.fetch(FetchRequest(url: url, validators: validators, recordHeaders: verbose), engine: engine, parse: parse)
        let result = fetched.result
        let feed = fetched.parsed
        var report = FeedReport()
        if verbose, let http = result.http {
            for line in http.requestHeaderLines { report.diagnostics.append("\(url): > \(line)") }
            for line in http.responseHeaderLines { report.diagnostics.append("\(url): < \(line)") }
        }
        report.diagnostics.append(statusLine(url, result, feed: feed, parseError: fetched.parseError))
        if let feed, verbose || !json {
            for warning in feed.warnings { report.diagnostics.append("\(url): warning: \(warning)") }
        }
        report.failed = fetched.parseError != nil || {
            switch result.outcome {
            case .failed, .gone: return true
            case .fetched, .notModified: return false
            }
        }()
        if let mode = fullText, let feed {
            await addFullText(of: feed, url, mode: mode, engine: engine, to: &report)
        } else if json {
            report.jsonLines = [jsonLine(url, fetched)]
        } else if let feed {
            var converter = HTMLToText()
            let now = FeedDate(secondsSinceEpoch: Int64(time(nil)))
            report.articles = feed.articles(feedKey: url, firstSeen: now, using: &converter).map { ($0.id, $0.rendered) }
        }
        return report
    }

    /// With --full-text: each item's page fetched and extracted as the daemon would, one
    /// diagnostic line and one article (or JSON line) per item.
    private func addFullText(of feed: ParsedFeed, _ url: String, mode: FullTextMode, engine: FetchEngine, to report: inout FeedReport) async {
        let steps = await FullTextChain(engine: engine, mode: mode, ignoreRobots: ignoreRobots, agent: agent).run(feed)
        let identities = ItemIdentity.assign(to: feed.items)
        let now = FeedDate(secondsSinceEpoch: Int64(time(nil)))
        for (step, identity) in zip(steps, identities) {
            let id = ArticleID.make(feedKey: url, identity: identity)
            report.diagnostics.append(FullTextChain.describe(step, feedURL: url))
            if json {
                report.jsonLines.append(FullTextChain.json(step, feedURL: url, articleID: id))
            } else {
                let title = step.title ?? ArticleBuilder<HTMLToText>.fallbackTitle(body: step.body, limit: 80)
                let article = Article(id: id, date: (step.published ?? now).localDateString, title: title, body: UTF8Text(step.body))
                report.articles.append((id, article.rendered))
            }
        }
    }

    /// The URL's JSON object: the feed with how it was fetched, or `"feed": null` and why.
    private func jsonLine(_ url: String, _ fetched: FetchedFeed) -> String {
        var converter = HTMLToText()
        if let feed = fetched.parsed {
            return feed.json(using: &converter, feedKey: url) { writer in
                writer.string("url", url)
                fetched.result.writeJSON(into: &writer)
            }
        }
        var writer = JSONWriter()
        writer.beginObject()
        writer.raw("feed", "null")
        writer.beginArray("items")
        writer.endArray()
        writer.string("url", url)
        fetched.result.writeJSON(into: &writer, later: fetched.parseError.map { (stage: "parse", message: $0) })
        writer.endObject()
        return writer.string
    }

    private func statusLine(_ url: String, _ result: FetchResult, feed: ParsedFeed?, parseError: String?) -> String {
        var line = "\(url): "
        let hops = result.http?.redirects ?? []
        switch result.outcome {
        case .fetched:
            if let parseError {
                line += "FAIL (parse): \(parseError)"
            } else if !parse {
                line += "OK \(result.http?.status ?? 0), \(result.http?.bodyBytes ?? 0) bytes"
            } else {
                line += "OK \(result.http?.status ?? 0), \(feed?.items.count ?? 0) items, \(result.http?.bodyBytes ?? 0) bytes"
            }
        case .notModified(let why):
            line += "unchanged (\(why.rawValue))"
        case .gone:
            line += "GONE 410: the feed was removed; stop polling it"
        case .failed(let failure):
            line += "FAIL (\(failure.stage.rawValue)): \(failure.message)"
            if let curl = failure.curlMessage, !curl.isEmpty, !failure.message.contains(curl) { line += " [curl: \(curl)]" }
        }
        if !hops.isEmpty {
            let chain = hops.map { "\($0.status) \($0.location)" }.joined(separator: " → ")
            let kind = result.http?.permanentRedirect != nil ? "permanent" : "temporary"
            line += "; redirected (\(kind)): \(chain)"
        }
        return line
    }
}

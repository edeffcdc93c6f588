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
        let bytes = try Diagnostics.orExit { try InputFile(path: urlFile).bytes() }
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
        let engine = try Diagnostics.orExit { try FetchEngine(configuration: config) }
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
                printReport(report, stdout, seq: &seq)
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
    private func printReport(_ report: FeedReport, _ stdout: Output, seq: inout Int) {
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

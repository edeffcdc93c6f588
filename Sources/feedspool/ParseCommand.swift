import ArgumentParser
import FeedCore
import FeedParser

#if canImport(Glibc)
    import Glibc
#endif

struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse feed files into articles.",
        discussion: """
            Reads RSS 0.9x/1.0/2.0, Atom 0.3/1.0 or JSON Feed documents (the format is detected \
            from the content) and prints their items as articles, each after a line \
            "==> NAME <==". --out writes them as article files instead; --json prints one JSON \
            object per file. Exits 0 when every file was a feed (problems it recovered from are \
            reported on stderr), 1 when any file could not be read or is not a feed.
            """)

    @Flag(help: "Print one JSON object per file (one line each) instead of articles.")
    var json = false

    @Option(help: ArgumentHelp("Write articles as files into this directory.", valueName: "dir"))
    var out: String?

    @Option(help: ArgumentHelp("The documents' URL: the base for relative links and the scope of article ids.", valueName: "url"))
    var baseURL: String?

    @Option(help: ArgumentHelp("The HTTP Content-Type the documents came with (its charset is a hint).", valueName: "type"))
    var contentType: String?

    @Flag(name: .shortAndLong, help: "Do not report recovered problems.")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Also report the detected format and character encoding.")
    var verbose = false

    @Argument(help: ArgumentHelp("Feed files; - reads standard input.", valueName: "file"))
    var operands: [String] = ["-"]

    /// The options that take a value as the next word (for `Operands.split`).
    static let valuedOptions: Set<String> = ["--out", "--base-url", "--content-type"]

    /// Every file named, the ones `Operands` handed over directly included.
    var files: [String] { operands + Operands.moved }

    func validate() throws {
        if json && out != nil { throw ValidationError("--json and --out cannot be combined") }
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be read once") }
    }

    func run() throws {
        let stdout = Output()
        var converter = HTMLToText()
        var failed = 0
        let directory = try openDirectory()
        var seq = directory?.nextSequence ?? 0
        let now = FeedDate(secondsSinceEpoch: Int64(time(nil)))
        let options = FeedParserOptions(baseURL: baseURL, contentType: contentType)
        for path in files {
            guard let feed = parse(path, options: options) else {
                failed += 1
                continue
            }
            let feedKey = baseURL ?? feed.info.selfLink ?? feed.info.id ?? feed.info.link ?? ""
            if json {
                stdout.write(feed.json(using: &converter, feedKey: feedKey))
                stdout.write("\n")
                continue
            }
            for article in feed.articles(feedKey: feedKey, firstSeen: now, using: &converter) {
                try emit(article, seq: seq, into: directory, stdout)
                seq += 1
            }
        }
        stdout.flush()
        if let directory {
            try Diagnostics.orExit { try directory.sync() }
        }
        if failed > 0 { throw ExitCode(1) }
    }

    /// The directory `--out` names, opened (nil without `--out`).
    private func openDirectory() throws -> ArticleDirectory? {
        guard let out else { return nil }
        return try Diagnostics.orExit { try ArticleDirectory(path: out) }
    }

    /// Reads and parses one file, reporting on stderr what was recovered from (and with
    /// `--verbose` what was detected); nil, reported, when the file cannot be read or is
    /// not a feed.
    private func parse(_ path: String, options: FeedParserOptions) -> ParsedFeed? {
        let parser = StreamingFeedParser(options: options)
        let feed: ParsedFeed
        do {
            try InputFile(path: path).read { parser.feed($0) }
        } catch {
            Diagnostics.print("\(error)")  // names the file already
            return nil
        }
        do {
            feed = try parser.finish()
        } catch {
            Diagnostics.print("\(path): \(error)")
            return nil
        }
        if verbose {
            let charset = parser.charsetDecision.map { "\($0.charset) (\($0.reason))" } ?? "-"
            Diagnostics.print("\(path): \(feed.info.format.rawValue), \(feed.items.count) items, encoding \(charset)")
        }
        if !quiet {
            for warning in feed.warnings { Diagnostics.print("\(path): warning: \(warning)") }
        }
        return feed
    }

    /// Writes one article as a file into `directory`, or on standard output after its name.
    private func emit(_ article: Article, seq: Int, into directory: ArticleDirectory?, _ stdout: Output) throws {
        guard let directory else {
            stdout.write("==> ")
            stdout.write(Article.fileName(seq: seq, id: article.id))
            stdout.write(" <==\n")
            article.render { stdout.write($0) }
            stdout.write("\n\n")
            return
        }
        try Diagnostics.orExit { try directory.write(article, seq: seq) }
    }
}

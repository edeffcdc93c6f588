import ArgumentParser
import FeedCore
import FeedExtract
import FeedParser

#if canImport(Glibc)
    import Glibc
#endif

struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Extract the article from web pages.",
        discussion: """
            Reads saved web pages and prints each page's article — headline, date and the \
            body's paragraphs, without navigation, sidebars, comments, share bars or ads — in \
            the article format, each after a line "==> NAME <=="; --json prints one object per \
            page instead (url, title, author, published, published_local, language, body, \
            words, source, confidence). Pages over 8 MiB are cut. Exits 0 when every page had \
            an article, 1 when any had none or could not be read, with the reason.
            """)

    @Flag(help: "Print one JSON object per page (one line each) instead of articles.")
    var json = false

    @Flag(help: "Also show how each page scored (the best blocks, and what left out its longest paragraphs).")
    var explain = false

    @Option(help: ArgumentHelp("The pages' URL (the scope of the article ids).", valueName: "url"))
    var url: String?

    @Option(help: ArgumentHelp("The HTTP Content-Type the pages came with (its charset comes first).", valueName: "type"))
    var contentType: String?

    @Argument(help: ArgumentHelp("Page files; - reads standard input.", valueName: "file"))
    var operands: [String] = ["-"]

    static let valuedOptions: Set<String> = ["--url", "--content-type"]

    var files: [String] { operands + Operands.moved }

    func validate() throws {
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be read once") }
    }

    func run() throws {
        let stdout = Output()
        var failed = 0
        let now = FeedDate(secondsSinceEpoch: Int64(time(nil)))
        for (index, path) in files.enumerated() {
            var bytes: [UInt8] = []
            do {
                try InputFile(path: path).read { chunk in
                    if bytes.count <= PageParser.maxBytes { bytes.append(contentsOf: chunk) }
                }
            } catch {
                Diagnostics.print("\(error)")
                failed += 1
                continue
            }
            let page = PageParser.parse(bytes, contentType: contentType)
            if explain {
                Diagnostics.print("\(path): encoding \(page.charset) (\(page.charsetReason))\(page.truncated ? ", cut at 8 MiB" : "")")
                for pass in [true, false] {
                    for line in ArticleExtractor.explain(page.tree, stripsUnlikely: pass).split(separator: "\n") { Diagnostics.print("\(path): \(line)") }
                }
            }
            let article: ExtractedArticle
            do {
                article = try ArticleExtractor.extract(page.tree, url: url)
            } catch {
                Diagnostics.print("\(path): \(error)")
                failed += 1
                continue
            }
            if json {
                stdout.write(article.json)
                stdout.write("\n")
                continue
            }
            let key = (url ?? "") + "\u{1F}" + path
            let id = ArticleID.make(feedKey: key, identity: .link(url ?? path))
            let date = (article.published ?? now).localDateString
            let title = article.title ?? ArticleBuilder<HTMLToText>.fallbackTitle(body: article.body, limit: 80)
            let rendered = Article(id: id, date: date, title: title, body: UTF8Text(article.body))
            stdout.write("==> ")
            stdout.write(Article.fileName(seq: index, id: id))
            stdout.write(" <==\n")
            rendered.render { stdout.write($0) }
            stdout.write("\n\n")
        }
        stdout.flush()
        if failed > 0 { throw ExitCode(1) }
    }
}

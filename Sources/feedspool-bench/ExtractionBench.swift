import FeedCore
import FeedExtract
import FeedParser

#if canImport(Glibc)
    import Glibc
#endif

/// `feedspool-bench extract PAGES_DIR`: article extraction against reference texts.
///
/// PAGES_DIR holds one folder per page with `source.html` (the page) and `expected.html`
/// (the article's reference body, turned into text by the project's HTML → text rules), as
/// in mozilla/readability's test pages. Prints the F1 of the extracted bodies by the
/// measure public extraction benchmarks use (4-token shingles; precision and recall per
/// page, averaged over pages) and the CPU time of extraction alone.
enum ExtractionBench {
    static func run(pagesDirectory: String, verbose: Bool) {
        let names = listDirectory(pagesDirectory).sorted()
        var converter = HTMLToText()
        var tp = 0.0, fp = 0.0, fn = 0.0
        var pages = 0, noArticle = 0
        // The same over the pages whose metadata does not say they have no article
        // (Readability's `"readerable": false`).
        var atp = 0.0, afp = 0.0, afn = 0.0, articlePages = 0
        var cpu = 0.0
        for name in names {
            let dir = pagesDirectory + "/" + name
            guard let source = readFile(dir + "/source.html"), let expectedHTML = readFile(dir + "/expected.html") else { continue }
            let reference = converter.text(fromHTML: UTF8Text(bytes: expectedHTML)).string
            let started = cpuSeconds()
            let page = PageParser.parse(source)
            let extracted = (try? ArticleExtractor.extract(page.tree))?.body
            cpu += cpuSeconds() - started
            if extracted == nil { noArticle += 1 }
            let counts = TextOverlap.confusion(extracted: extracted ?? "", reference: reference)
            tp += counts.tp
            fp += counts.fp
            fn += counts.fn
            pages += 1
            let metadata = readFile(dir + "/expected-metadata.json").map { String(decoding: $0, as: UTF8.self) } ?? ""
            if !metadata.replacingAll(" ", "").contains("\"readerable\":false") {
                atp += counts.tp
                afp += counts.fp
                afn += counts.fn
                articlePages += 1
            }
            if verbose {
                let p = counts.tp + counts.fp > 0 ? counts.tp / (counts.tp + counts.fp) : 0, r = counts.tp + counts.fn > 0 ? counts.tp / (counts.tp + counts.fn) : 0
                print("\(name)\tP \(format(p))\tR \(format(r))\(extracted == nil ? "\tno article" : "")")
            }
        }
        guard pages > 0 else {
            print("no pages in \(pagesDirectory)")
            return
        }
        func f1(_ tp: Double, _ fp: Double, _ fn: Double) -> (Double, Double, Double) {
            let p = tp / (tp + fp), r = tp / (tp + fn)
            return (p, r, 2 * p * r / (p + r))
        }
        let (precision, recall, all) = f1(tp, fp, fn)
        print("| article extraction over \(pages) pages (\(noArticle) found without an article) | P \(format(precision)) R \(format(recall)) | **F1 \(format(all))** | \(format(cpu / Double(pages) * 1000)) ms CPU a page |")
        if articlePages < pages {
            let (p, r, f) = f1(atp, afp, afn)
            print("| the \(articlePages) of them whose metadata does not say \"no article\" | P \(format(p)) R \(format(r)) | **F1 \(format(f))** | - |")
        }
    }

    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        let rounded = (value * 1000).rounded() / 1000
        return String(rounded)
    }

    static func cpuSeconds() -> Double {
        var ru = rusage()
        getrusage(RUSAGE_SELF.rawValue, &ru)
        return Double(ru.ru_utime.tv_sec) + Double(ru.ru_utime.tv_usec) / 1e6 + Double(ru.ru_stime.tv_sec) + Double(ru.ru_stime.tv_usec) / 1e6
    }

    static func listDirectory(_ path: String) -> [String] {
        guard let value = opendir(path) else { return [] }
        defer { closedir(value) }
        var out: [String] = []
        while let entry = readdir(value) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if !name.hasPrefix(".") { out.append(name) }
        }
        return out
    }

    static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = read(fd, &chunk, chunk.count)
            if got <= 0 { return out }
            out.append(contentsOf: chunk[0..<got])
        }
    }
}

extension String {
    /// Every `target` replaced (the standard library's `replacing` would pull in regex).
    func replacingAll(_ target: Character, _ replacement: String) -> String {
        var out = ""
        for ch in self { if ch == target { out += replacement } else { out.append(ch) } }
        return out
    }
}

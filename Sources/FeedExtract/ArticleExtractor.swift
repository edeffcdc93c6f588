import FeedCore

/// A page's article, as `ArticleExtractor` found it.
public struct ExtractedArticle: Sendable {
    public var url: String?
    public var title: String?
    public var author: String?
    /// The publication time, with the offset the page wrote.
    public var published: FeedDate?
    public var language: String?
    /// Plain text, paragraphs separated by one blank line.
    public var body: String
    /// Words of `body` (a Chinese, Japanese or Korean character counts as one).
    public var words: Int
    /// Which evidence decided the body: `json-ld`, `microdata`, `article`, `main`, `scored`.
    public var source: String
    /// 0–1: how sure the extractor is that `body` is the whole article and nothing else.
    public var confidence: Double



    /// The `feedspool extract --json` object.
    public var json: String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.string("url", url)
        writer.string("title", title)
        writer.string("author", author)
        writer.string("published", published?.utcString)
        writer.string("published_local", published?.rfc3339String)
        writer.string("language", language)
        writer.string("body", body)
        writer.int("words", Int64(words))
        writer.string("source", source)
        writer.raw("confidence", String(format2(confidence)))
        writer.endObject()
        return writer.string
    }

    private func format2(_ value: Double) -> String {
        let hundredths = Int((max(0, min(1, value)) * 100).rounded())
        return hundredths == 100 ? "1" : "0." + (hundredths < 10 ? "0" : "") + String(hundredths)
    }
}

/// Why a page gave no article.
public struct NoArticle: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// Finds the article in a page: title, byline, date, language and the body's paragraphs,
/// leaving out what is not the story. Every signal the page offers is read and the body's
/// are cross-checked:
/// - JSON-LD `articleBody` is used when the page's visible text agrees with it (then the
///   visible text, which keeps the paragraphs, is the body), or alone when no visible text
///   scores (a page drawn by scripts); when they disagree, the visible text wins.
/// - `itemprop="articleBody"`, a single `<article>` or `<main>` is the body when it holds
///   the best-scoring block's text; otherwise the scoring decides (`ContentScoring`).
/// - A page whose best text is short or mostly links (an index, a login or consent wall, an
///   error page) has no article: `NoArticle` says why.
public enum ArticleExtractor {
    /// Fewest words of an article.
    public static let minimumWords = 50

    public static func extract(_ tree: PageTree, url: String? = nil) throws(NoArticle) -> ExtractedArticle {
        let signals = PageSignals(tree)
        let title = Self.title(signals, tree: tree)
        let hints = ContentScoring.ClassHints(tree)
        var (scoring, roots, source, body) = visibleBody(tree, signals: signals, title: title, stripsUnlikely: true, hints: hints)
        // Class names can hide the story itself ("sidebar-right" layouts): a short result is
        // tried again without them, and the longer one kept.
        var visibleWords = wordCount(body)
        if visibleWords < 200 {
            let second = visibleBody(tree, signals: signals, title: title, stripsUnlikely: false, hints: hints)
            let secondWords = wordCount(second.body)
            if secondWords > visibleWords * 2 {
                (scoring, roots, source, body) = second
                visibleWords = secondWords
            }
        }
        var confidence = 0.0

        var words = visibleWords
        if let ldBody = signals.jsonLDBody, wordCount(ldBody) >= minimumWords / 2 {
            let agreement = TextOverlap.containment(of: ldBody, in: body)
            if visibleWords >= minimumWords && agreement >= 0.5 {
                source = "json-ld"
                confidence = 0.9 + 0.1 * min(1, agreement)
            } else if visibleWords < minimumWords || !scoring.readerable {
                body = ldBody
                words = wordCount(ldBody)
                source = "json-ld"
                confidence = 0.7
            } else {
                confidence = 0.55  // the structured data says something else than the page shows
            }
        }
        guard words >= minimumWords || (words >= 15 && source != "scored") else {
            throw NoArticle(reason: words == 0
                ? "no article: the page has no block of text (an index, a login or consent wall, an error page, or a page drawn by scripts)"
                : "no article: the best text on the page is \(words) words (an index, a login or consent wall, or an error page)")
        }
        // An index or listing: headlines that are links, with short blurbs between them.
        let density = roots.isEmpty ? 0 : Double(roots.reduce(0) { $0 + scoring.linkLength[$1] }) / Double(max(1, roots.reduce(0) { $0 + scoring.textLength[$1] }))
        let structured = source == "json-ld" || source == "microdata"
        guard structured || (density < 0.4 && (scoring.readerable || words >= 150)) else {
            throw NoArticle(reason: "no article: the page's text is short paragraphs and links (an index or a listing)")
        }
        if confidence == 0 {
            let top = roots.first.map { scoring.linkDensity($0) } ?? 0
            let base: Double = source == "scored" ? 0.6 : 0.75
            confidence = min(0.95, base + Double(min(words, 600)) / 3000) * (1 - min(0.5, top))
        }
        let published = date(signals, tree: tree, roots: roots)
        return ExtractedArticle(
            url: url, title: title, author: author(signals, tree: tree, scoring: scoring),
            published: published, language: language(signals), body: body, words: words, source: source, confidence: confidence)
    }

    static let bylineHints = ContentScoring.Patterns(["byline", "author"])

    /// Words of a text whose white space is folded (spaces and line feeds only).
    static func wordCount(_ string: String) -> Int {
        var count = 0
        var inWord = false
        var text = string
        text.withUTF8 { bytes in
            var i = 0
            while i < bytes.count {
                let c = bytes[i]
                if c == 0x20 || c == 0x0A {
                    inWord = false
                } else if c >= 0xE3 && c <= 0xED || c == 0xF0 && i + 1 < bytes.count && bytes[i + 1] >= 0xA0 && bytes[i + 1] <= 0xAF {
                    // Chinese, Japanese and Korean (U+3000–U+D7FF, U+20000–U+2FFFF) are
                    // written without spaces: a character is a word.
                    count += 1
                    inWord = false
                } else if c & 0xC0 != 0x80 && !inWord {
                    inWord = true
                    count += 1
                }
                i += 1
            }
        }
        return count
    }

    /// The body the page shows: the best-scoring block with its siblings, or the container
    /// the page marks as the article when it holds that block.
    static func visibleBody(_ tree: PageTree, signals: PageSignals, title: String?, stripsUnlikely: Bool, hints: ContentScoring.ClassHints? = nil)
        -> (scoring: ContentScoring, roots: [Int], source: String, body: String)
    {
        let scoring = ContentScoring(tree, stripsUnlikely: stripsUnlikely, hints: hints)
        var roots: [Int] = []
        var source = "scored"
        if let top = scoring.best.map({ promoted($0, scoring) }) {
            roots = siblings(of: top, scoring)
            if let marked = markedContainer(signals, scoring, holding: top) {
                roots = [marked.node]
                source = marked.source
            }
        }
        let body = roots.isEmpty ? "" : BodyText(scoring: scoring, title: title, best: scoring.best).text(of: roots)
        return (scoring, roots, source, body)
    }

    /// The best block, or the element around it that holds it with other blocks that score
    /// nearly as well (an article whose paragraphs are grouped in several wrappers), or
    /// around it alone.
    static func promoted(_ best: Int, _ scoring: ContentScoring) -> Int {
        let tree = scoring.tree
        let strong = (0..<tree.count).filter { scoring.isCandidate[$0] && !scoring.excluded[$0] && $0 != best && scoring.scores[$0] >= scoring.scores[best] * 0.75 }
            .sorted { scoring.scores[$0] > scoring.scores[$1] }.prefix(4)
        var top = best
        if strong.count >= 2 {
            var ancestor = tree[best].parent
            while ancestor > 0 && tree[ancestor].name != "body" {
                let holds = strong.filter { candidate in
                    var above = tree[candidate].parent
                    while above > 0 && above != ancestor { above = tree[above].parent }
                    return above == ancestor
                }.count
                if holds >= 2 {
                    top = ancestor
                    break
                }
                ancestor = tree[ancestor].parent
            }
        }
        // Up through ancestors that still score (a third of the block's score at least): one
        // that scores more than the block holds more of the article.
        if top == best {
            var last = scoring.scores[best]
            let threshold = last / 3
            var ancestor = tree[best].parent
            while ancestor > 0 && tree[ancestor].name != "body" {
                if scoring.isCandidate[ancestor] && !scoring.excluded[ancestor] {
                    let score = scoring.scores[ancestor]
                    if score < threshold { break }
                    if score > last {
                        top = ancestor
                        break
                    }
                    last = score
                }
                ancestor = tree[ancestor].parent
            }
        }
        // An only child: its parent is the same block with its frame.
        while tree[top].parent > 0, tree[tree[top].parent].name != "body",
            tree.children(of: tree[top].parent).filter({ !tree[$0].isText }).count == 1
        {
            top = tree[top].parent
        }
        return top
    }

    /// The best block and its siblings that belong with it: scored well too, or paragraphs
    /// of text rather than links.
    static func siblings(of top: Int, _ scoring: ContentScoring) -> [Int] {
        let tree = scoring.tree
        let parent = tree[top].parent
        guard parent >= 0 else { return [top] }
        let threshold = max(10, scoring.scores[top] * 0.2)
        let topClass = tree[top].attribute("class")
        var out: [Int] = []
        for sibling in tree.children(of: parent) {
            if sibling == top {
                out.append(sibling)
                continue
            }
            guard !scoring.excluded[sibling], !tree[sibling].isText else { continue }
            var bonus = 0.0
            if let shared = topClass, !shared.isEmpty, tree[sibling].attribute("class") == shared { bonus = scoring.scores[top] * 0.2 }
            if scoring.isCandidate[sibling] && scoring.scores[sibling] + bonus >= threshold {
                out.append(sibling)
            } else if tree[sibling].name != "p", scoring.paragraphs[sibling] >= 2, scoring.textLength[sibling] >= 400, scoring.linkDensity(sibling) < 0.15,
                scoring.classWeight(sibling) >= 0
            {
                // More of the article's paragraphs, grouped deeper than the scoring reaches.
                out.append(sibling)
            } else if tree[sibling].name == "p" {
                let length = scoring.textLength[sibling], density = scoring.linkDensity(sibling)
                if length > 80 && density < 0.25 { out.append(sibling) } else if length > 0 && length <= 80 && density == 0 && tree.rawText(of: sibling).hasSuffix(".") { out.append(sibling) }
            }
        }
        return out
    }

    /// `itemprop="articleBody"`, else the one `<article>` (or `<main>`, `role="main"`) that
    /// holds the best block: (node, source).
    static func markedContainer(_ signals: PageSignals, _ scoring: ContentScoring, holding top: Int) -> (node: Int, source: String)? {
        let tree = scoring.tree
        func holds(_ container: Int) -> Bool {
            var above = top
            while above >= 0 {
                if above == container { return true }
                above = tree[above].parent
            }
            return false
        }
        // The container must hold most of the best block's text, not a page-wide wrapper
        // around the article and much else.
        func tight(_ container: Int) -> Bool {
            holds(container) && !scoring.excluded[container] && scoring.textLength[container] <= max(scoring.textLength[top] * 2, scoring.textLength[top] + 2000)
        }
        if let microdata = signals.microdataBody, holds(microdata) || (scoring.textLength[microdata] >= scoring.textLength[top] / 2 && !scoring.excluded[microdata]) {
            if scoring.textLength[microdata] > 0 { return (microdata, "microdata") }
        }
        let articles = (0..<tree.count).filter { tree[$0].name == "article" && !scoring.excluded[$0] }
        if articles.count == 1, tight(articles[0]) { return (articles[0], "article") }
        if let main = (0..<tree.count).first(where: { (tree[$0].name == "main" || tree[$0].attribute("role") == "main") && !scoring.excluded[$0] }), tight(main) {
            return (main, "main")
        }
        return nil
    }

    /// How the page scored, for a person: the best blocks with their scores and link
    /// density, and for each of the longest paragraphs, the element that left it out if one
    /// did.
    public static func explain(_ tree: PageTree, stripsUnlikely: Bool = true) -> String {
        let scoring = ContentScoring(tree, stripsUnlikely: stripsUnlikely)
        func describe(_ node: Int) -> String {
            let element = tree[node]
            var tag = "<" + element.name
            if let id = element.attribute("id") { tag += " id=\"\(id)\"" }
            if let classes = element.attribute("class") { tag += " class=\"\(classes.prefix(60))\"" }
            return tag + ">"
        }
        var out = "pass \(stripsUnlikely ? 1 : 2) (class names \(stripsUnlikely ? "" : "not ")ruling out): readerable: \(scoring.readerable)\n"
        let top = (0..<tree.count).filter { scoring.isCandidate[$0] }.sorted { scoring.scores[$0] > scoring.scores[$1] }.prefix(5)
        for candidate in top {
            out += "candidate \(describe(candidate)) score \(Int(scoring.scores[candidate])) text \(scoring.textLength[candidate]) links \(Int(scoring.linkDensity(candidate) * 100))%\n"
        }
        let signals = PageSignals(tree)
        let chosen = visibleBody(tree, signals: signals, title: title(signals, tree: tree), stripsUnlikely: stripsUnlikely)
        out += "body (\(chosen.source)) from \(chosen.roots.prefix(4).map(describe).joined(separator: ", "))\(chosen.roots.count > 4 ? ", …" : ""): \(wordCount(chosen.body)) words\n"
        var lengths: [(Int, Int)] = []
        for paragraph in 0..<tree.count where tree[paragraph].name == "p" {
            lengths.append((paragraph, ContentScoring.visibleLength(tree.rawText(of: paragraph))))
        }
        for (paragraph, length) in lengths.sorted(by: { $0.1 > $1.1 }).prefix(3) {
            var cause = "kept"
            var above = paragraph
            while above > 0 {
                if scoring.excluded[above] && (tree[above].parent < 0 || !scoring.excluded[tree[above].parent]) {
                    cause = "left out by \(describe(above))"
                    break
                }
                above = tree[above].parent
            }
            out += "paragraph of \(length) characters under \(describe(tree[paragraph].parent)): \(cause)\n"
        }
        return out
    }

}

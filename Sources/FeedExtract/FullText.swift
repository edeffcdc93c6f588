import FeedCore

/// Whether a feed's text for an item is only a teaser of the article on its page.
///
/// The rule, in order: no text at all; text that is only the title; text ending in an
/// ellipsis (`…`, `...`, `[…]`); text ending in a "read more" link's words (English,
/// German, French, Spanish, Italian, Dutch, Portuguese), or WordPress's "The post … appeared
/// first on …"; fewer than `fewWords` words. Anything else is the article.
public enum TeaserRule {
    /// Fewer words than this are a teaser.
    public static let fewWords = 120

    static let readMore = [
        "read more", "continue reading", "read the full", "read full", "full story", "keep reading", "more…", "more...",
        "weiterlesen", "mehr lesen", "lire la suite", "lire plus", "leer más", "seguir leyendo", "continua a leggere",
        "leggi tutto", "lees verder", "lees meer", "leia mais", "continue lendo", "appeared first on",
    ]

    /// (is a teaser, why), for a person.
    public static func judge(title: String?, text: String) -> (teaser: Bool, reason: String) {
        let body = text.trimmingCharacters(whereBlank: true)
        if body.isEmpty { return (true, "the feed has no text for it") }
        if let title, TextBuilder.oneLine(body).lowercased() == TextBuilder.oneLine(title).lowercased() {
            return (true, "the feed's text is only the title")
        }
        let lastParagraph = body.split(separator: "\n").last.map(String.init) ?? body
        let tail = lastParagraph.lowercased()
        for ending in ["…", "...", "[…]", "[...]", "(…)", "(...)", "… ]", "…)"] where tail.hasSuffix(ending) {
            return (true, "the feed's text ends with an ellipsis")
        }
        if ArticleExtractor.wordCount(lastParagraph) <= 15, readMore.contains(where: { tail.contains($0) }) {
            return (true, "the feed's text ends with a \u{201C}read more\u{201D} link")
        }
        let words = ArticleExtractor.wordCount(body)
        if words < fewWords { return (true, "the feed's text is only \(words) words") }
        return (false, "the feed carries \(words) words")
    }
}

/// Whether a page's extracted text is the item's article: it must agree with the item's
/// title or its teaser, so that a paywall, a consent wall or a wrong redirect never
/// replaces the feed's text with something else.
public enum Plausibility {
    /// (plausible, why), for a person.
    public static func check(pageText: String, title: String?, feedText: String) -> (plausible: Bool, reason: String) {
        let pageWords = ArticleExtractor.wordCount(pageText)
        let feedWords = ArticleExtractor.wordCount(feedText)
        if pageWords < max(ArticleExtractor.minimumWords, feedWords) {
            return (false, "the page's text (\(pageWords) words) is no longer than the feed's (\(feedWords))")
        }
        // The teaser without its "read more" line, as the page would hold it.
        var teaser = feedText
        if let last = teaser.split(separator: "\n").last, ArticleExtractor.wordCount(String(last)) <= 15,
            TeaserRule.readMore.contains(where: { last.lowercased().contains($0) })
        {
            teaser = String(teaser.dropLast(last.count))
        }
        if ArticleExtractor.wordCount(teaser) >= 12 {
            let held = TextOverlap.containment(of: teaser, in: pageText)
            if held >= 0.4 { return (true, "the page holds the feed's text (\(Int(held * 100))%)") }
        }
        if let title, !title.isEmpty {
            let overlap = titleOverlap(title, pageText)
            if overlap >= 0.6 { return (true, "the page's text speaks of the title (\(Int(overlap * 100))% of its words)") }
        }
        return (false, "the page's text agrees with neither the title nor the feed's text (a paywall, a consent wall or a wrong redirect?)")
    }

    /// The share of the title's words (of three letters or more) found in the start of
    /// the page's text.
    static func titleOverlap(_ title: String, _ page: String) -> Double {
        func words(_ text: String, limit: Int) -> [String] {
            var out: [String] = []
            var current = ""
            for ch in text.lowercased() {
                if ch.isLetter || ch.isNumber {
                    current.append(ch)
                } else if !current.isEmpty {
                    out.append(current)
                    current = ""
                    if out.count >= limit { break }
                }
            }
            if !current.isEmpty && out.count < limit { out.append(current) }
            return out
        }
        let titleWords = Set(words(title, limit: 64).filter { $0.count >= 3 || $0.unicodeScalars.contains { ArticleExtractor.isIdeographicScalar($0) } })
        guard !titleWords.isEmpty else { return 0 }
        let start = Set(words(page, limit: 400))
        return Double(titleWords.filter { start.contains($0) }.count) / Double(titleWords.count)
    }
}

extension ArticleExtractor {
    static func isIdeographicScalar(_ scalar: Unicode.Scalar) -> Bool {
        (0x3000...0xD7FF).contains(scalar.value) || (0x20000...0x2FFFF).contains(scalar.value)
    }
}

extension String {
    /// Without blank characters at either end.
    func trimmingCharacters(whereBlank: Bool) -> String {
        var trimmed = Substring(self)
        while let first = trimmed.first, first.isWhitespace { trimmed = trimmed.dropFirst() }
        while let last = trimmed.last, last.isWhitespace { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
}

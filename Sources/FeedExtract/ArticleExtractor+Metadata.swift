import FeedCore

// What a page says of itself beside its body: title, author, date and language.
extension ArticleExtractor {
    /// JSON-LD headline, OpenGraph or Twitter title, microdata headline, else the
    /// document's `<title>` without the site's name after a separator, else the first `<h1>`.
    static func title(_ signals: PageSignals, tree: PageTree) -> String? {
        if let found = signals.jsonLD("headline") ?? signals.meta["og:title"].map(TextBuilder.oneLine) ?? signals.meta["twitter:title"].map(TextBuilder.oneLine)
            ?? signals.microdataHeadline, !found.isEmpty
        {
            return found
        }
        guard let found = signals.documentTitle else {
            // No title but the page's own heading.
            return (0..<tree.count).first { tree.nodes[$0].name == "h1" }.map { TextBuilder.oneLine(tree.rawText(of: $0)) }?.nilIfEmpty
        }
        for separator in [" | ", " - ", " – ", " — ", " :: ", " » ", " · "] {
            if let range = found.ranges(of: separator).last {
                let head = String(found[..<range.lowerBound])
                if ArticleExtractor.wordCount(head) >= 3 { return head }
            }
        }
        return found
    }

    static func author(_ signals: PageSignals, tree: PageTree, scoring: ContentScoring) -> String? {
        let ld = signals.jsonLDAuthors
        if !ld.isEmpty { return ld.joined(separator: ", ") }
        if let named = signals.meta["author"] ?? signals.meta["article:author"] ?? signals.meta["dc.creator"] ?? signals.meta["parsely-author"] ?? signals.microdataAuthor {
            let byline = TextBuilder.oneLine(named)
            if !byline.isEmpty && !byline.hasPrefix("http") { return byline }
        }
        for node in 0..<tree.count where !tree.nodes[node].attributes.isEmpty {
            var classes: [UInt8] = []
            for attribute in tree.nodes[node].attributes where attribute.name == "class" || attribute.name == "rel" || attribute.name == "itemprop" {
                classes.append(contentsOf: attribute.value.utf8.lazy.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 })
                classes.append(0x20)
            }
            guard Self.bylineHints.match(classes) else { continue }
            var byline = TextBuilder.oneLine(tree.rawText(of: node))
            for prefix in ["By ", "by ", "BY "] where byline.hasPrefix(prefix) { byline.removeFirst(prefix.count) }
            if !byline.isEmpty && byline.count < 100 { return byline }
        }
        return nil
    }

    static func date(_ signals: PageSignals, tree: PageTree, roots: [Int]) -> FeedDate? {
        let candidates = [
            signals.jsonLD("datePublished"), signals.meta["article:published_time"], signals.meta["og:published_time"], signals.microdataDate,
            signals.meta["datepublished"], signals.meta["pubdate"], signals.meta["publishdate"], signals.meta["date"], signals.meta["dc.date"],
            signals.meta["dc.date.issued"], signals.meta["dcterms.created"], signals.meta["sailthru.date"], signals.meta["parsely-pub-date"],
            signals.jsonLD("dateCreated"),
        ]
        for candidate in candidates {
            if let candidate, let parsed = DateParser.parse(candidate) { return parsed }
        }
        // A <time datetime> in or before the article.
        for node in 0..<tree.count where tree[node].name == "time" {
            if let stamp = tree[node].attribute("datetime"), let parsed = DateParser.parse(stamp) { return parsed }
        }
        return nil
    }

    static func language(_ signals: PageSignals) -> String? {
        let raw = signals.jsonLD("inLanguage") ?? signals.htmlLang ?? signals.meta["og:locale"] ?? signals.meta["content-language"] ?? signals.meta["language"]
        return raw.flatMap(LanguageTag.normalize)
    }
}

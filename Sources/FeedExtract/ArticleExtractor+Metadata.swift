import FeedCore

// What a page says of itself beside its body: title, author, date and language.
extension ArticleExtractor {
    /// JSON-LD headline, OpenGraph or Twitter title, microdata headline, else the
    /// document's `<title>` without the site's name after a separator, else the first `<h1>`.
    static func title(_ s: PageSignals, tree: PageTree) -> String? {
        if let t = s.jsonLD("headline") ?? s.meta["og:title"].map(TextBuilder.oneLine) ?? s.meta["twitter:title"].map(TextBuilder.oneLine)
            ?? s.microdataHeadline, !t.isEmpty
        {
            return t
        }
        guard let t = s.documentTitle else {
            // No title but the page's own heading.
            return (0..<tree.count).first { tree.nodes[$0].name == "h1" }.map { TextBuilder.oneLine(tree.rawText(of: $0)) }?.nilIfEmpty
        }
        for separator in [" | ", " - ", " – ", " — ", " :: ", " » ", " · "] {
            if let r = t.ranges(of: separator).last {
                let head = String(t[..<r.lowerBound])
                if ArticleExtractor.wordCount(head) >= 3 { return head }
            }
        }
        return t
    }

    static func author(_ s: PageSignals, tree: PageTree, scoring: ContentScoring) -> String? {
        let ld = s.jsonLDAuthors
        if !ld.isEmpty { return ld.joined(separator: ", ") }
        if let a = s.meta["author"] ?? s.meta["article:author"] ?? s.meta["dc.creator"] ?? s.meta["parsely-author"] ?? s.microdataAuthor {
            let t = TextBuilder.oneLine(a)
            if !t.isEmpty && !t.hasPrefix("http") { return t }
        }
        for i in 0..<tree.count where !tree.nodes[i].attributes.isEmpty {
            var c: [UInt8] = []
            for a in tree.nodes[i].attributes where a.name == "class" || a.name == "rel" || a.name == "itemprop" {
                c.append(contentsOf: a.value.utf8.lazy.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 })
                c.append(0x20)
            }
            guard Self.bylineHints.match(c) else { continue }
            var t = TextBuilder.oneLine(tree.rawText(of: i))
            for prefix in ["By ", "by ", "BY "] where t.hasPrefix(prefix) { t.removeFirst(prefix.count) }
            if !t.isEmpty && t.count < 100 { return t }
        }
        return nil
    }

    static func date(_ s: PageSignals, tree: PageTree, roots: [Int]) -> FeedDate? {
        let candidates = [
            s.jsonLD("datePublished"), s.meta["article:published_time"], s.meta["og:published_time"], s.microdataDate,
            s.meta["datepublished"], s.meta["pubdate"], s.meta["publishdate"], s.meta["date"], s.meta["dc.date"],
            s.meta["dc.date.issued"], s.meta["dcterms.created"], s.meta["sailthru.date"], s.meta["parsely-pub-date"],
            s.jsonLD("dateCreated"),
        ]
        for c in candidates {
            if let c, let d = DateParser.parse(c) { return d }
        }
        // A <time datetime> in or before the article.
        for i in 0..<tree.count where tree[i].name == "time" {
            if let dt = tree[i].attribute("datetime"), let d = DateParser.parse(dt) { return d }
        }
        return nil
    }

    static func language(_ s: PageSignals) -> String? {
        let raw = s.jsonLD("inLanguage") ?? s.htmlLang ?? s.meta["og:locale"] ?? s.meta["content-language"] ?? s.meta["language"]
        return raw.flatMap(LanguageTag.normalize)
    }
}

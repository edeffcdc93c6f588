extension ParsedFeed {
    /// The `feedspool parse --json` object for this document, on one line.
    ///
    /// Shape (a documented contract; extra keys may be added, none removed):
    /// `{"feed":{"title","link","id","updated","language","author",…},"items":[{"id","title",
    /// "link","author","published","updated","summary","content","categories":[…],
    /// "enclosures":[{"url","type","length"}],…}]}`. Absent values are `null`, dates are UTC
    /// `YYYY-MM-DDTHH:MM:SSZ`, text fields are plain text (paragraphs joined by `"\n\n"`).
    /// - Parameter feedKey: the feed key for `article_id` (see `ArticleID`).
    /// - Parameter extra: writes further top-level keys (e.g. `feedspool fetch`'s `http`).
    public func json(using converter: inout some MarkupConverter, feedKey: String, extra: (inout JSONWriter) -> Void = { _ in }) -> String {
        var w = JSONWriter()
        var builder = ArticleBuilder(converter: converter)
        w.beginObject()
        w.beginObject("feed")
        w.string("title", info.title.map { builder.titleText($0) })
        w.string("link", info.link)
        w.string("id", info.id)
        w.string("updated", info.updated?.utcString)
        w.string("language", info.language)
        w.string("author", info.authors.lazy.compactMap(\.displayName).first)
        w.string("format", info.format.rawValue)
        w.string("subtitle", info.subtitle.map { builder.titleText($0) })
        w.string("self", info.selfLink)
        w.string("image", info.image)
        w.string("published", info.published?.utcString)
        w.string("publisher", info.publisher?.displayName)
        w.endObject()
        w.beginArray("items")
        let identities = ItemIdentity.assign(to: items)
        for (item, identity) in zip(items, identities) {
            w.beginObject()
            w.string("id", item.id)
            w.string("title", item.title.map { builder.titleText($0) })
            w.string("link", item.effectiveLink)
            w.string("author", item.authors.lazy.compactMap(\.displayName).first)
            w.string("published", item.published?.utcString)
            w.string("updated", item.updated?.utcString)
            w.string("summary", item.summary.map { $0.articleText(using: &builder.converter) })
            w.string("content", item.content.map { $0.articleText(using: &builder.converter) })
            w.beginArray("categories")
            for c in item.categories { w.string(nil, c) }
            w.endArray()
            w.beginArray("enclosures")
            for e in item.enclosures {
                w.beginObject()
                w.string("url", e.url)
                w.string("type", e.type)
                w.int("length", e.length)
                w.endObject()
            }
            w.endArray()
            w.string("article_id", ArticleID.make(feedKey: feedKey, identity: identity))
            w.string("identity", identity.key)
            w.string("date", item.articleDate?.localDateString)
            w.string("published_local", item.articleDate?.rfc3339String)
            w.string("language", item.language)
            w.string("thumbnail", item.thumbnail)
            w.string("comments", item.commentsURL)
            w.string("publisher", item.publisher?.displayName)
            w.endObject()
        }
        w.endArray()
        extra(&w)
        w.endObject()
        converter = builder.converter
        return w.string
    }
}

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
        var writer = JSONWriter()
        var builder = ArticleBuilder(converter: converter)
        writer.beginObject()
        writer.beginObject("feed")
        writer.string("title", info.title.map { builder.titleText($0) })
        writer.string("link", info.link)
        writer.string("id", info.id)
        writer.string("updated", info.updated?.utcString)
        writer.string("language", info.language)
        writer.string("author", info.authors.lazy.compactMap(\.displayName).first)
        writer.string("format", info.format.rawValue)
        writer.string("subtitle", info.subtitle.map { builder.titleText($0) })
        writer.string("self", info.selfLink)
        writer.string("image", info.image)
        writer.string("published", info.published?.utcString)
        writer.string("publisher", info.publisher?.displayName)
        writer.endObject()
        writer.beginArray("items")
        let identities = ItemIdentity.assign(to: items)
        for (item, identity) in zip(items, identities) {
            writer.beginObject()
            writer.string("id", item.id)
            writer.string("title", item.title.map { builder.titleText($0) })
            writer.string("link", item.effectiveLink)
            writer.string("author", item.authors.lazy.compactMap(\.displayName).first)
            writer.string("published", item.published?.utcString)
            writer.string("updated", item.updated?.utcString)
            writer.string("summary", item.summary.map { $0.articleText(using: &builder.converter) })
            writer.string("content", item.content.map { $0.articleText(using: &builder.converter) })
            writer.beginArray("categories")
            for category in item.categories { writer.string(nil, category) }
            writer.endArray()
            writer.beginArray("enclosures")
            for enclosure in item.enclosures {
                writer.beginObject()
                writer.string("url", enclosure.url)
                writer.string("type", enclosure.type)
                writer.int("length", enclosure.length)
                writer.endObject()
            }
            writer.endArray()
            writer.string("article_id", ArticleID.make(feedKey: feedKey, identity: identity))
            writer.string("identity", identity.key)
            writer.string("date", item.articleDate?.localDateString)
            writer.string("published_local", item.articleDate?.rfc3339String)
            writer.string("language", item.language)
            writer.string("thumbnail", item.thumbnail)
            writer.string("comments", item.commentsURL)
            writer.string("publisher", item.publisher?.displayName)
            writer.endObject()
        }
        writer.endArray()
        extra(&writer)
        writer.endObject()
        converter = builder.converter
        return writer.string
    }
}

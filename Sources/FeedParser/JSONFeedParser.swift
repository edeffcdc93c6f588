import FeedCore

/// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1), tolerant of the usual
/// deviations: numeric ids, a 1.0 `author` object, missing fields, unknown extensions, and
/// fields of the wrong type (read as absent). Read with the core's own `JSONValue`.
enum JSONFeedParser {
    static func parse(_ data: [UInt8], baseURL: String?) throws(FeedParseError) -> ParsedFeed {
        let doc: JSONValue
        do {
            doc = try JSONValue.parse(data)
        } catch {
            throw .invalidJSON(error.description)
        }
        guard doc.isObject else { throw .notAFeed("a JSON document that is \(doc.typeName), not a JSON Feed object") }
        let version = doc["version"]?.string
        guard version?.hasPrefix("https://jsonfeed.org/version/") == true
            || version?.hasPrefix("http://jsonfeed.org/version/") == true
            || doc["items"]?.array != nil
        else {
            throw .notAFeed("a JSON document without \"version\" or \"items\", not a JSON Feed")
        }
        let feedURL = doc["feed_url"]?.scalarText
        let base = feedURL ?? baseURL
        let info = Self.info(doc, version: version, feedURL: feedURL, base: base)
        var items: [FeedItem] = []
        var warnings: [ParseWarning] = []
        for (index, entry) in (doc["items"]?.array ?? []).enumerated() {
            guard entry.isObject else {
                warnings.append(ParseWarning(line: 0, column: 0, message: "items[\(index)] is not an object: skipped"))
                continue
            }
            items.append(Self.item(entry, at: index, base: base, feedLanguage: info.language, warnings: &warnings))
        }
        return ParsedFeed(info: info, items: items, warnings: warnings)
    }

    /// The feed's own fields; relative links resolve against `base` (its `feed_url`, or the
    /// URL it was fetched from).
    private static func info(_ doc: JSONValue, version: String?, feedURL: String?, base: String?) -> FeedInfo {
        var info = FeedInfo()
        info.format = version?.hasSuffix("/1") == true ? .jsonFeed10 : .jsonFeed11
        info.title = doc["title"]?.string.map { .text($0) }
        info.link = doc["home_page_url"]?.scalarText.map { URLResolver.resolve($0, against: base) }
        info.selfLink = feedURL
        info.id = feedURL
        info.language = doc["language"]?.string.flatMap(LanguageTag.normalize)
        info.subtitle = doc["description"]?.string.map { .text($0) }
        info.image = doc["icon"]?.string ?? doc["favicon"]?.string
        info.authors = Self.authors(doc)
        return info
    }

    /// One entry of `items`; a date that cannot be read is left out with a warning.
    private static func item(
        _ entry: JSONValue, at index: Int, base: String?, feedLanguage: String?, warnings: inout [ParseWarning]
    ) -> FeedItem {
        var item = FeedItem()
        item.guid = entry["id"]?.scalarText?.trimmingXMLSpace.nilIfEmpty
        item.guidIsPermaLink = false
        item.link = (entry["url"]?.scalarText ?? entry["external_url"]?.scalarText).map { URLResolver.resolve($0, against: base) }
        item.title = entry["title"]?.string.map { .text($0) }
        if let html = entry["content_html"]?.string, !html.isEmpty {
            item.content = .html(UTF8Text(html))
        } else if let text = entry["content_text"]?.string, !text.isEmpty {
            item.content = .text(text)
        }
        item.summary = entry["summary"]?.string.map { .text($0) }
        func date(_ field: String) -> FeedDate? {
            guard let text = entry[field]?.string, !text.isEmpty else { return nil }
            if let date = DateParser.parse(text) { return date }
            warnings.append(ParseWarning(line: 0, column: 0, message: "items[\(index)].\(field): unparseable date \"\(text.prefix(64))\""))
            return nil
        }
        item.published = date("date_published")
        item.updated = date("date_modified")
        item.authors = Self.authors(entry)
        item.categories = (entry["tags"]?.array ?? []).compactMap(\.string)
        item.language = entry["language"]?.string.flatMap(LanguageTag.normalize) ?? feedLanguage
        item.thumbnail = entry["image"]?.string ?? entry["banner_image"]?.string
        for attachment in entry["attachments"]?.array ?? [] {
            guard let url = attachment["url"]?.scalarText, !url.isEmpty else { continue }
            item.enclosures.append(
                Enclosure(
                    url: URLResolver.resolve(url, against: base), type: attachment["mime_type"]?.string,
                    length: attachment["size_in_bytes"]?.int64))
        }
        return item
    }

    /// `authors` (1.1), or the 1.0 `author` object.
    private static func authors(_ object: JSONValue) -> [Person] {
        let list = object["authors"]?.array ?? (object["author"].map { [$0] } ?? [])
        return list.compactMap { author in
            let name = author["name"]?.string
            let url = author["url"]?.string
            guard name?.isEmpty == false || url?.isEmpty == false else { return nil }
            return Person(name: name.map { TextBuilder.oneLine($0) }, uri: url)
        }
    }
}

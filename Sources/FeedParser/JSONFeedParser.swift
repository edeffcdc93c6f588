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
        var info = FeedInfo()
        info.format = version?.hasSuffix("/1") == true ? .jsonFeed10 : .jsonFeed11
        let feedURL = doc["feed_url"]?.scalarText
        let base = feedURL ?? baseURL
        info.title = doc["title"]?.string.map { .text($0) }
        info.link = doc["home_page_url"]?.scalarText.map { URLResolver.resolve($0, against: base) }
        info.selfLink = feedURL
        info.id = feedURL
        info.language = doc["language"]?.string.flatMap(LanguageTag.normalize)
        info.subtitle = doc["description"]?.string.map { .text($0) }
        info.image = doc["icon"]?.string ?? doc["favicon"]?.string
        info.authors = Self.authors(doc)
        var items: [FeedItem] = []
        var warnings: [ParseWarning] = []
        for (index, entry) in (doc["items"]?.array ?? []).enumerated() {
            guard entry.isObject else {
                warnings.append(ParseWarning(line: 0, column: 0, message: "items[\(index)] is not an object: skipped"))
                continue
            }
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
                guard let s = entry[field]?.string, !s.isEmpty else { return nil }
                if let d = DateParser.parse(s) { return d }
                warnings.append(ParseWarning(line: 0, column: 0, message: "items[\(index)].\(field): unparseable date \"\(s.prefix(64))\""))
                return nil
            }
            item.published = date("date_published")
            item.updated = date("date_modified")
            item.authors = Self.authors(entry)
            item.categories = (entry["tags"]?.array ?? []).compactMap(\.string)
            item.language = entry["language"]?.string.flatMap(LanguageTag.normalize) ?? info.language
            item.thumbnail = entry["image"]?.string ?? entry["banner_image"]?.string
            for a in entry["attachments"]?.array ?? [] {
                guard let url = a["url"]?.scalarText, !url.isEmpty else { continue }
                item.enclosures.append(
                    Enclosure(url: URLResolver.resolve(url, against: base), type: a["mime_type"]?.string, length: a["size_in_bytes"]?.int64))
            }
            items.append(item)
        }
        return ParsedFeed(info: info, items: items, warnings: warnings)
    }

    /// `authors` (1.1), or the 1.0 `author` object.
    private static func authors(_ o: JSONValue) -> [Person] {
        let list = o["authors"]?.array ?? (o["author"].map { [$0] } ?? [])
        return list.compactMap { a in
            let name = a["name"]?.string
            let url = a["url"]?.string
            guard name?.isEmpty == false || url?.isEmpty == false else { return nil }
            return Person(name: name.map { TextBuilder.oneLine($0) }, uri: url)
        }
    }
}

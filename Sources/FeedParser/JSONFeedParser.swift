import FeedCore
import Foundation

/// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1), tolerant of the usual
/// deviations: numeric ids, a 1.0 `author` object, missing fields, unknown extensions.
enum JSONFeedParser {
    static func parse(_ data: [UInt8], baseURL: String?) throws(FeedParseError) -> ParsedFeed {
        let doc: Document
        do {
            doc = try JSONDecoder().decode(Document.self, from: Data(data))
        } catch let DecodingError.dataCorrupted(ctx) {
            throw .invalidJSON(Self.describe(ctx))
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw .invalidJSON("wrong type at \(Self.path(ctx)): \(ctx.debugDescription)")
        } catch {
            throw .invalidJSON(String(describing: error))
        }
        guard doc.version?.hasPrefix("https://jsonfeed.org/version/") == true
            || doc.version?.hasPrefix("http://jsonfeed.org/version/") == true
            || doc.items != nil
        else {
            throw .notAFeed("a JSON document without \"version\" or \"items\", not a JSON Feed")
        }
        var info = FeedInfo()
        info.format = doc.version?.hasSuffix("/1") == true ? .jsonFeed10 : .jsonFeed11
        let base = doc.feed_url?.value ?? baseURL
        info.title = doc.title.map { .text($0) }
        info.link = doc.home_page_url?.value.map { URLResolver.resolve($0, against: base) }
        info.selfLink = doc.feed_url?.value
        info.id = doc.feed_url?.value
        info.language = doc.language
        info.subtitle = doc.description.map { .text($0) }
        info.image = doc.icon ?? doc.favicon
        info.authors = (doc.authors ?? doc.author.map { [$0] } ?? []).compactMap(\.person)
        var items: [FeedItem] = []
        var warnings: [ParseWarning] = []
        for (index, raw) in (doc.items ?? []).enumerated() {
            guard let entry = raw.value else {
                warnings.append(ParseWarning(line: 0, column: 0, message: "items[\(index)] is not an object: skipped"))
                continue
            }
            var item = FeedItem()
            item.guid = entry.id?.value?.trimmingXMLSpace.nilIfEmpty
            item.guidIsPermaLink = false
            item.link = (entry.url?.value ?? entry.external_url?.value).map { URLResolver.resolve($0, against: base) }
            item.title = entry.title.map { .text($0) }
            if let html = entry.content_html, !html.isEmpty {
                item.content = .html(html)
            } else if let text = entry.content_text, !text.isEmpty {
                item.content = .text(text)
            }
            item.summary = entry.summary.map { .text($0) }
            func date(_ s: String?, _ field: String) -> FeedDate? {
                guard let s, !s.isEmpty else { return nil }
                if let d = DateParser.parse(s) { return d }
                warnings.append(ParseWarning(line: 0, column: 0, message: "items[\(index)].\(field): unparseable date \"\(s.prefix(64))\""))
                return nil
            }
            item.published = date(entry.date_published, "date_published")
            item.updated = date(entry.date_modified, "date_modified")
            item.authors = (entry.authors ?? entry.author.map { [$0] } ?? []).compactMap(\.person)
            item.categories = entry.tags ?? []
            item.language = entry.language ?? doc.language
            item.thumbnail = entry.image ?? entry.banner_image
            for a in entry.attachments ?? [] {
                guard let url = a.url?.value, !url.isEmpty else { continue }
                item.enclosures.append(
                    Enclosure(url: URLResolver.resolve(url, against: base), type: a.mime_type, length: a.size_in_bytes?.int64))
            }
            items.append(item)
        }
        return ParsedFeed(info: info, items: items, warnings: warnings)
    }

    private static func path(_ ctx: DecodingError.Context) -> String {
        ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
    }

    private static func describe(_ ctx: DecodingError.Context) -> String {
        if let underlying = ctx.underlyingError as NSError?,
            let detail = underlying.userInfo[NSDebugDescriptionErrorKey] as? String
        {
            return detail
        }
        return ctx.debugDescription
    }

    // Decoding types: every field optional, scalars tolerant of the wrong JSON type.
    struct Document: Decodable {
        var version: String?
        var title: String?
        var home_page_url: Lenient?
        var feed_url: Lenient?
        var description: String?
        var icon: String?
        var favicon: String?
        var language: String?
        var author: Author?
        var authors: [Author]?
        var items: [Optionally<Entry>]?
    }

    struct Entry: Decodable {
        var id: Lenient?
        var url: Lenient?
        var external_url: Lenient?
        var title: String?
        var content_html: String?
        var content_text: String?
        var summary: String?
        var image: String?
        var banner_image: String?
        var date_published: String?
        var date_modified: String?
        var author: Author?
        var authors: [Author]?
        var tags: [String]?
        var language: String?
        var attachments: [Attachment]?
    }

    struct Author: Decodable {
        var name: String?
        var url: String?
        var person: Person? {
            guard name?.isEmpty == false || url?.isEmpty == false else { return nil }
            return Person(name: name.map { TextBuilder.oneLine($0) }, uri: url)
        }
    }

    struct Attachment: Decodable {
        var url: Lenient?
        var mime_type: String?
        var size_in_bytes: Lenient?
    }

    /// A string or a number, as feeds write ids and sizes both ways.
    struct Lenient: Decodable {
        var value: String?
        var int64: Int64? { value.flatMap { Int64($0) } }

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) {
                value = s
            } else if let i = try? c.decode(Int64.self) {
                value = String(i)
            } else if let d = try? c.decode(Double.self) {
                value = String(d)
            } else {
                value = nil
            }
        }
    }

    /// An array element that may be of the wrong shape without failing the whole feed.
    struct Optionally<T: Decodable>: Decodable {
        var value: T?
        init(from decoder: Decoder) throws {
            value = try? T(from: decoder)
        }
    }
}

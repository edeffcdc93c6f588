/// One article in the spool's format (see docs/article-format.md): a title line
/// ` date YYYY-MM-DD Title`, an empty line, then paragraphs one per line separated by one
/// empty line, and no newline after the last paragraph.
public struct Article: Sendable, Hashable {
    /// 16 lower-case hexadecimal digits; see `ArticleID`.
    public var id: String
    /// `YYYY-MM-DD`.
    public var date: String
    /// One line of text, never empty.
    public var title: String
    /// Paragraphs joined by `"\n\n"`; empty for an item with no body text. Bytes: the body
    /// goes from the HTML converter to the spool without ever being a `String`.
    public var body: UTF8Text

    public init(id: String, date: String, title: String, body: UTF8Text) {
        self.id = id
        self.date = date
        self.title = title
        self.body = body
    }

    /// The article's exact bytes.
    public var rendered: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(date.utf8.count + title.utf8.count + body.bytes.count + 10)
        render { bytes.append(contentsOf: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Hands the article's bytes to `sink` in pieces, in order (for writers that copy them
    /// into a buffer of their own: no whole-article string is built). `rendered` is these
    /// pieces joined.
    public func render(_ sink: (UnsafeBufferPointer<UInt8>) -> Void) {
        func put(_ text: String) {
            var text = text
            text.withUTF8(sink)
        }
        put(" date ")
        put(date)
        put(" ")
        put(title)
        if !body.isEmpty {
            put("\n\n")
            body.bytes.withUnsafeBufferPointer(sink)
        }
    }

    /// `<seq>_<id>.txt`, the sequence number zero-padded to `width` digits (at least 3).
    public static func fileName(seq: Int, id: String, width: Int = 3) -> String {
        var digits = String(seq)
        let padded = max(3, width)
        if digits.utf8.count < padded {
            digits = String(repeating: "0", count: padded - digits.utf8.count) + digits
        }
        return digits + "_" + id + ".txt"
    }

    /// Parses a spool file name back into its sequence number and id.
    public static func parseFileName(_ name: String) -> (seq: Int, id: String, width: Int)? {
        guard name.hasSuffix(".txt") else { return nil }
        let stem = name.utf8.dropLast(4)
        guard let us = stem.firstIndex(of: 0x5F) else { return nil }
        let seqPart = stem[stem.startIndex..<us]
        let idPart = stem[stem.index(after: us)...]
        guard seqPart.count >= 3, seqPart.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            idPart.count == 16,
            idPart.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }),
            let seq = Int(String(decoding: seqPart, as: UTF8.self))
        else { return nil }
        return (seq, String(decoding: idPart, as: UTF8.self), seqPart.count)
    }
}

/// Normalizes parsed items into articles: picks the fields, reduces markup to text and
/// dates the item (ARTICLE-FORMAT rules 9–11). Pure: the HTML converter is passed in.
public struct ArticleBuilder<Converter: MarkupConverter> {
    public var converter: Converter
    /// How many characters of the first paragraph an untitled item's title takes at most.
    public var fallbackTitleLength = 80

    public init(converter: Converter) {
        self.converter = converter
    }

    /// The article for `item`.
    /// - Parameters:
    ///   - id: the article id (`ArticleID.make`).
    ///   - firstSeen: when the item was first seen; dates an item that carries no usable date
    ///     (by its UTC day).
    public mutating func article(for item: FeedItem, id: String, firstSeen: FeedDate) -> Article {
        let body = bodyText(of: item)
        var title = item.title.map { titleText($0) } ?? ""
        if title.isEmpty { title = Self.fallbackTitle(body: body.string, limit: fallbackTitleLength) }
        if title.isEmpty, let link = item.effectiveLink { title = TextBuilder.oneLine(link) }
        if title.isEmpty { title = "(untitled)" }
        let date: String
        if let articleDate = item.articleDate {
            date = articleDate.localDateString
        } else {
            date = FeedDate(secondsSinceEpoch: firstSeen.secondsSinceEpoch).localDateString
        }
        return Article(id: id, date: date, title: title, body: body)
    }

    /// The fullest text the item carries: content, else summary (rule 10).
    public mutating func bodyText(of item: FeedItem) -> UTF8Text {
        if let content = item.content {
            let text = content.articleUTF8(using: &converter)
            if !text.isEmpty { return text }
        }
        if let summary = item.summary { return summary.articleUTF8(using: &converter) }
        return UTF8Text(bytes: [])
    }

    /// A title field as one line of text.
    public mutating func titleText(_ title: RichText) -> String {
        switch title {
        case .text(let text): return TextBuilder.oneLine(text)
        default: return TextBuilder.oneLine(title.articleText(using: &converter))
        }
    }

    /// The start of the first paragraph, cut at a word boundary (rule 9).
    public static func fallbackTitle(body: String, limit: Int) -> String {
        guard !body.isEmpty else { return "" }
        // Paragraphs are separated by "\n\n" and hold no other line feed.
        let first = body.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)[0]
        if first.count <= limit { return String(first) }
        let cut = first.prefix(limit)
        // The limit fell exactly on a word's end: keep the whole word.
        if first[cut.endIndex] == " " { return String(cut) }
        if let space = cut.lastIndex(of: " "), space > cut.startIndex {
            return String(cut[..<space])
        }
        return String(cut)
    }
}

extension ParsedFeed {
    /// Every item as an article, in document order, with ids scoped by `feedKey` (the
    /// identity rules of `ItemIdentity`). `firstSeen` dates items that carry no date.
    public func articles(feedKey: String, firstSeen: FeedDate, using converter: inout some MarkupConverter) -> [Article] {
        var builder = ArticleBuilder(converter: converter)
        defer { converter = builder.converter }
        let identities = ItemIdentity.assign(to: items)
        // Through the buffer: an item is read in place, not copied (a copy retains every field).
        return items.withUnsafeBufferPointer { all in
            var articles: [Article] = []
            articles.reserveCapacity(all.count)
            for i in all.indices {
                articles.append(
                    builder.article(for: all[i], id: ArticleID.make(feedKey: feedKey, identity: identities[i]), firstSeen: firstSeen))
            }
            return articles
        }
    }
}

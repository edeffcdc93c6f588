/// A person named by a feed (author, contributor).
public struct Person: Sendable, Hashable {
    public var name: String?
    public var email: String?
    public var uri: String?

    public init(name: String? = nil, email: String? = nil, uri: String? = nil) {
        self.name = name
        self.email = email
        self.uri = uri
    }

    /// The name, else the address (the universal feed parser's rule).
    public var displayName: String? {
        if let name, !name.isEmpty { return name }
        if let email, !email.isEmpty { return email }
        return nil
    }
}

/// A file attached to an item (RSS `enclosure`, Atom `link rel="enclosure"`, `media:content`,
/// JSON Feed `attachments`).
public struct Enclosure: Sendable, Hashable {
    public var url: String
    public var type: String?
    public var length: Int64?

    public init(url: String, type: String? = nil, length: Int64? = nil) {
        self.url = url
        self.type = type
        self.length = length
    }
}

/// One item of a feed, as parsed: raw fields, no normalization yet.
public struct FeedItem: Sendable, Hashable {
    /// RSS `guid`, Atom `id`, JSON Feed `id`, as written (surrounding white space trimmed).
    public var guid: String?
    /// False when an RSS `guid` says `isPermaLink="false"`.
    public var guidIsPermaLink = true
    public var title: RichText?
    /// The item's link, resolved against `xml:base` and the document's URL.
    public var link: String?
    public var authors: [Person] = []
    /// RSS 1.0's `rdf:about`: the item's id where it has no `guid` (not a link).
    public var about: String?
    /// Publication time (`pubDate`, Atom `published`, Atom 0.3 `issued`, `dcterms:issued`,
    /// JSON Feed `date_published`).
    public var published: FeedDate?
    /// Last update (Atom `updated`/`modified`, `dc:date`, `dcterms:modified`, CDF `LASTMOD`,
    /// JSON Feed `date_modified`).
    public var updated: FeedDate?
    /// `description`, Atom `summary`, JSON Feed `summary` (and `itunes:summary`,
    /// `media:description` when nothing else).
    public var summary: RichText?
    /// `content:encoded`, Atom `content`, JSON Feed `content_html` / `content_text`.
    public var content: RichText?
    public var categories: [String] = []
    public var enclosures: [Enclosure] = []
    public var language: String?
    public var thumbnail: String?
    public var commentsURL: String?
    /// `dc:publisher`.
    public var publisher: Person?

    public init() {}

    /// The id `parse --json` shows: the GUID, else RSS 1.0's `rdf:about`.
    public var id: String? { guid ?? about }

    /// The link a reader would follow: `link`, else a permalink `guid`.
    public var effectiveLink: String? {
        if let link, !link.isEmpty { return link }
        if guidIsPermaLink, let guid, guid.hasPrefix("http://") || guid.hasPrefix("https://") {
            return guid
        }
        return nil
    }

    /// The date the article format uses: publication time, else the update time.
    public var articleDate: FeedDate? { published ?? updated }
}

/// The feed-level metadata of a document.
public struct FeedInfo: Sendable, Hashable {
    public var format: FeedFormat = .unknown
    public var title: RichText?
    public var link: String?
    /// Atom `id`, JSON Feed `feed_url`, or the RSS channel's `atom:link rel="self"`.
    public var id: String?
    public var selfLink: String?
    public var updated: FeedDate?
    public var published: FeedDate?
    public var language: String?
    /// `author`, `managingEditor`, `dc:creator`, `itunes:author`, Atom `author`.
    public var authors: [Person] = []
    /// `webMaster`, `dc:publisher`: who publishes the feed, never its author.
    public var publisher: Person?
    public var subtitle: RichText?
    public var image: String?
    /// RSS `ttl`, in minutes.
    public var ttlMinutes: Int?
    /// `sy:updatePeriod` / `sy:updateFrequency`.
    public var updatePeriod: String?
    public var updateFrequency: Int?
    /// RSS `skipHours` (0-23, GMT) and `skipDays` (0 = Sunday … 6 = Saturday).
    public var skipHours: [Int] = []
    public var skipDays: [Int] = []

    public init() {}
}

/// The dialect a document was written in, detected from the document itself.
public enum FeedFormat: String, Sendable, Hashable {
    case rss090 = "rss090"
    case rss091 = "rss091"
    case rss092 = "rss092"
    case rss20 = "rss20"
    case rss10 = "rss10"
    case atom03 = "atom03"
    case atom10 = "atom10"
    /// Microsoft's Channel Definition Format (1997), still served by a few sites.
    case cdf = "cdf"
    case jsonFeed10 = "json10"
    case jsonFeed11 = "json11"
    case unknown = "unknown"
}

/// A whole parsed document: the feed's metadata, its items in document order, and the
/// problems the parser recovered from.
public struct ParsedFeed: Sendable {
    public var info: FeedInfo
    public var items: [FeedItem]
    public var warnings: [ParseWarning]

    public init(info: FeedInfo = FeedInfo(), items: [FeedItem] = [], warnings: [ParseWarning] = []) {
        self.info = info
        self.items = items
        self.warnings = warnings
    }
}

/// Something the parser recovered from, with where it was.
public struct ParseWarning: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        line > 0 ? "line \(line), column \(column): \(message)" : message
    }
}

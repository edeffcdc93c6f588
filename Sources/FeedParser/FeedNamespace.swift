import FeedCore

/// The XML namespaces feeds use, recognised by URI — or, when a feed forgot to declare
/// one, by its customary prefix.
enum FeedNamespace: Sendable, Equatable {
    case none, atom, atom03, rss10, rss090, rdf, content, dc, dcterms, media, itunes, sy, xhtml
    case xml, other

    init(uri: String?, prefix: String?) {
        if let uri {
            self = Self.byURI[uri] ?? Self.byURI[uri.hasSuffix("/") ? String(uri.dropLast()) : uri + "/"] ?? .other
        } else if let prefix {
            self = Self.byPrefix[prefix] ?? .other
        } else {
            self = .none
        }
    }

    /// RSS's own elements: no namespace in RSS 0.9x/2.0, the RSS 1.0 or 0.90 namespace in RDF.
    var isRSS: Bool { self == .none || self == .rss10 || self == .rss090 }
    var isAtom: Bool { self == .atom || self == .atom03 }

    private static let byURI: [String: FeedNamespace] = [
        "http://www.w3.org/2005/Atom": .atom,
        "http://purl.org/atom/ns#": .atom03,
        "http://purl.org/rss/1.0/": .rss10,
        "http://my.netscape.com/rdf/simple/0.9/": .rss090,
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#": .rdf,
        "http://purl.org/rss/1.0/modules/content/": .content,
        "http://purl.org/dc/elements/1.1/": .dc,
        "http://purl.org/dc/terms/": .dcterms,
        "http://search.yahoo.com/mrss/": .media,
        "http://search.yahoo.com/rss/": .media,
        "http://www.itunes.com/dtds/podcast-1.0.dtd": .itunes,
        "http://www.itunes.com/DTDs/Podcast-1.0.dtd": .itunes,
        "http://purl.org/rss/1.0/modules/syndication/": .sy,
        "http://www.w3.org/1999/xhtml": .xhtml,
        "http://www.w3.org/XML/1998/namespace": .xml,
    ]

    private static let byPrefix: [String: FeedNamespace] = [
        "atom": .atom, "content": .content, "dc": .dc, "dcterms": .dcterms, "media": .media,
        "itunes": .itunes, "sy": .sy, "rdf": .rdf, "xhtml": .xhtml, "xml": .xml,
    ]
}

/// An element's attributes as libxml2 reported them, read on demand: a value becomes a
/// String only when the builder asks for it, and no array is made for them. Valid only
/// during the start-element event that hands it over.
struct FeedAttributes {
    /// libxml2's SAX2 attribute array: local name, prefix, URI, value start and value end
    /// for each attribute (`nil` for an element without attributes).
    let entries: UnsafePointer<UnsafePointer<UInt8>?>?
    /// Each attribute's namespace, in order.
    let namespaces: UnsafeBufferPointer<FeedNamespace>

    /// An element without attributes.
    static var none: FeedAttributes { FeedAttributes(entries: nil, namespaces: UnsafeBufferPointer(start: nil, count: 0)) }

    /// The value of the un-namespaced attribute `name` (or one in a namespace not known).
    subscript(_ name: StaticString) -> String? {
        guard let entries else { return nil }
        for i in 0..<namespaces.count where namespaces[i] == .none || namespaces[i] == .other {
            if let local = entries[5 * i], Self.equal(local, name) { return value(i) }
        }
        return nil
    }

    /// The value of `xml:name` (`base`, `lang`).
    func xml(_ name: StaticString) -> String? {
        guard let entries else { return nil }
        for i in 0..<namespaces.count where namespaces[i] == .xml {
            if let local = entries[5 * i], Self.equal(local, name) { return value(i) }
        }
        return nil
    }

    private func value(_ i: Int) -> String {
        guard let entries, let start = entries[5 * i + 3], let end = entries[5 * i + 4] else { return "" }
        return String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
    }

    /// True when the NUL-terminated `c` spells `name`.
    private static func equal(_ c: UnsafePointer<UInt8>, _ name: StaticString) -> Bool {
        let n = name.utf8CodeUnitCount
        let p = name.utf8Start
        for k in 0..<n where c[k] != p[k] { return false }
        return c[n] == 0
    }
}

/// The local names of elements the builder acts on; every other name is `.other`. Switching
/// on these instead of on strings keeps string comparisons off the per-element path.
enum LocalName: String, Sendable {
    case author, available, category, channel, comments, content, contributor, created, creator
    case date, day, description, email, enclosure, encoded, entry, feed, group, guid, hour
    case HTML, html, icon, id, image, issued, item, language, lastBuildDate, link, logo, managingEditor
    case modified, name, pubDate, published, publisher, RDF, rss, skipDays, skipHours, source
    case subject, subtitle, summary, tagline, thumbnail, title, ttl, updated, updateFrequency
    case updatePeriod, uri, url, webMaster
    case other
}

/// An element's name as the builder sees it: what it is to the builder, its text (for
/// messages), and what it is to text extraction (for Atom `xhtml` content). The parser makes
/// one per distinct name in a document.
struct ElementName: Sendable {
    let local: LocalName
    let string: String
    let htmlTag: HTMLTag

    init(_ string: String) {
        self.string = string
        local = LocalName(rawValue: string) ?? .other
        htmlTag = HTMLTag.classify(string)
    }
}

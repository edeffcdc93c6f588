import FeedCore

/// The XML namespaces feeds use, recognised by URI — or, when a feed forgot to declare
/// one, by its customary prefix.
enum FeedNamespace: Sendable, Equatable {
    case none, atom, atom03, rss10, rss090, rdf, content, dc, dcterms, media, itunes, sy, xhtml
    case xml, other

    init(uri: String?, prefix: String?) {
        if let uri {
            let key = Self.key(uri)
            if let known = Self.byURI[key] {
                self = known
            } else if key.hasPrefix("http://purl.org/atom/ns") {
                self = .atom03  // the drafts between Atom 0.3 and 1.0 (…/ns#draft-ietf-atompub-format-08)
            } else if key.hasPrefix("http://backend.userland.com/rss") {
                self = .none  // RSS 2.0 under UserLand's namespaces (rss, rss2, …)
            } else {
                self = .other
            }
        } else if let prefix {
            self = Self.byPrefix[prefix] ?? .other
        } else {
            self = .none
        }
    }

    /// RSS's own elements: no namespace in RSS 0.9x/2.0, the RSS 1.0 or 0.90 namespace in RDF.
    var isRSS: Bool { self == .none || self == .rss10 || self == .rss090 }
    var isAtom: Bool { self == .atom || self == .atom03 }

    /// A namespace URI as compared: feeds misspell them in case (`PodCast-1.0.dtd`), with
    /// white space around, with `https`, with or without a trailing `/` or `#`; none of
    /// that makes a different namespace in practice.
    static func key(_ uri: String) -> String {
        var s = uri.trimmingXMLSpace.lowercased()
        if s.hasPrefix("https://") { s = "http://" + s.dropFirst(8) }
        while s.hasSuffix("/") || s.hasSuffix("#") { s.removeLast() }
        return s
    }

    /// Known namespaces by `key`.
    private static let byURI: [String: FeedNamespace] = {
        let table: [(String, FeedNamespace)] = [
            ("http://www.w3.org/2005/Atom", .atom),
            ("http://purl.org/atom/ns#", .atom03),
            // Atom's forerunners (Echo, Pie), read as Atom 0.3 is.
            ("http://purl.org/echo/", .atom03), ("http://purl.org/pie/", .atom03),
            ("http://example.com/newformat#", .atom03), ("http://example.com/necho", .atom03),
            ("uri/of/echo/namespace#", .atom03),
            ("http://purl.org/rss/1.0/", .rss10),
            ("http://my.netscape.com/rdf/simple/0.9/", .rss090),
            // RSS 2.0's own elements under the namespaces it once had.
            ("http://blogs.law.harvard.edu/tech/rss", .none),
            ("http://purl.org/rss/1.0/modules/rss091#", .none),
            ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", .rdf),
            ("http://purl.org/rss/1.0/modules/content/", .content),
            ("http://purl.org/dc/elements/1.1/", .dc),
            ("http://purl.org/dc/elements/1.0/", .dc),
            ("http://purl.org/dc/terms/", .dcterms),
            ("http://search.yahoo.com/mrss/", .media),
            ("http://search.yahoo.com/rss/", .media),
            ("http://www.itunes.com/dtds/podcast-1.0.dtd", .itunes),
            ("http://purl.org/rss/1.0/modules/syndication/", .sy),
            ("http://www.w3.org/1999/xhtml", .xhtml),
            ("http://www.w3.org/XML/1998/namespace", .xml),
        ]
        return Dictionary(table.map { (key($0.0), $0.1) }, uniquingKeysWith: { a, _ in a })
    }()

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
    func xml(_ name: StaticString) -> String? { value(of: name, in: .xml) }

    /// The value of `rdf:name` (`about`).
    func rdf(_ name: StaticString) -> String? { value(of: name, in: .rdf) }

    /// The value of `name` in either case (CDF writes `HREF`, `LASTMOD`).
    func anyCase(_ name: StaticString, _ upper: StaticString) -> String? { self[name] ?? self[upper] }

    private func value(of name: StaticString, in namespace: FeedNamespace) -> String? {
        guard let entries else { return nil }
        for i in 0..<namespaces.count where namespaces[i] == namespace {
            if let local = entries[5 * i], Self.equal(local, name) { return value(i) }
        }
        return nil
    }

    private func value(_ i: Int) -> String {
        guard let entries, let start = entries[5 * i + 3], let end = entries[5 * i + 4] else { return "" }
        let raw = UnsafeBufferPointer(start: start, count: end - start)
        guard raw.contains(0x26) else { return String(decoding: raw, as: UTF8.self) }
        return Self.resolvingAmpersands(raw)
    }

    /// libxml2, not asked to substitute entities (we never ask: see `XMLFeedParser`),
    /// reports an `&` written as `&amp;` or `&#38;` inside an attribute value as the
    /// reference `&#38;` (so that a tree builder could tell it from an entity). Every other
    /// reference arrives resolved, and a literal `&` cannot occur in a well-formed value, so
    /// each `&#38;` is one `&`: resolved here, exactly once.
    static func resolvingAmpersands(_ raw: UnsafeBufferPointer<UInt8>) -> String {
        let reference: [UInt8] = Array("&#38;".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            if raw[i] == 0x26, i + reference.count <= raw.count,
                raw[i..<(i + reference.count)].elementsEqual(reference)
            {
                out.append(0x26)
                i += reference.count
            } else {
                out.append(raw[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
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
    case abstract, author, body, category, channel, comments, content, contributor, created, creator
    case date, day, description, email, enclosure, encoded, entry, feed, fullitem, group, guid, hour
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
    /// What the name is in any case: CDF writes `CHANNEL`, `ITEM`, `TITLE`.
    let folded: LocalName
    let string: String
    let htmlTag: HTMLTag

    init(_ string: String) {
        self.string = string
        local = LocalName(rawValue: string) ?? .other
        folded = local != .other ? local : LocalName(rawValue: string.lowercased()) ?? .other
        htmlTag = HTMLTag.classify(string)
    }
}

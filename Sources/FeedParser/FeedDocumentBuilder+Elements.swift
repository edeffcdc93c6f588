import FeedCore

// Which element feeds which field, per dialect. The mapping follows the universal feed
// parser's (version 6) where the formats overlap: a permalink `guid` is the link of an item
// with no `link`; `dc:date` and `dcterms:modified` are update times, `pubDate`,
// `dcterms:issued` and Atom 0.3 `issued` publication times, Atom 0.3 `created` neither;
// `managingEditor` is an author, `webMaster` and `dc:publisher` the publisher.
extension FeedDocumentBuilder {
    mutating func detectFormat(ns: FeedNamespace, name: ElementName, attributes: FeedAttributes) {
        switch (ns, name.local) {
        case (.none, .rss):
            switch attributes["version"]?.trimmingXMLSpace {
            case "0.91"?: info.format = .rss091
            case "0.92"?: info.format = .rss092
            case "0.90"?: info.format = .rss090
            default: info.format = .rss20
            }
        case (.rdf, .RDF):
            info.format = .rss10
        case (.atom, .feed), (.atom, .entry), (.none, .entry):
            info.format = .atom10
        case (.atom03, .feed), (.atom03, .entry):
            info.format = .atom03
        case (.none, .feed):
            info.format = attributes["version"] == "0.3" ? .atom03 : .atom10
        case (.none, _) where name.folded == .channel && (name.local != .channel || attributes.anyCase("href", "HREF") != nil):
            info.format = .cdf  // <CHANNEL HREF="…">: Channel Definition Format
        case (_, .channel) where ns.isRSS:
            info.format = .rss091  // a bare channel: pre-2.0 RSS without its wrapper
        case (_, .html), (_, .HTML):
            setFailure(.notAFeed("an HTML page (root element <html>), not a feed"))
        default:
            setFailure(.notAFeed("root element <\(name.string)> is not RSS, RDF or Atom"))
        }
    }

    // Static, reading only the format: an instance method here made the compiler copy the
    // whole builder (848 bytes) for each call on the per-element path.
    static func isItemElement(_ ns: FeedNamespace, _ name: LocalName, format: FeedFormat) -> Bool {
        if format.isAtom { return name == .entry && (ns.isAtom || ns == .none) }
        return name == .item && ns.isRSS
    }

    /// Atom text constructs: `type` (text, html, xhtml or a MIME type); Atom 0.3's `mode`.
    /// `content` may hold any MIME type: inline XML for an XML type, base64 for any other
    /// that is not text. A type nothing defines falls back to text rather than losing it.
    static func atomTextKind(_ attributes: FeedAttributes, format: FeedFormat, content: Bool = false) -> TextKind {
        let type = attributes["type"]?.lowercasedToken ?? ""
        if format == .atom03 {
            let isHTML = type.hasPrefix("text/html") || type == "html"
            let isXHTML = type.hasPrefix("application/xhtml") || type == "xhtml"
            switch attributes["mode"]?.lowercasedToken {
            case "escaped": return isHTML || isXHTML ? .html : .text
            case "base64": return isHTML || isXHTML ? .base64HTML : .base64Text
            case nil where type == "html": return .html  // the drafts after 0.3: 1.0's types, no mode
            default: return isHTML || isXHTML ? .xhtml : .text
            }
        }
        switch type {
        case "", "text", "text/plain": return .text
        case "html", "text/html": return .html
        case "xhtml", "application/xhtml+xml": return .xhtml
        case _ where type.hasPrefix("text/"): return .text
        case _ where content && (type.hasSuffix("+xml") || type.hasSuffix("/xml")): return .xhtml
        case _ where content && type.contains("/"): return .base64Text
        default: return .text
        }
    }

    /// `type="plain"` or `type="html"` on `media:description`/`media:title`.
    static func mediaTextKind(_ attributes: FeedAttributes) -> TextKind {
        attributes["type"]?.lowercased() == "html" ? .html : .text
    }

    mutating func channelChild(
        _ ns: FeedNamespace, _ name: LocalName, _ attributes: FeedAttributes, _ frame: inout Frame, depth: Int
    ) {
        let base = self.base
        let atom = info.format.isAtom
        switch ns {
        case _ where (ns.isRSS && !atom) || (atom && (ns.isAtom || ns == .none)):
            switch name {
            case .title: begin(.feedTitle(atom ? Self.atomTextKind(attributes, format: info.format) : .rssTitle), depth: depth, base: base)
            case .link:
                if atom { atomLink(attributes, base: base, forItem: false) } else { begin(.feedLink, depth: depth, base: base) }
            case .description where !atom: begin(.feedSubtitle(.html), depth: depth, base: base)
            case .abstract where info.format == .cdf: begin(.feedSubtitle(.html), depth: depth, base: base)
            case .subtitle, .tagline: begin(.feedSubtitle(Self.atomTextKind(attributes, format: info.format)), depth: depth, base: base)
            case .id where atom: begin(.feedId, depth: depth, base: base)
            case .language: begin(.feedLanguage, depth: depth, base: base)
            case .lastBuildDate, .updated, .modified: begin(.feedUpdated, depth: depth, base: base)
            case .pubDate, .published: begin(.feedPublished, depth: depth, base: base)
            case .managingEditor: begin(.feedRSSAuthor, depth: depth, base: base)
            case .webMaster: begin(.feedPublisher, depth: depth, base: base)
            case .author:
                if atom { frame.role = .person(owner: .feed) } else { begin(.feedRSSAuthor, depth: depth, base: base) }
            case .logo where info.format == .cdf:
                if let href = attributes.anyCase("href", "HREF"), info.image == nil { info.image = URLResolver.resolve(href, against: base) }
            case .logo, .icon: if info.image == nil { begin(.feedImage, depth: depth, base: base) }
            case .image: frame.role = .image
            case .ttl: begin(.feedTTL, depth: depth, base: base)
            case .skipHours where !atom: frame.role = .skipHours
            case .skipDays where !atom: frame.role = .skipDays
            default: break
            }
        case .atom:
            // Atom inside an RSS channel: its self link, and its id as the feed's id.
            if name == .link { atomLink(attributes, base: base, forItem: false) }
            if name == .id && info.id == nil { begin(.feedId, depth: depth, base: base) }
        case .dc:
            switch name {
            case .creator, .author: begin(.feedCreator, depth: depth, base: base)
            case .publisher: begin(.feedPublisher, depth: depth, base: base)
            case .language: begin(.feedLanguage, depth: depth, base: base)
            case .date: begin(.feedUpdated, depth: depth, base: base)
            case .title: if info.title == nil { begin(.feedTitle(.rssTitle), depth: depth, base: base) }
            default: break
            }
        case .dcterms:
            if name == .modified { begin(.feedUpdated, depth: depth, base: base) }
            if name == .issued { begin(.feedPublished, depth: depth, base: base) }
        case .sy:
            if name == .updatePeriod { begin(.updatePeriod, depth: depth, base: base) }
            if name == .updateFrequency { begin(.updateFrequency, depth: depth, base: base) }
        case .itunes:
            if name == .image, let href = attributes["href"], info.image == nil {
                info.image = URLResolver.resolve(href, against: base)
            }
            if name == .author && info.authors.isEmpty { begin(.feedCreator, depth: depth, base: base) }
        default:
            break
        }
    }

    mutating func itemChild(
        _ ns: FeedNamespace, _ name: LocalName, _ attributes: FeedAttributes, _ frame: inout Frame, depth: Int
    ) {
        let base = self.base
        let atom = info.format.isAtom
        switch ns {
        case _ where (ns.isRSS && !atom) || (atom && (ns.isAtom || ns == .none)) || (ns == .atom && !atom):
            feedItemChild(ns, name, attributes, &frame, depth: depth)
        case .content:
            if name == .encoded { begin(.content(.html), depth: depth, base: base) }
        case .xhtml:
            if name == .body { begin(.content(.xhtml), depth: depth, base: base) }
        case .dc, .dcterms:
            dublinCoreItemChild(ns, name, depth: depth)
        case .media:
            mediaItemChild(name, attributes, depth: depth)
        case .itunes:
            switch name {
            case .summary: begin(.itunesSummary, depth: depth, base: base)
            case .author: begin(.itunesAuthor, depth: depth, base: base)
            case .image:
                if let href = attributes["href"] { itemState.itunesImage = URLResolver.resolve(href, against: base) }
            default: break
            }
        default:
            break
        }
        // `fullitem` (in whatever namespace a feed puts it) is the item's escaped HTML.
        if name == .fullitem { begin(.content(.html), depth: depth, base: base) }
        // media:group is transparent: its children are read as the item's own.
        if ns == .media && name == .group { frame.role = .mediaGroup }
    }

    /// An item's element in its feed format's own vocabulary (RSS, Atom, CDF).
    private mutating func feedItemChild(_ ns: FeedNamespace, _ name: LocalName, _ attributes: FeedAttributes, _ frame: inout Frame, depth: Int) {
        let base = self.base
        let atom = info.format.isAtom
        switch name {
        case .title: begin(.title(ns.isAtom || atom ? Self.atomTextKind(attributes, format: info.format) : .rssTitle), depth: depth, base: base)
        case .link:
            if atom || ns.isAtom {
                atomLink(attributes, base: base, forItem: true)
            } else {
                begin(.link, depth: depth, base: base)
            }
        case .description where !atom: begin(.summary(.html), depth: depth, base: base)
        case .abstract where info.format == .cdf: begin(.summary(.html), depth: depth, base: base)
        case .summary: begin(.summary(Self.atomTextKind(attributes, format: info.format)), depth: depth, base: base)
        case .content:
            if attributes["src"] == nil {
                begin(.content(Self.atomTextKind(attributes, format: info.format, content: true)), depth: depth, base: base)
            }
        case .body where ns == .none: begin(.content(.xhtml), depth: depth, base: base)
        case .guid where !atom:
            let permaLink = attributes["isPermaLink"]?.lowercasedToken != "false"
            begin(.guid(permaLink: permaLink), depth: depth, base: base)
        case .id where atom || ns.isAtom: begin(.guid(permaLink: false), depth: depth, base: base)
        case .pubDate, .published, .issued: begin(.published, depth: depth, base: base)
        case .updated, .modified: begin(.updated, depth: depth, base: base)
        case .author:
            if atom || ns.isAtom { frame.role = .person(owner: .item) } else { begin(.rssAuthor, depth: depth, base: base) }
        case .category:
            if let term = attributes["term"] ?? attributes["label"] {
                let category = TextBuilder.oneLine(term)
                if !category.isEmpty { Self.add(category, to: &itemState.item.categories) }
            } else {
                begin(.category, depth: depth, base: base)
            }
        case .comments: begin(.comments, depth: depth, base: base)
        case .enclosure:
            if let url = attributes["url"], !url.trimmingXMLSpace.isEmpty {
                addEnclosure(
                    URLResolver.resolve(url, against: base), type: attributes["type"], length: attributes["length"])
            }
        case .source where atom || ns.isAtom:
            frame.role = .skip  // the entry's origin feed: its title and id are not ours
        default:
            break
        }
    }

    /// Dublin Core's elements of an item (`dc:` and `dcterms:`).
    private mutating func dublinCoreItemChild(_ ns: FeedNamespace, _ name: LocalName, depth: Int) {
        let base = self.base
        if ns == .dcterms {
            switch name {
            case .issued: begin(.published, depth: depth, base: base)
            case .modified: begin(.updated, depth: depth, base: base)
            default: break
            }
            return
        }
        switch name {
        case .creator, .author: begin(.rssAuthor, depth: depth, base: base)
        case .publisher: begin(.publisher, depth: depth, base: base)
        case .date: begin(.updated, depth: depth, base: base)
        case .subject: begin(.category, depth: depth, base: base)
        case .title: begin(.dcTitle, depth: depth, base: base)
        case .description: begin(.dcDescription, depth: depth, base: base)
        case .language: begin(.itemLanguage, depth: depth, base: base)
        default: break
        }
    }

    /// Media RSS's elements of an item (and of its `media:group`).
    private mutating func mediaItemChild(_ name: LocalName, _ attributes: FeedAttributes, depth: Int) {
        let base = self.base
        switch name {
        case .content:
            if let url = attributes["url"], !url.trimmingXMLSpace.isEmpty {
                addEnclosure(URLResolver.resolve(url, against: base), type: attributes["type"], length: attributes["fileSize"])
            }
        case .thumbnail:
            if let url = attributes["url"], itemState.item.thumbnail == nil {
                itemState.item.thumbnail = URLResolver.resolve(url, against: base)
            }
        case .description: begin(.mediaDescription(Self.mediaTextKind(attributes)), depth: depth, base: base)
        case .title: begin(.mediaTitle, depth: depth, base: base)
        case .category: begin(.category, depth: depth, base: base)
        default: break  // media:group's children arrive here too: the group is transparent
        }
    }

    /// CDF keeps a channel's and an item's link and modification time in attributes.
    mutating func cdfAttributes(_ attributes: FeedAttributes, forItem: Bool) {
        if let href = attributes.anyCase("href", "HREF")?.trimmingXMLSpace, !href.isEmpty {
            let url = URLResolver.resolve(href, against: base)
            if forItem { itemState.item.link = url } else if info.link == nil { info.link = url }
        }
        if var lastmod = attributes.anyCase("lastmod", "LASTMOD") {
            let date = lastmod.withUTF8 { parseDate($0, "LASTMOD") }
            if forItem { itemState.item.updated = date } else if info.updated == nil { info.updated = date }
        }
    }

    private mutating func addEnclosure(_ url: String, type: String?, length: String?) {
        guard !itemState.item.enclosures.contains(where: { $0.url == url }) else { return }
        let len = length.flatMap { Int64($0.trimmingXMLSpace) }.flatMap { $0 >= 0 ? $0 : nil }
        let t = type?.trimmingXMLSpace
        itemState.item.enclosures.append(Enclosure(url: url, type: t?.isEmpty == false ? t : nil, length: len))
    }

    /// An Atom `link`: `rel` alternate (the default), enclosure or self.
    private mutating func atomLink(_ attributes: FeedAttributes, base: String?, forItem: Bool) {
        guard let href = attributes["href"], !href.trimmingXMLSpace.isEmpty else { return }
        let url = URLResolver.resolve(href, against: base)
        let rel = attributes["rel"]?.lowercasedToken ?? "alternate"
        let type = attributes["type"]?.lowercased()
        let isHTML = type == nil || type!.hasPrefix("text/html") || type!.hasPrefix("application/xhtml")
        switch rel {
        case "alternate", "http://www.iana.org/assignments/relation/alternate":
            if forItem {
                if itemState.item.link == nil || (isHTML && !itemState.alternateIsHTML) {
                    itemState.item.link = url
                    itemState.alternateIsHTML = isHTML
                }
            } else if info.link == nil {
                info.link = url
            }
        case "enclosure":
            if forItem { addEnclosure(url, type: attributes["type"], length: attributes["length"]) }
        case "self":
            if !forItem && info.selfLink == nil { info.selfLink = url }
        default:
            break
        }
    }

}

extension StringProtocol {
    var trimmingXMLSpace: String { String(self).trimmingXMLSpace }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

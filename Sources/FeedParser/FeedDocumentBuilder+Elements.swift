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
        _ ns: FeedNamespace, _ name: LocalName, _ a: FeedAttributes, _ frame: inout Frame, depth: Int
    ) {
        let base = self.base
        let atom = info.format.isAtom
        switch ns {
        case _ where (ns.isRSS && !atom) || (atom && (ns.isAtom || ns == .none)):
            switch name {
            case .title: begin(.feedTitle(atom ? Self.atomTextKind(a, format: info.format) : .rssTitle), depth: depth, base: base)
            case .link:
                if atom { atomLink(a, base: base, forItem: false) } else { begin(.feedLink, depth: depth, base: base) }
            case .description where !atom: begin(.feedSubtitle(.html), depth: depth, base: base)
            case .abstract where info.format == .cdf: begin(.feedSubtitle(.html), depth: depth, base: base)
            case .subtitle, .tagline: begin(.feedSubtitle(Self.atomTextKind(a, format: info.format)), depth: depth, base: base)
            case .id where atom: begin(.feedId, depth: depth, base: base)
            case .language: begin(.feedLanguage, depth: depth, base: base)
            case .lastBuildDate, .updated, .modified: begin(.feedUpdated, depth: depth, base: base)
            case .pubDate, .published: begin(.feedPublished, depth: depth, base: base)
            case .managingEditor: begin(.feedRSSAuthor, depth: depth, base: base)
            case .webMaster: begin(.feedPublisher, depth: depth, base: base)
            case .author:
                if atom { frame.role = .person(owner: .feed) } else { begin(.feedRSSAuthor, depth: depth, base: base) }
            case .logo where info.format == .cdf:
                if let href = a.anyCase("href", "HREF"), info.image == nil { info.image = URLResolver.resolve(href, against: base) }
            case .logo, .icon: if info.image == nil { begin(.feedImage, depth: depth, base: base) }
            case .image: frame.role = .image
            case .ttl: begin(.feedTTL, depth: depth, base: base)
            case .skipHours where !atom: frame.role = .skipHours
            case .skipDays where !atom: frame.role = .skipDays
            default: break
            }
        case .atom:
            // Atom inside an RSS channel: its self link, and its id as the feed's id.
            if name == .link { atomLink(a, base: base, forItem: false) }
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
            if name == .image, let href = a["href"], info.image == nil {
                info.image = URLResolver.resolve(href, against: base)
            }
            if name == .author && info.authors.isEmpty { begin(.feedCreator, depth: depth, base: base) }
        default:
            break
        }
    }

    mutating func itemChild(
        _ ns: FeedNamespace, _ name: LocalName, _ a: FeedAttributes, _ frame: inout Frame, depth: Int
    ) {
        let base = self.base
        let atom = info.format.isAtom
        switch ns {
        case _ where (ns.isRSS && !atom) || (atom && (ns.isAtom || ns == .none)) || (ns == .atom && !atom):
            switch name {
            case .title: begin(.title(ns.isAtom || atom ? Self.atomTextKind(a, format: info.format) : .rssTitle), depth: depth, base: base)
            case .link:
                if atom || ns.isAtom {
                    atomLink(a, base: base, forItem: true)
                } else {
                    begin(.link, depth: depth, base: base)
                }
            case .description where !atom: begin(.summary(.html), depth: depth, base: base)
            case .abstract where info.format == .cdf: begin(.summary(.html), depth: depth, base: base)
            case .summary: begin(.summary(Self.atomTextKind(a, format: info.format)), depth: depth, base: base)
            case .content:
                if a["src"] == nil {
                    begin(.content(Self.atomTextKind(a, format: info.format, content: true)), depth: depth, base: base)
                }
            case .body where ns == .none: begin(.content(.xhtml), depth: depth, base: base)
            case .guid where !atom:
                let permaLink = a["isPermaLink"]?.lowercasedToken != "false"
                begin(.guid(permaLink: permaLink), depth: depth, base: base)
            case .id where atom || ns.isAtom: begin(.guid(permaLink: false), depth: depth, base: base)
            case .pubDate, .published, .issued: begin(.published, depth: depth, base: base)
            case .updated, .modified: begin(.updated, depth: depth, base: base)
            case .author:
                if atom || ns.isAtom { frame.role = .person(owner: .item) } else { begin(.rssAuthor, depth: depth, base: base) }
            case .category:
                if let term = a["term"] ?? a["label"] {
                    let t = TextBuilder.oneLine(term)
                    if !t.isEmpty { Self.add(t, to: &itemState.item.categories) }
                } else {
                    begin(.category, depth: depth, base: base)
                }
            case .comments: begin(.comments, depth: depth, base: base)
            case .enclosure:
                if let url = a["url"], !url.trimmingXMLSpace.isEmpty {
                    addEnclosure(
                        URLResolver.resolve(url, against: base), type: a["type"], length: a["length"])
                }
            case .source where atom || ns.isAtom:
                frame.role = .skip  // the entry's origin feed: its title and id are not ours
            default:
                break
            }
        case .content:
            if name == .encoded { begin(.content(.html), depth: depth, base: base) }
        case .xhtml:
            if name == .body { begin(.content(.xhtml), depth: depth, base: base) }
        case .dc:
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
        case .dcterms:
            switch name {
            case .issued: begin(.published, depth: depth, base: base)
            case .modified: begin(.updated, depth: depth, base: base)
            default: break
            }
        case .media:
            switch name {
            case .content:
                if let url = a["url"], !url.trimmingXMLSpace.isEmpty {
                    addEnclosure(URLResolver.resolve(url, against: base), type: a["type"], length: a["fileSize"])
                }
            case .thumbnail:
                if let url = a["url"], itemState.item.thumbnail == nil {
                    itemState.item.thumbnail = URLResolver.resolve(url, against: base)
                }
            case .description: begin(.mediaDescription(Self.mediaTextKind(a)), depth: depth, base: base)
            case .title: begin(.mediaTitle, depth: depth, base: base)
            case .category: begin(.category, depth: depth, base: base)
            default: break  // media:group's children arrive here too: the group is transparent
            }
        case .itunes:
            switch name {
            case .summary: begin(.itunesSummary, depth: depth, base: base)
            case .author: begin(.itunesAuthor, depth: depth, base: base)
            case .image:
                if let href = a["href"] { itemState.itunesImage = URLResolver.resolve(href, against: base) }
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

    /// CDF keeps a channel's and an item's link and modification time in attributes.
    mutating func cdfAttributes(_ a: FeedAttributes, forItem: Bool) {
        if let href = a.anyCase("href", "HREF")?.trimmingXMLSpace, !href.isEmpty {
            let url = URLResolver.resolve(href, against: base)
            if forItem { itemState.item.link = url } else if info.link == nil { info.link = url }
        }
        if var lastmod = a.anyCase("lastmod", "LASTMOD") {
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
    private mutating func atomLink(_ a: FeedAttributes, base: String?, forItem: Bool) {
        guard let href = a["href"], !href.trimmingXMLSpace.isEmpty else { return }
        let url = URLResolver.resolve(href, against: base)
        let rel = a["rel"]?.lowercasedToken ?? "alternate"
        let type = a["type"]?.lowercased()
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
            if forItem { addEnclosure(url, type: a["type"], length: a["length"]) }
        case "self":
            if !forItem && info.selfLink == nil { info.selfLink = url }
        default:
            break
        }
    }

    // MARK: Storing captured text

    /// Puts the value of a rich-text field where it goes; the first of each kind wins
    /// (`dc:description` is kept until the item ends, when it stands in for a summary).
    mutating func place(_ field: Field, _ text: RichText?) {
        switch field {
        case .feedTitle: if info.title == nil { info.title = text }
        case .feedSubtitle: if info.subtitle == nil { info.subtitle = text }
        case .title: if itemState.item.title == nil { itemState.item.title = text }
        case .summary: if itemState.item.summary == nil { itemState.item.summary = text }
        case .content: if itemState.item.content == nil { itemState.item.content = text }
        case .mediaDescription: if itemState.mediaDescription == nil { itemState.mediaDescription = text }
        case .dcDescription: itemState.dcDescription = text
        default: break
        }
    }

    mutating func store(_ field: Field, raw: String, isXHTML: Bool, base: String?) {
        switch field {
        case .feedTitle(let k), .feedSubtitle(let k), .title(let k), .summary(let k), .content(let k):
            place(field, richText(raw, kind: k, isXHTML: isXHTML))
        case .mediaDescription(let k): place(field, richText(raw, kind: k, isXHTML: false))
        case .dcDescription: place(field, .html(UTF8Text(raw)))
        case .feedLink:
            let t = raw.trimmingXMLSpace
            if !t.isEmpty && info.link == nil { info.link = URLResolver.resolve(t, against: base) }
        case .feedId: if info.id == nil { info.id = raw.trimmingXMLSpace.nilIfEmpty }
        case .feedUpdated, .feedPublished, .published, .updated:
            var s = raw
            s.withUTF8 { storeDate(field, $0) }
        case .feedLanguage: if let l = LanguageTag.normalize(raw) { info.language = l }
        case .feedImage:
            if let u = raw.trimmingXMLSpace.nilIfEmpty, info.image == nil { info.image = URLResolver.resolve(u, against: base) }
        case .feedTTL: info.ttlMinutes = Int(raw.trimmingXMLSpace)
        case .updatePeriod: info.updatePeriod = raw.trimmingXMLSpace.nilIfEmpty
        case .updateFrequency: info.updateFrequency = Int(raw.trimmingXMLSpace)
        case .skipHour:
            // 0-23 in GMT; some feeds write 24 for midnight.
            if let h = Int(raw.trimmingXMLSpace), (0...24).contains(h), !info.skipHours.contains(h % 24) { info.skipHours.append(h % 24) }
        case .skipDay:
            let days = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
            if let d = days.firstIndex(of: raw.trimmingXMLSpace.lowercased()), !info.skipDays.contains(d) { info.skipDays.append(d) }
        case .feedRSSAuthor, .feedCreator:
            if info.authors.isEmpty, let p = PersonText.person(raw) { info.authors.append(p) }
        case .feedPublisher: if info.publisher == nil { info.publisher = PersonText.person(raw) }
        case .personName: person.name = PersonText.plainName(raw).nilIfEmpty
        case .personEmail: person.email = raw.trimmingXMLSpace.nilIfEmpty
        case .personURI: person.uri = raw.trimmingXMLSpace.nilIfEmpty.map { URLResolver.resolve($0, against: base) }

        case .link:
            if let t = raw.trimmingXMLSpace.nilIfEmpty, itemState.item.link == nil {
                itemState.item.link = URLResolver.resolve(t, against: base)
            }
        case .guid(let permaLink):
            if itemState.item.guid == nil, let g = raw.trimmingXMLSpace.nilIfEmpty {
                itemState.item.guid = g
                itemState.item.guidIsPermaLink = permaLink
            }
        case .rssAuthor: if let p = PersonText.person(raw) { itemState.item.authors.append(p) }
        case .publisher: if itemState.item.publisher == nil { itemState.item.publisher = PersonText.person(raw) }
        case .category:
            if let c = TextBuilder.oneLine(raw).nilIfEmpty { Self.add(c, to: &itemState.item.categories) }
        case .comments:
            if let c = raw.trimmingXMLSpace.nilIfEmpty { itemState.item.commentsURL = URLResolver.resolve(c, against: base) }
        case .mediaTitle: itemState.mediaTitle = raw
        case .dcTitle: itemState.dcTitle = raw
        case .itunesSummary: itemState.itunesSummary = raw
        case .itunesAuthor: itemState.itunesAuthor = raw
        case .itemLanguage: itemState.item.language = LanguageTag.normalize(raw) ?? itemState.item.language
        }
    }

    /// Puts a date field's value (its text as bytes) where it goes; the first of each kind wins.
    mutating func storeDate(_ field: Field, _ text: UnsafeBufferPointer<UInt8>) {
        switch field {
        case .feedUpdated: if info.updated == nil { info.updated = parseDate(text, "updated") }
        case .feedPublished: if info.published == nil { info.published = parseDate(text, "published") }
        case .published:
            if itemState.item.published == nil { itemState.item.published = parseDate(text, "published") }
        case .updated: if itemState.item.updated == nil { itemState.item.updated = parseDate(text, "updated") }
        default: break
        }
    }

    /// Appends a category, with room for a few at the first (items often have several).
    static func add(_ category: String, to categories: inout [String]) {
        if categories.isEmpty { categories.reserveCapacity(4) }
        categories.append(category)
    }

    mutating func finishItem() {
        // Taken out of the builder rather than copied: no retain/release of every field.
        var st = ItemState()
        swap(&st, &itemState)
        var item = FeedItem()
        swap(&item, &st.item)
        if item.summary == nil {
            item.summary = st.dcDescription ?? st.mediaDescription ?? st.itunesSummary.map { RichText.text($0) }
        }
        if item.title == nil {
            if let t = st.dcTitle ?? st.mediaTitle { item.title = richText(t, kind: .rssTitle, isXHTML: false) }
        }
        if item.authors.isEmpty, let a = st.itunesAuthor.flatMap({ PersonText.plainName($0).nilIfEmpty }) {
            item.authors.append(Person(name: a))
        }
        if item.thumbnail == nil { item.thumbnail = st.itunesImage }
        // Room for a feed's usual count at once, rather than growing (and moving every
        // item) from one to two, four, … .
        if items.capacity == 0 { items.reserveCapacity(64) }
        items.append(item)
    }
}

extension StringProtocol {
    var trimmingXMLSpace: String { String(self).trimmingXMLSpace }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

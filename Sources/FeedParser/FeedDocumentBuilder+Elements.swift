import FeedCore

// Which element feeds which field, per dialect. The mapping follows the universal feed
// parser's where the formats overlap (e.g. a permalink `guid` is the link of an item with
// no `link`; `dc:date` is a publication date).
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
        case (.atom, .feed):
            info.format = .atom10
        case (.atom03, .feed):
            info.format = .atom03
        case (.none, .feed):
            info.format = attributes["version"] == "0.3" ? .atom03 : .atom10
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
    static func atomTextKind(_ attributes: FeedAttributes, format: FeedFormat) -> TextKind {
        let type = attributes["type"]?.lowercasedToken ?? ""
        if format == .atom03 {
            let mode = attributes["mode"]?.lowercased() ?? "xml"
            let isHTML = type.hasPrefix("text/html") || type == "html"
            let isXHTML = type.hasPrefix("application/xhtml") || type == "xhtml"
            switch mode {
            case "escaped": return isHTML || isXHTML ? .html : .text
            case "base64": return .unsupported
            default: return isHTML || isXHTML ? .xhtml : .text
            }
        }
        switch type {
        case "", "text", "text/plain": return .text
        case "html", "text/html": return .html
        case "xhtml", "application/xhtml+xml": return .xhtml
        default: return type.hasPrefix("text/") ? .text : .unsupported
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
            case .subtitle, .tagline: begin(.feedSubtitle(Self.atomTextKind(a, format: info.format)), depth: depth, base: base)
            case .id where atom: begin(.feedId, depth: depth, base: base)
            case .language: begin(.feedLanguage, depth: depth, base: base)
            case .lastBuildDate, .updated, .modified: begin(.feedUpdated, depth: depth, base: base)
            case .pubDate, .published: begin(.feedPublished, depth: depth, base: base)
            case .managingEditor, .webMaster: begin(.feedRSSAuthor, depth: depth, base: base)
            case .author:
                if atom { frame.role = .person(owner: .feed) } else { begin(.feedRSSAuthor, depth: depth, base: base) }
            case .logo, .icon: if info.image == nil { begin(.feedImage, depth: depth, base: base) }
            case .image: frame.role = .image
            case .ttl: begin(.feedTTL, depth: depth, base: base)
            case .skipHours where !atom: frame.role = .skipHours
            case .skipDays where !atom: frame.role = .skipDays
            default: break
            }
        case .atom:
            if name == .link { atomLink(a, base: base, forItem: false) }
        case .dc:
            switch name {
            case .creator, .publisher: begin(.feedCreator, depth: depth, base: base)
            case .language: begin(.feedLanguage, depth: depth, base: base)
            case .date: begin(.feedDCDate, depth: depth, base: base)
            case .title: if info.title == nil { begin(.feedTitle(.rssTitle), depth: depth, base: base) }
            default: break
            }
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
            case .summary: begin(.summary(Self.atomTextKind(a, format: info.format)), depth: depth, base: base)
            case .content:
                if a["src"] == nil { begin(.content(Self.atomTextKind(a, format: info.format)), depth: depth, base: base) }
            case .guid where !atom:
                let permaLink = a["isPermaLink"]?.lowercasedToken != "false"
                begin(.guid(permaLink: permaLink), depth: depth, base: base)
            case .id where atom || ns.isAtom: begin(.guid(permaLink: false), depth: depth, base: base)
            case .pubDate, .published, .issued, .created: begin(.published, depth: depth, base: base)
            case .updated, .modified: begin(.updated, depth: depth, base: base)
            case .author:
                if atom || ns.isAtom { frame.role = .person(owner: .item) } else { begin(.rssAuthor, depth: depth, base: base) }
            case .category:
                if let term = a["term"] ?? a["label"] {
                    let t = term.trimmingXMLSpace
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
        case .dc:
            switch name {
            case .creator, .contributor: begin(.creator, depth: depth, base: base)
            case .date: begin(.dcDate, depth: depth, base: base)
            case .subject: begin(.category, depth: depth, base: base)
            case .title: begin(.dcTitle, depth: depth, base: base)
            case .description: begin(.dcDescription, depth: depth, base: base)
            case .language: begin(.itemLanguage, depth: depth, base: base)
            default: break
            }
        case .dcterms:
            switch name {
            case .issued, .created, .available: begin(.dctermsIssued, depth: depth, base: base)
            case .modified: begin(.dctermsModified, depth: depth, base: base)
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
        // media:group is transparent: its children are read as the item's own.
        if ns == .media && name == .group { frame.role = .mediaGroup }
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
        case .feedId: info.id = raw.trimmingXMLSpace.nilIfEmpty
        case .feedUpdated, .feedPublished, .feedDCDate, .pubDate, .published, .updated, .dcDate, .dctermsIssued,
            .dctermsModified:
            var s = raw
            s.withUTF8 { storeDate(field, $0) }
        case .feedLanguage: if let l = raw.trimmingXMLSpace.nilIfEmpty { info.language = l }
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
        case .feedRSSAuthor:
            if let p = Self.rssPerson(raw), info.authors.isEmpty { info.authors.append(p) }
        case .feedCreator:
            if let n = TextBuilder.oneLine(raw).nilIfEmpty, info.authors.isEmpty { info.authors.append(Person(name: n)) }
        case .personName: person.name = TextBuilder.oneLine(raw).nilIfEmpty
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
        case .rssAuthor: if let p = Self.rssPerson(raw) { itemState.item.authors.append(p) }
        case .creator:
            if let n = TextBuilder.oneLine(raw).nilIfEmpty { itemState.item.authors.append(Person(name: n)) }
        case .category:
            if let c = TextBuilder.oneLine(raw).nilIfEmpty { Self.add(c, to: &itemState.item.categories) }
        case .comments:
            if let c = raw.trimmingXMLSpace.nilIfEmpty { itemState.item.commentsURL = URLResolver.resolve(c, against: base) }
        case .mediaTitle: itemState.mediaTitle = raw
        case .dcTitle: itemState.dcTitle = raw
        case .itunesSummary: itemState.itunesSummary = raw
        case .itunesAuthor: itemState.itunesAuthor = raw
        case .itemLanguage: itemState.item.language = raw.trimmingXMLSpace.nilIfEmpty ?? itemState.item.language
        }
    }

    /// Puts a date field's value (its text as bytes) where it goes; the first of each kind wins.
    mutating func storeDate(_ field: Field, _ text: UnsafeBufferPointer<UInt8>) {
        switch field {
        case .feedUpdated: if info.updated == nil { info.updated = parseDate(text, "updated") }
        case .feedPublished: if info.published == nil { info.published = parseDate(text, "pubDate") }
        case .feedDCDate: if info.updated == nil { info.updated = parseDate(text, "dc:date") }
        case .pubDate, .published:
            if itemState.item.published == nil { itemState.item.published = parseDate(text, "published") }
        case .updated: if itemState.item.updated == nil { itemState.item.updated = parseDate(text, "updated") }
        case .dcDate: if itemState.dcDate == nil { itemState.dcDate = parseDate(text, "dc:date") }
        case .dctermsIssued: if itemState.dctermsIssued == nil { itemState.dctermsIssued = parseDate(text, "dcterms:issued") }
        case .dctermsModified:
            if itemState.dctermsModified == nil { itemState.dctermsModified = parseDate(text, "dcterms:modified") }
        default: break
        }
    }

    /// RSS `author`: "jane@example.com (Jane Doe)", "Jane Doe <jane@example.com>", an address,
    /// or a name.
    static func rssPerson(_ raw: String) -> Person? {
        let s = TextBuilder.oneLine(raw)
        guard !s.isEmpty else { return nil }
        if let open = s.firstIndex(of: "("), s.hasSuffix(")") {
            let email = s[..<open].trimmingXMLSpace
            let name = s[s.index(after: open)..<s.index(before: s.endIndex)].trimmingXMLSpace
            return Person(name: name.nilIfEmpty, email: email.nilIfEmpty)
        }
        if let open = s.firstIndex(of: "<"), s.hasSuffix(">") {
            let name = s[..<open].trimmingXMLSpace
            let email = s[s.index(after: open)..<s.index(before: s.endIndex)].trimmingXMLSpace
            return Person(name: name.nilIfEmpty, email: email.nilIfEmpty)
        }
        if s.contains("@") && !s.contains(" ") { return Person(email: s) }
        return Person(name: s)
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
        if item.published == nil { item.published = st.dcDate ?? st.dctermsIssued }
        if item.updated == nil { item.updated = st.dctermsModified }
        if item.summary == nil {
            item.summary = st.dcDescription ?? st.mediaDescription ?? st.itunesSummary.map { RichText.text($0) }
        }
        if item.title == nil {
            if let t = st.dcTitle ?? st.mediaTitle { item.title = richText(t, kind: .rssTitle, isXHTML: false) }
        }
        if item.authors.isEmpty, let a = st.itunesAuthor.flatMap({ TextBuilder.oneLine($0).nilIfEmpty }) {
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

import FeedCore

/// An element's start: its scope (`xml:base`, `xml:lang`), and what it begins — the
/// document's root, a channel or item, a field to capture, or markup inside a capture.
extension FeedDocumentBuilder {
    mutating func start(namespace ns: FeedNamespace, name element: ElementName, attributes: FeedAttributes) {
        // CDF names its elements in capitals; XML names are otherwise read as written.
        let name = info.format == .cdf ? element.folded : element.local
        var frame = Frame(role: .other)
        let depth = frames.count
        if depth > Self.maxDepth {
            if !tooDeep {
                tooDeep = true
                warn("elements nested deeper than \(Self.maxDepth): parsing stopped there")
            }
            return
        }
        frame.scoped = enterScope(attributes)
        if capture != nil && startInsideCapture(ns, name, element) {
            frames.append(frame)
            return
        }
        if skipDepth > 0 || failure != nil {
            skipDepth += 1
            frames.append(frame)
            return
        }
        if !rootSeen {
            startRoot(ns, element, name, attributes, &frame)
        } else {
            startChild(ns, name, attributes, &frame, depth: depth)
            if frame.role == .skip { skipDepth = 1 }
        }
        frames.append(frame)
    }

    /// Pushes the scope of an element that sets `xml:base` or `xml:lang`; true when it did.
    private mutating func enterScope(_ attributes: FeedAttributes) -> Bool {
        let xmlBase = attributes.xml("base")
        let xmlLang = attributes.xml("lang")
        guard xmlBase != nil || xmlLang != nil else { return false }
        var scope = scopes[scopes.count - 1]
        if let base = xmlBase { scope.base = URLResolver.resolve(base, against: scope.base) }
        if let lang = xmlLang { scope.lang = LanguageTag.normalize(lang) }
        scopes.append(scope)
        return true
    }

    /// An element starting while a field is captured: true when it belongs to the field
    /// (markup of an xhtml field, a stray tag in text); false when it ended the field.
    private mutating func startInsideCapture(_ ns: FeedNamespace, _ name: LocalName, _ element: ElementName) -> Bool {
        // The capture is looked at in place (copying it retains its buffers).
        if capture!.xhtml != nil {
            capture!.xhtml!.start(element.htmlTag)
            return true
        }
        // A stray tag inside text: only its text counts.
        guard Self.isStructural(ns, name) else { return true }
        // A feed element inside a text field: the field's end tag was lost in broken
        // markup (`<title>a <b>b</title><guid>…`). End the field here and read on.
        if let cap = capture.take() {
            finish(cap)
            for level in cap.depth..<frames.count { frames[level].role = .transparent }
        }
        return false
    }

    /// The document's first element, which tells its format.
    private mutating func startRoot(_ ns: FeedNamespace, _ element: ElementName, _ name: LocalName, _ attributes: FeedAttributes, _ frame: inout Frame) {
        rootSeen = true
        frame.role = .root
        detectFormat(ns: ns, name: element, attributes: attributes)
        if failure != nil { skipDepth = 1 }
        if info.format.isAtom || info.format == .cdf { frame.role = .channel }
        if info.language == nil { info.language = lang }
        if info.format == .cdf { cdfAttributes(attributes, forItem: false) }
        if info.format.isAtom && name == .entry {
            // An Atom entry document: the root is the one item.
            frame.role = .item
            inItem = true
            itemState = ItemState()
            itemState.item.language = lang
        }
    }

    /// Any later element, read by the role of its parent.
    private mutating func startChild(_ ns: FeedNamespace, _ name: LocalName, _ attributes: FeedAttributes, _ frame: inout Frame, depth: Int) {
        // RDF is RSS 1.0 unless its channel and items are in Netscape's 0.90 namespace.
        if ns == .rss090 && info.format == .rss10 { info.format = .rss090 }
        let parentIndex = logicalParent()
        let parentRole = frames[parentIndex].role
        if Self.isItemElement(ns, name, format: info.format) && inItem && (parentRole == .item || parentRole == .mediaGroup) {
            // An item inside an item: the previous one was never closed.
            finishItem()
            inItem = false
            for level in parentIndex..<frames.count { frames[level].role = .transparent }
        }
        switch inItem ? parentRole : (parentRole == .item ? .other : parentRole) {
        case .root, .channel, .other, .image, .transparent, .skipHours, .skipDays:
            if Self.isItemElement(ns, name, format: info.format) && !inItem {
                frame.role = .item
                inItem = true
                itemState = ItemState()
                itemState.item.language = lang
                if info.format == .cdf { cdfAttributes(attributes, forItem: true) }
                if let about = attributes.rdf("about")?.trimmingXMLSpace, !about.isEmpty {
                    itemState.item.about = about
                }
            } else if parentRole == .root && ns.isRSS && name == .channel {
                frame.role = .channel
            } else if parentRole == .channel {
                channelChild(ns, name, attributes, &frame, depth: depth)
            } else if parentRole == .image && ns.isRSS && name == .url {
                begin(.feedImage, depth: depth, base: base)
            } else if parentRole == .skipHours && ns.isRSS && name == .hour {
                begin(.skipHour, depth: depth, base: base)
            } else if parentRole == .skipDays && ns.isRSS && name == .day {
                begin(.skipDay, depth: depth, base: base)
            }
        case .item, .mediaGroup:
            itemChild(ns, name, attributes, &frame, depth: depth)
        case .person:
            if ns.isAtom || ns == .none {
                switch name {
                case .name: begin(.personName, depth: depth, base: base)
                case .email: begin(.personEmail, depth: depth, base: base)
                case .uri, .url: begin(.personURI, depth: depth, base: base)
                default: break
                }
            }
        case .skip:
            break
        }
    }

    /// The `xml:base` in force.
    var base: String? { scopes[scopes.count - 1].base }

    /// The `xml:lang` in force.
    var lang: String? { scopes[scopes.count - 1].lang }

    /// The index of the innermost open element that is not `.transparent`.
    private func logicalParent() -> Int {
        var index = frames.count - 1
        while index > 0 && frames[index].role == .transparent { index -= 1 }
        return index
    }

    /// Elements that never occur inside a text field, so meeting one there means the
    /// field's end tag was lost.
    static func isStructural(_ ns: FeedNamespace, _ name: LocalName) -> Bool {
        switch ns {
        case .none, .rss10, .rss090, .atom, .atom03:
            switch name {
            case .item, .entry, .title, .link, .description, .guid, .pubDate, .author,
                .category, .enclosure, .comments, .source, .id, .updated, .published,
                .summary, .content, .channel:
                return true
            default:
                return false
            }
        case .content, .dc, .dcterms, .media, .itunes:
            return true
        default:
            return false
        }
    }
}

import FeedCore

/// Builds a feed's metadata and items from the events of a streaming XML parse.
///
/// Pure Swift over plain values: the libxml2 glue (`XMLFeedParser`) turns SAX callbacks
/// into calls of `start`, `characters` and `end`. The builder tracks where it is (channel,
/// item, author, …), the `xml:base` and `xml:lang` in force, and captures the text of the
/// elements that matter. Atom `xhtml` content is reduced to text on the fly.
struct FeedDocumentBuilder {
    /// Longest text kept for one field; the rest is dropped with a warning.
    static let fieldLimit = 8 << 20

    /// Deepest element nesting read; deeper documents stop parsing there. (libxml2's own
    /// limit of 256 is not applied by its push parser in 2.9.)
    static let maxDepth = 256

    enum Failure: Equatable {
        /// The root element is not one of a feed's (an HTML page, some other XML).
        case notAFeed(String)
    }

    /// True once the document nested deeper than `maxDepth`: the parser must stop.
    var tooDeep = false

    var info = FeedInfo()
    private(set) var failure: Failure?

    mutating func setFailure(_ first: Failure) {
        if failure == nil { failure = first }
    }
    var rootSeen = false
    var warnings: [ParseWarning] = []
    /// Items completed so far, in document order; the caller may take them as they come.
    var items: [FeedItem] = []

    /// What an open element is, for the builder.
    enum Role: Equatable {
        case root, channel, item, person(owner: PersonOwner), skip, image, other
        /// RSS `skipHours` / `skipDays`: their `hour` / `day` children are read.
        case skipHours, skipDays
        /// `media:group`: its children are read as the item's own.
        case mediaGroup
        /// An element left open by broken markup after the builder recovered past it; it
        /// is ignored when looking for an element's parent.
        case transparent
    }
    enum PersonOwner: Equatable { case feed, item }

    struct Frame {
        var role: Role
        /// True when the element set `xml:base` or `xml:lang`: its scope is on `scopes`.
        var scoped = false
    }

    /// The `xml:base` and `xml:lang` in force: the document's, and one more for each open
    /// element that sets either. (Kept apart from `frames`, so that an element that sets
    /// neither, as most do, copies and retains no strings.)
    struct Scope {
        var base: String?
        var lang: String?
    }

    var frames: [Frame] = []
    var scopes: [Scope] = []
    var capture: Capture?
    /// The text of the field being captured; one buffer reused for every field.
    var captured: [UInt8] = []
    var itemState = ItemState()
    var person = Person()
    var inItem = false
    var skipDepth = 0

    /// Where the text of the element being captured goes.
    enum Field: Equatable {
        case feedTitle(TextKind), feedLink, feedId, feedUpdated, feedPublished, feedLanguage
        case feedSubtitle(TextKind), feedImage, feedTTL, updatePeriod, updateFrequency, skipHour, skipDay
        case feedRSSAuthor, feedCreator, feedPublisher
        case personName, personEmail, personURI
        case title(TextKind), link, guid(permaLink: Bool), published, updated
        case summary(TextKind), content(TextKind), rssAuthor, category, comments, publisher
        case mediaDescription(TextKind), mediaTitle, itunesSummary, itunesAuthor, itemLanguage
        case dcTitle, dcDescription
    }

    /// What a text field holds: plain text, escaped HTML, inline XHTML (read as markup), an
    /// RSS title (text, unless it plainly holds markup), or base64 of text or of HTML
    /// (Atom 0.3 `mode="base64"`, Atom 1.0 content of a non-text, non-XML type).
    enum TextKind: Equatable { case text, html, xhtml, rssTitle, base64Text, base64HTML }

    struct Capture {
        var field: Field
        var depth: Int
        var base: String?
        var xhtml: HTMLTextExtractor?
        var truncated = false
    }

    /// Fields of the item being read that settle only at its end.
    struct ItemState {
        var item = FeedItem()
        var mediaDescription: RichText?
        var mediaTitle: String?
        var dcTitle: String?
        var dcDescription: RichText?
        var itunesSummary: String?
        var itunesAuthor: String?
        var itunesImage: String?
        var alternateIsHTML = false
    }

    init(baseURL: String?) {
        frames.reserveCapacity(32)
        frames.append(Frame(role: .other))
        scopes.append(Scope(base: baseURL, lang: nil))
    }

    // MARK: Events

    mutating func characters(_ p: UnsafeBufferPointer<UInt8>) {
        guard capture != nil else { return }
        if capture!.xhtml != nil {
            capture!.xhtml!.characters(p)
            return
        }
        if captured.count + p.count > Self.fieldLimit {
            capture!.truncated = true
            var room = Self.fieldLimit - captured.count
            // Cut between characters, not inside one.
            while room > 0 && p[room] & 0xC0 == 0x80 { room -= 1 }
            if room > 0 { captured.append(contentsOf: UnsafeBufferPointer(rebasing: p[0..<room])) }
            return
        }
        captured.append(contentsOf: p)
    }

    mutating func end(namespace ns: FeedNamespace, name element: ElementName) {
        guard frames.count > 1, !tooDeep else { return }
        let frame = frames.removeLast()
        if frame.scoped { scopes.removeLast() }
        let depth = frames.count
        if capture != nil {
            if depth == capture!.depth, let cap = capture.take() {
                finish(cap)
            } else if capture!.xhtml != nil {
                capture!.xhtml!.end(element.htmlTag)
            }
            return
        }
        if skipDepth > 0 {
            skipDepth -= 1
            return
        }
        switch frame.role {
        case .item:
            finishItem()
            inItem = false
        case .person(let owner):
            if person.displayName != nil || person.uri != nil {
                if owner == .item { itemState.item.authors.append(person) } else { info.authors.append(person) }
            }
            person = Person()
        default:
            break
        }
    }

    /// Called when the document ends. An item still open then was cut short (a truncated
    /// download, a broken file): it is dropped, never delivered torn — the next complete
    /// copy of the feed delivers it whole.
    mutating func finishDocument() {
        capture = nil
        if inItem {
            inItem = false
            warn("the document ended inside item \(items.count + 1): that item was dropped as incomplete")
        }
    }

    // MARK: Capturing

    mutating func begin(_ field: Field, depth: Int, base: String?) {
        captured.removeAll(keepingCapacity: true)
        var cap = Capture(field: field, depth: depth, base: base)
        if case .xhtml = field.textKind { cap.xhtml = HTMLTextExtractor(limit: Self.fieldLimit) }
        capture = cap
    }

    mutating func finish(_ cap: Capture) {
        if cap.truncated || cap.xhtml?.text.truncated == true {
            warn("a field longer than \(Self.fieldLimit >> 20) MiB was cut to that length")
        }
        if let xhtml = cap.xhtml {
            store(cap.field, raw: xhtml.string, isXHTML: true, base: cap.base)
        } else if let kind = cap.field.textKind, kind == .base64Text || kind == .base64HTML {
            // Decoded here; bytes that are not base64 of UTF-8 text are no text at all.
            if let text = Base64.decodeText(captured) {
                place(cap.field, kind == .base64HTML ? .html(UTF8Text(text)) : .text(text))
            }
        } else if cap.field.holdsHTML {
            // Markup goes to the converter as the bytes it is: no String of it is made.
            place(cap.field, .html(captured.withUnsafeBufferPointer { UTF8Text(copying: $0) }))
        } else if cap.field.isDate {
            // Nor of a date, unless it cannot be read.
            let text = captured
            text.withUnsafeBufferPointer { storeDate(cap.field, $0) }
        } else {
            store(cap.field, raw: String(decoding: captured, as: UTF8.self), isXHTML: false, base: cap.base)
        }
    }
}

extension FeedFormat {
    var isAtom: Bool { self == .atom03 || self == .atom10 }
}

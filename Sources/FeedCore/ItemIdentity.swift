/// What makes an item the same item on every poll, within one feed.
///
/// The rule, in order: the GUID / Atom id / JSON Feed id as written; else the link; else
/// RSS 1.0's `rdf:about`; else a hash of title, date and text. Two refinements are decided per document (see
/// `ItemIdentity.assign(to:)`): a GUID repeated inside one document is told apart by the
/// link, and a document whose GUIDs are mostly unusable (more than 5% empty or repeated)
/// identifies all its items by link instead.
public enum ItemIdentity: Sendable, Hashable, CustomStringConvertible {
    case guid(String)
    case guidAndLink(String, String)
    case link(String)
    /// SHA-256 (hex) of title, date and text.
    case content(String)

    /// The identity's canonical text; what the article id is hashed from.
    public var key: String {
        switch self {
        case .guid(let g): return "guid:" + g
        case .guidAndLink(let g, let l): return "guid:" + g + "\u{1F}link:" + l
        case .link(let l): return "link:" + l
        case .content(let h): return "content:" + h
        }
    }

    public var description: String { key }

    /// Hashes `key` without building it (one string fewer per item).
    func hashKey(into h: inout SHA256) {
        switch self {
        case .guid(let g):
            h.update("guid:")
            h.update(g)
        case .guidAndLink(let g, let l):
            h.update("guid:")
            h.update(g)
            h.update("\u{1F}link:")
            h.update(l)
        case .link(let l):
            h.update("link:")
            h.update(l)
        case .content(let c):
            h.update("content:")
            h.update(c)
        }
    }

    /// Identities for a document's items, in order, by the rules above.
    public static func assign(to items: [FeedItem]) -> [ItemIdentity] {
        // One hash of each GUID: the table keeps the latest index of each, and an index it
        // gives back marks both items as sharing their GUID.
        var latest = [String: Int](minimumCapacity: items.count)
        var repeated = [Bool](repeating: false, count: items.count)
        var unusable = 0
        for i in items.indices {
            guard let g = items[i].guid, !g.isEmpty else {
                unusable += 1
                continue
            }
            if let earlier = latest.updateValue(i, forKey: g) {
                repeated[earlier] = true
                repeated[i] = true
            }
        }
        for r in repeated where r { unusable += 1 }
        // More than 5% empty or repeated: the feed's GUIDs are not identities.
        let guidsUsable = unusable * 20 <= items.count
        // By index: items are read in place, not copied.
        return items.indices.map { i in
            let link = items[i].link.flatMap { $0.isEmpty ? nil : $0 }
            if let g = items[i].guid, !g.isEmpty, guidsUsable || link == nil {
                if repeated[i], let l = link { return .guidAndLink(g, l) }
                return .guid(g)
            }
            if let l = link { return .link(l) }
            // RSS 1.0's rdf:about names the item where nothing else does; it comes after
            // the link so that an RSS 1.0 item (which always has both, usually equal) keeps
            // the identity it had before rdf:about was read.
            if let about = items[i].about, !about.isEmpty { return .link(about) }
            return .content(contentHash(items[i]))
        }
    }

    /// A GUID-less, link-less item is its title, date and text.
    static func contentHash(_ item: FeedItem) -> String {
        var h = SHA256()
        func field(_ r: RichText?) {
            switch r {
            case .text(let s)?: h.update("t"); h.update(s)
            case .html(let s)?: h.update("h"); s.bytes.withUnsafeBufferPointer { h.update(contiguous: $0) }
            case .paragraphs(let s)?: h.update("p"); h.update(s)
            case nil: h.update("-")
            }
            h.update([0])
        }
        field(item.title)
        h.update(item.articleDate.map { String($0.secondsSinceEpoch) } ?? "-")
        h.update([0])
        field(item.content ?? item.summary)
        return h.finalize().hexString
    }
}

/// The 16-hex-digit id of an article: the first 8 bytes of
/// SHA-256(`feedKey` + U+001F + identity key), lower-case.
///
/// `feedKey` names the feed the identity belongs to (the daemon uses its stable internal
/// feed id; `feedspool parse` uses the document's URL or its self-declared id), so the same
/// item always gets the same id, and equal GUIDs in different feeds do not collide.
public enum ArticleID {
    public static func make(feedKey: String, identity: ItemIdentity) -> String {
        var h = SHA256()
        h.update(feedKey)
        h.update("\u{1F}")
        identity.hashKey(into: &h)
        return h.finalize()[0..<8].hexString
    }
}

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
        case .guid(let guid): return "guid:" + guid
        case .guidAndLink(let guid, let link): return "guid:" + guid + "\u{1F}link:" + link
        case .link(let link): return "link:" + link
        case .content(let digest): return "content:" + digest
        }
    }

    public var description: String { key }

    /// Hashes `key` without building it (one string fewer per item).
    func hashKey(into digest: inout SHA256) {
        switch self {
        case .guid(let guid):
            digest.update("guid:")
            digest.update(guid)
        case .guidAndLink(let guid, let link):
            digest.update("guid:")
            digest.update(guid)
            digest.update("\u{1F}link:")
            digest.update(link)
        case .link(let link):
            digest.update("link:")
            digest.update(link)
        case .content(let content):
            digest.update("content:")
            digest.update(content)
        }
    }

    /// Identities for a document's items, in order, by the rules above.
    public static func assign(to items: [FeedItem]) -> [ItemIdentity] {
        // One hash of each GUID: the table keeps the latest index of each, and an index it
        // gives back marks both items as sharing their GUID.
        var latest = [String: Int](minimumCapacity: items.count)
        var repeated = [Bool](repeating: false, count: items.count)
        var unusable = 0
        for index in items.indices {
            guard let guid = items[index].guid, !guid.isEmpty else {
                unusable += 1
                continue
            }
            if let earlier = latest.updateValue(index, forKey: guid) {
                repeated[earlier] = true
                repeated[index] = true
            }
        }
        for isRepeated in repeated where isRepeated { unusable += 1 }
        // More than 5% empty or repeated: the feed's GUIDs are not identities.
        let guidsUsable = unusable * 20 <= items.count
        // By index: items are read in place, not copied.
        return items.indices.map { index in
            let link = items[index].link.flatMap { $0.isEmpty ? nil : $0 }
            if let guid = items[index].guid, !guid.isEmpty, guidsUsable || link == nil {
                if repeated[index], let link { return .guidAndLink(guid, link) }
                return .guid(guid)
            }
            if let link { return .link(link) }
            // RSS 1.0's rdf:about names the item where nothing else does; it comes after
            // the link so that an RSS 1.0 item (which always has both, usually equal) keeps
            // the identity it had before rdf:about was read.
            if let about = items[index].about, !about.isEmpty { return .link(about) }
            return .content(contentHash(items[index]))
        }
    }

    /// A GUID-less, link-less item is its title, date and text.
    static func contentHash(_ item: FeedItem) -> String {
        var sha = SHA256()
        func field(_ text: RichText?) {
            switch text {
            case .text(let value)?: sha.update("t"); sha.update(value)
            case .html(let value)?: sha.update("h"); value.bytes.withUnsafeBufferPointer { sha.update(contiguous: $0) }
            case .paragraphs(let value)?: sha.update("p"); sha.update(value)
            case nil: sha.update("-")
            }
            sha.update([0])
        }
        field(item.title)
        sha.update(item.articleDate.map { String($0.secondsSinceEpoch) } ?? "-")
        sha.update([0])
        field(item.content ?? item.summary)
        return sha.finalize().hexString
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
        var digest = SHA256()
        digest.update(feedKey)
        digest.update("\u{1F}")
        identity.hashKey(into: &digest)
        return digest.finalize()[0..<8].hexString
    }
}

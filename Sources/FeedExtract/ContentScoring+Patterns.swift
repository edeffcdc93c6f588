import FeedCore

// The class and id names that say a block is not the story (or is), after Readability's
// lists, and the one scan that looks for all of them.
extension ContentScoring {
    static let unlikely = Patterns([
        "-ad-", "ai2html", "banner", "breadcrumb", "combx", "comment", "community", "cover-wrap", "disqus", "extra",
        "footer", "gdpr", "legends", "menu", "related", "remark", "replies", "rss", "shoutbox", "sidebar", "skyscraper",
        "social", "sponsor", "supplemental", "ad-break", "agegate", "pagination", "pager", "popup", "yom-remote",
        // Beyond Readability's list: names no article's own part takes. (Words like "share"
        // or "promo" also name sections of articles, "sharing-with-developers": they only
        // weigh against a block, see `negative`.)
        "cookie", "consent", "newsletter", "outbrain", "taboola", "navbar", "toolbar", "most-read", "mostread",
    ])
    static let maybe = Patterns(["and", "article", "body", "column", "content", "main", "shadow", "story", "post-body", "entry"])
    static let positive = Patterns(["article", "body", "content", "entry", "hentry", "h-entry", "main", "page", "post", "text", "blog", "story"])
    static let negative = Patterns([
        "-ad-", "hidden", "banner", "combx", "comment", "com-", "contact", "footer", "gdpr", "masthead", "media", "meta",
        "outbrain", "promo", "related", "scroll", "share", "shoutbox", "sidebar", "skyscraper", "sponsor", "shopping",
        "tags", "widget", "cookie", "consent", "newsletter", "subscribe", "byline", "caption-credit", "advert",
    ])
    static func isExcludedTag(_ name: String) -> Bool {
        switch name {
        case "nav", "aside", "footer", "menu", "dialog", "noscript", "form", "button", "select", "input", "textarea", "iframe", "svg":
            return true
        default:
            return false
        }
    }

    static func hasExcludedRole(_ n: PageTree.Node) -> Bool {
        guard let role = n.attribute("role") else { return false }
        switch role.lowercased() {
        case "navigation", "complementary", "contentinfo", "banner", "menu", "menubar", "dialog", "alertdialog", "alert", "search":
            return true
        default:
            return false
        }
    }

    /// What each element's class and id say: whether they mark it unlikely to be the
    /// article's (and not maybe), and its weight (+25 content, −25 anything else).
    /// And what each node is, read once for both passes: left out whatever the pass (by
    /// element, role, visibility), inside a link, its own text's length and commas, and
    /// whether it is a paragraph (1), list item (2) or image (3).
    struct ClassHints {
        var unlikely: [Bool]
        var weight: [Double]
        var alwaysExcluded: [Bool]
        var inLink: [Bool]
        var ownLength: [Int]
        var ownCommas: [Int]
        var kind: [UInt8]

        init(_ tree: PageTree) {
            let n = tree.count
            unlikely = [Bool](repeating: false, count: n)
            weight = [Double](repeating: 0, count: n)
            alwaysExcluded = [Bool](repeating: false, count: n)
            inLink = [Bool](repeating: false, count: n)
            ownLength = [Int](repeating: 0, count: n)
            ownCommas = [Int](repeating: 0, count: n)
            kind = [UInt8](repeating: 0, count: n)
            // Inside an element left out whatever the pass (a script's text is often most of
            // a page's): not measured.
            var outside = [Bool](repeating: true, count: n)
            for i in 1..<n {
                let parent = tree.nodes[i].parent
                if tree.nodes[i].isText {
                    guard outside[parent] else { continue }
                    inLink[i] = inLink[parent]
                    let (length, commas) = ContentScoring.measureText(tree.nodes[i].text)
                    ownLength[i] = length
                    ownCommas[i] = commas
                    continue
                }
                guard outside[parent] else {
                    outside[i] = false
                    continue
                }
                let name = tree.nodes[i].name
                inLink[i] = inLink[parent] || name == "a"
                switch name {
                case "p": kind[i] = 1
                case "li": kind[i] = 2
                case "img", "picture": kind[i] = 3
                default: break
                }
                if tree.nodes[i].tag == .skip || ContentScoring.isExcludedTag(name)
                    || (!tree.nodes[i].attributes.isEmpty && (ContentScoring.isHidden(tree[i]) || ContentScoring.hasExcludedRole(tree[i])))
                {
                    alwaysExcluded[i] = true
                    outside[i] = false
                }
            }
            var s: [UInt8] = []
            let matcher = ContentScoring.classMatcher
            for i in 0..<tree.count where !tree[i].attributes.isEmpty {
                s.removeAll(keepingCapacity: true)
                for a in tree[i].attributes where a.name == "class" || a.name == "id" {
                    s.append(contentsOf: a.value.utf8)
                    s.append(0x20)
                }
                guard s.count > 1 else { continue }
                for k in s.indices where s[k] >= 0x41 && s[k] <= 0x5A { s[k] |= 0x20 }
                let found = matcher.sets(in: s)
                let name = tree.nodes[i].name
                unlikely[i] = found & 1 != 0 && found & 2 == 0
                    && name != "body" && name != "html" && name != "article" && name != "main" && name != "a"
                weight[i] = (found & 4 != 0 ? -25 : 0) + (found & 8 != 0 ? 25 : 0)
            }
        }
    }

    /// The patterns as bytes, compared byte by byte (a class attribute is short; the
    /// standard library's substring search builds a table per call).
    struct Patterns {
        let bytes: [[UInt8]]
        init(_ words: [String]) { bytes = words.map { Array($0.utf8) } }

        func match(_ s: [UInt8]) -> Bool {
            guard s.count > 1 else { return false }
            return s.withUnsafeBufferPointer { h in
                bytes.contains { p in
                    guard let first = p.first, p.count <= h.count else { return false }
                    var i = 0
                    while i + p.count <= h.count {
                        if h[i] == first {
                            var k = 1
                            while k < p.count && h[i + k] == p[k] { k += 1 }
                            if k == p.count { return true }
                        }
                        i += 1
                    }
                    return false
                }
            }
        }
    }


    /// Several pattern lists in one scan: which of them (bit k for list k) have a pattern
    /// in the text. Patterns are looked up by their first byte.
    struct PatternSets {
        /// Every pattern's bytes, one after another.
        private var bytes: [UInt8] = []
        /// (offset in `bytes`, length, set bit), sorted by first byte.
        private var entries: [(offset: Int, length: Int, set: UInt8)] = []
        /// `entries[first[b]..<first[b + 1]]` start with byte b.
        private var first = [Int](repeating: 0, count: 257)

        init(_ lists: [Patterns]) {
            var all: [([UInt8], UInt8)] = []
            for (k, list) in lists.enumerated() { for p in list.bytes { all.append((p, UInt8(1) << UInt8(k))) } }
            all.sort { $0.0[0] < $1.0[0] }
            for (p, set) in all {
                entries.append((bytes.count, p.count, set))
                bytes.append(contentsOf: p)
            }
            var e = 0
            for b in 0...256 {
                while e < all.count && Int(all[e].0[0]) < b { e += 1 }
                first[b] = e
            }
        }

        func sets(in s: [UInt8]) -> UInt8 {
            var found: UInt8 = 0
            s.withUnsafeBufferPointer { h in
                bytes.withUnsafeBufferPointer { pattern in
                    entries.withUnsafeBufferPointer { entries in
                        first.withUnsafeBufferPointer { first in
                            for i in 0..<h.count {
                                let b = Int(h[i])
                                var e = first[b]
                                while e < first[b + 1] {
                                    let (offset, length, set) = entries[e]
                                    e += 1
                                    guard found & set == 0, i + length <= h.count else { continue }
                                    var k = 1
                                    while k < length && h[i + k] == pattern[offset + k] { k += 1 }
                                    if k == length { found |= set }
                                }
                            }
                        }
                    }
                }
            }
            return found
        }
    }

    /// unlikely (1), maybe (2), negative (4), positive (8).
    static let classMatcher = PatternSets([unlikely, maybe, negative, positive])
}

import FeedCore

/// Readability-class scoring of a page's blocks: where the article's paragraphs are.
///
/// Paragraphs (and divisions holding only inline content) of some length score by their
/// commas and length, and hand their score to their parent, grandparent and great-
/// grandparent; containers start from their kind and from what their class and id say.
/// A container's score is discounted by its link density. Navigation, sidebars, comments,
/// footers, share bars and the like — by element, role, class or id — and hidden elements
/// are left out of everything.
struct ContentScoring {
    let tree: PageTree
    /// Left out with everything below it.
    private(set) var excluded: [Bool]
    /// Characters of visible text below each node (white space runs as one).
    private(set) var textLength: [Int]
    /// Of which inside links.
    private(set) var linkLength: [Int]
    /// Below each node: commas in its text, and its `p`, `li` and `img` elements.
    private(set) var commas: [Int]
    private(set) var paragraphs: [Int]
    private(set) var listItems: [Int]
    private(set) var images: [Int]
    private(set) var scores: [Double]
    private(set) var isCandidate: [Bool]

    /// Whether class and id names rule blocks out (the first pass); the second pass, for a
    /// page whose article the names hid (a "sidebar-right" layout holding the story), only
    /// rules out by element, role and visibility.
    let stripsUnlikely: Bool

    /// What each element's class and id say, read once for both passes.
    let hints: ClassHints

    init(_ tree: PageTree, stripsUnlikely: Bool = true, hints: ClassHints? = nil) {
        self.tree = tree
        self.stripsUnlikely = stripsUnlikely
        self.hints = hints ?? ClassHints(tree)
        let n = tree.count
        excluded = [Bool](repeating: false, count: n)
        textLength = [Int](repeating: 0, count: n)
        linkLength = [Int](repeating: 0, count: n)
        commas = [Int](repeating: 0, count: n)
        paragraphs = [Int](repeating: 0, count: n)
        listItems = [Int](repeating: 0, count: n)
        images = [Int](repeating: 0, count: n)
        scores = [Double](repeating: 0, count: n)
        isCandidate = [Bool](repeating: false, count: n)
        markExcluded()
        measure()
        score()
    }

    // MARK: What is not the story

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

    /// +25 for a class or id that says content, −25 for one that says anything else.
    func classWeight(_ i: Int) -> Double { hints.weight[i] }

    static let hiddenStyles = Patterns(["display:none", "visibility:hidden"])

    static func isHidden(_ n: PageTree.Node) -> Bool {
        if n.attribute("hidden") != nil || n.attribute("aria-hidden") == "true" { return true }
        guard let style = n.attribute("style") else { return false }
        let compact = style.utf8.filter { $0 != 0x20 }.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        return hiddenStyles.match(compact)
    }

    private mutating func markExcluded() {
        for i in 1..<tree.count {
            if excluded[tree.nodes[i].parent] {
                excluded[i] = true
                continue
            }
            if hints.alwaysExcluded[i] {
                excluded[i] = true
            } else if stripsUnlikely && hints.unlikely[i] {
                excluded[i] = true
            }
        }
    }

    // MARK: Measuring

    /// Visible characters of a text (white space runs counted as one) and its commas.
    static func measureText(_ s: String) -> (length: Int, commas: Int) {
        var count = 0, commas = 0
        var space = true
        var text = s
        text.withUTF8 { u in
            for c in u {
                if c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D {
                    if !space { count += 1 }
                    space = true
                } else if c & 0xC0 != 0x80 {
                    count += 1
                    space = false
                    if c == 0x2C { commas += 1 }
                }
            }
        }
        return (count, commas)
    }

    /// Visible characters of a text, white space runs counted as one.
    static func visibleLength(_ s: String) -> Int { measureText(s).length }

    private mutating func measure() {
        for i in stride(from: tree.count - 1, through: 1, by: -1) where !excluded[i] {
            textLength[i] += hints.ownLength[i]
            if hints.inLink[i] { linkLength[i] += hints.ownLength[i] }
            commas[i] += hints.ownCommas[i]
            switch hints.kind[i] {
            case 1: paragraphs[i] += 1
            case 2: listItems[i] += 1
            case 3: images[i] += 1
            default: break
            }
            let p = tree.nodes[i].parent
            textLength[p] += textLength[i]
            linkLength[p] += linkLength[i]
            commas[p] += commas[i]
            paragraphs[p] += paragraphs[i]
            listItems[p] += listItems[i]
            images[p] += images[i]
        }
    }

    func linkDensity(_ i: Int) -> Double {
        textLength[i] == 0 ? 0 : Double(linkLength[i]) / Double(textLength[i])
    }

    // MARK: Scoring

    /// True for an element whose children are all inline (no block inside): a paragraph
    /// written as a `div`.
    func holdsOnlyInline(_ i: Int) -> Bool {
        var c = tree.nodes[i].firstChild
        while c >= 0 {
            if !tree.nodes[c].isText && !excluded[c] {
                let t = tree.nodes[c].tag
                if t == .block || t == .cell { return false }
            }
            c = tree.nodes[c].nextSibling
        }
        return true
    }

    func isParagraph(_ i: Int) -> Bool {
        let n = tree[i]
        switch n.name {
        case "p", "pre", "td", "blockquote", "li", "dd": return true
        case "div", "section", "span", "font", "center": return holdsOnlyInline(i)
        default: return false
        }
    }

    private func baseScore(_ i: Int) -> Double {
        var s: Double
        switch tree[i].name {
        case "div", "article", "main": s = 5
        case "pre", "td", "blockquote", "section": s = 3
        case "address", "ol", "ul", "dl", "dd", "dt", "li", "form": s = -3
        case "h1", "h2", "h3", "h4", "h5", "h6", "th": s = -5
        default: s = 0
        }
        return s + classWeight(i)
    }

    private mutating func score() {
        for i in 1..<tree.count where !excluded[i] && !tree[i].isText && isParagraph(i) {
            // A paragraph inside a paragraph counts once, at the outer one.
            if let p = Optional(tree[i].parent), p > 0, isParagraph(p), tree[p].name != "td", tree[p].name != "blockquote" { continue }
            let length = textLength[i]
            guard length >= 25 else { continue }
            var points = 1.0
            points += Double(commas[i])
            points += Double(min(length / 100, 3))
            var ancestor = tree[i].parent
            var level = 0
            while ancestor > 0 && level < 3 {
                if !isCandidate[ancestor] {
                    isCandidate[ancestor] = true
                    scores[ancestor] = baseScore(ancestor)
                }
                let divider = level == 0 ? 1.0 : level == 1 ? 2.0 : Double(level) * 3
                scores[ancestor] += points / divider
                ancestor = tree[ancestor].parent
                level += 1
            }
        }
        for i in 0..<tree.count where isCandidate[i] {
            scores[i] *= 1 - linkDensity(i)
        }
    }

    /// The best-scoring container, if any paragraph scored.
    var best: Int? {
        var top: Int?
        for i in 0..<tree.count where isCandidate[i] && !excluded[i] {
            if top == nil || scores[i] > scores[top!] { top = i }
        }
        return top
    }

    /// Readability's "probably readerable" test: enough long paragraphs of visible text.
    var readerable: Bool {
        var total = 0.0
        for i in 1..<tree.count where !excluded[i] {
            let n = tree[i]
            guard n.name == "p" || n.name == "pre" || n.name == "article" || (n.name == "div" && holdsOnlyInline(i)) else { continue }
            let l = textLength[i]
            if l >= 140 { total += Double(l - 140).squareRoot() }
            if total > 20 { return true }
        }
        return false
    }
}

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

    init(_ tree: PageTree, stripsUnlikely: Bool = true) {
        self.tree = tree
        self.stripsUnlikely = stripsUnlikely
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
        "cookie", "consent", "newsletter", "subscribe", "signup", "share", "sharing", "promo", "outbrain", "taboola",
        "masthead", "navbar", "nav-", "-nav", "toolbar", "widget", "recommend", "trending", "most-read", "mostread",
    ])
    static let maybe = Patterns(["and", "article", "body", "column", "content", "main", "shadow", "story", "post-body", "entry"])
    static let positive = Patterns(["article", "body", "content", "entry", "hentry", "h-entry", "main", "page", "post", "text", "blog", "story"])
    static let negative = Patterns([
        "-ad-", "hidden", "banner", "combx", "comment", "com-", "contact", "footer", "gdpr", "masthead", "media", "meta",
        "outbrain", "promo", "related", "scroll", "share", "shoutbox", "sidebar", "skyscraper", "sponsor", "shopping",
        "tags", "widget", "cookie", "consent", "newsletter", "subscribe", "byline", "caption-credit", "advert",
    ])
    static let excludedTags: Set<String> = ["nav", "aside", "footer", "menu", "dialog", "noscript", "form", "button", "select", "input", "textarea", "iframe", "svg"]
    static let excludedRoles: Set<String> = ["navigation", "complementary", "contentinfo", "banner", "menu", "menubar", "dialog", "alertdialog", "alert", "search"]

    /// The element's class and id, lower case (ASCII), for the patterns above.
    func classAndID(_ i: Int) -> [UInt8] {
        var out: [UInt8] = []
        for a in tree.nodes[i].attributes where a.name == "class" || a.name == "id" {
            out.append(contentsOf: a.value.utf8.lazy.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 })
            out.append(0x20)
        }
        return out
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

    static func matches(_ s: [UInt8], _ patterns: Patterns) -> Bool { patterns.match(s) }

    /// +25 for a class or id that says content, −25 for one that says anything else.
    func classWeight(_ i: Int) -> Double {
        let s = classAndID(i)
        guard s.count > 1 else { return 0 }
        var w = 0.0
        if Self.matches(s, Self.negative) { w -= 25 }
        if Self.matches(s, Self.positive) { w += 25 }
        return w
    }

    static let hiddenStyles = Patterns(["display:none", "visibility:hidden"])

    static func isHidden(_ n: PageTree.Node) -> Bool {
        if n.attribute("hidden") != nil || n.attribute("aria-hidden") == "true" { return true }
        guard let style = n.attribute("style") else { return false }
        let compact = style.utf8.filter { $0 != 0x20 }.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        return hiddenStyles.match(compact)
    }

    private mutating func markExcluded() {
        for i in 1..<tree.count {
            let n = tree[i]
            if excluded[n.parent] {
                excluded[i] = true
                continue
            }
            guard !n.isText else { continue }
            if n.tag == .skip || Self.excludedTags.contains(n.name) || Self.isHidden(n) {
                excluded[i] = true
            } else if let role = n.attribute("role")?.lowercased(), Self.excludedRoles.contains(role) {
                excluded[i] = true
            } else if stripsUnlikely && n.name != "body" && n.name != "html" && n.name != "article" && n.name != "main" && n.name != "a" {
                let s = classAndID(i)
                if s.count > 1 && Self.matches(s, Self.unlikely) && !Self.matches(s, Self.maybe) {
                    excluded[i] = true
                }
            }
        }
    }

    // MARK: Measuring

    /// Visible characters of a text, white space runs counted as one.
    static func visibleLength(_ s: String) -> Int {
        var count = 0
        var space = true
        for u in s.utf8 {
            if u == 0x20 || u == 0x0A || u == 0x09 || u == 0x0D {
                if !space { count += 1 }
                space = true
            } else if u & 0xC0 != 0x80 {
                count += 1
                space = false
            }
        }
        return count
    }

    private mutating func measure() {
        var inLink = [Bool](repeating: false, count: tree.count)
        for i in 1..<tree.count {
            let n = tree[i]
            inLink[i] = inLink[n.parent] || n.name == "a"
        }
        for i in stride(from: tree.count - 1, through: 1, by: -1) where !excluded[i] {
            let n = tree[i]
            if n.isText {
                let l = Self.visibleLength(n.text)
                textLength[i] = l
                if inLink[i] { linkLength[i] = l }
                commas[i] = n.text.utf8.reduce(0) { $0 + ($1 == 0x2C ? 1 : 0) }
            } else {
                switch n.name {
                case "p": paragraphs[i] += 1
                case "li": listItems[i] += 1
                case "img", "picture": images[i] += 1
                default: break
                }
            }
            let p = n.parent
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
        for c in tree[i].children where !tree[c].isText && !excluded[c] {
            let t = tree[c].tag
            if t == .block || t == .cell { return false }
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

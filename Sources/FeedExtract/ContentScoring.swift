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

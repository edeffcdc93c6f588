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
        let count = tree.count
        excluded = [Bool](repeating: false, count: count)
        textLength = [Int](repeating: 0, count: count)
        linkLength = [Int](repeating: 0, count: count)
        commas = [Int](repeating: 0, count: count)
        paragraphs = [Int](repeating: 0, count: count)
        listItems = [Int](repeating: 0, count: count)
        images = [Int](repeating: 0, count: count)
        scores = [Double](repeating: 0, count: count)
        isCandidate = [Bool](repeating: false, count: count)
        markExcluded()
        measure()
        score()
    }

    // MARK: What is not the story

    /// +25 for a class or id that says content, −25 for one that says anything else.
    func classWeight(_ node: Int) -> Double { hints.weight[node] }

    static let hiddenStyles = Patterns(["display:none", "visibility:hidden"])

    static func isHidden(_ element: PageTree.Node) -> Bool {
        if element.attribute("hidden") != nil || element.attribute("aria-hidden") == "true" { return true }
        guard let style = element.attribute("style") else { return false }
        let compact = style.utf8.filter { $0 != 0x20 }.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        return hiddenStyles.match(compact)
    }

    private mutating func markExcluded() {
        for node in 1..<tree.count {
            if excluded[tree.nodes[node].parent] {
                excluded[node] = true
                continue
            }
            if hints.alwaysExcluded[node] {
                excluded[node] = true
            } else if stripsUnlikely && hints.unlikely[node] {
                excluded[node] = true
            }
        }
    }

    // MARK: Measuring

    /// Visible characters of a text (white space runs counted as one) and its commas.
    static func measureText(_ string: String) -> (length: Int, commas: Int) {
        var count = 0, commas = 0
        var space = true
        var text = string
        text.withUTF8 { bytes in
            for byte in bytes {
                if byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D {
                    if !space { count += 1 }
                    space = true
                } else if byte & 0xC0 != 0x80 {
                    count += 1
                    space = false
                    if byte == 0x2C { commas += 1 }
                }
            }
        }
        return (count, commas)
    }

    /// Visible characters of a text, white space runs counted as one.
    static func visibleLength(_ text: String) -> Int { measureText(text).length }

    private mutating func measure() {
        for node in stride(from: tree.count - 1, through: 1, by: -1) where !excluded[node] {
            textLength[node] += hints.ownLength[node]
            if hints.inLink[node] { linkLength[node] += hints.ownLength[node] }
            commas[node] += hints.ownCommas[node]
            switch hints.kind[node] {
            case 1: paragraphs[node] += 1
            case 2: listItems[node] += 1
            case 3: images[node] += 1
            default: break
            }
            let parent = tree.nodes[node].parent
            textLength[parent] += textLength[node]
            linkLength[parent] += linkLength[node]
            commas[parent] += commas[node]
            paragraphs[parent] += paragraphs[node]
            listItems[parent] += listItems[node]
            images[parent] += images[node]
        }
    }

    func linkDensity(_ node: Int) -> Double {
        textLength[node] == 0 ? 0 : Double(linkLength[node]) / Double(textLength[node])
    }

    // MARK: Scoring

    /// True for an element whose children are all inline (no block inside): a paragraph
    /// written as a `div`.
    func holdsOnlyInline(_ node: Int) -> Bool {
        var child = tree.nodes[node].firstChild
        while child >= 0 {
            if !tree.nodes[child].isText && !excluded[child] {
                let tag = tree.nodes[child].tag
                if tag == .block || tag == .cell { return false }
            }
            child = tree.nodes[child].nextSibling
        }
        return true
    }

    func isParagraph(_ node: Int) -> Bool {
        let element = tree[node]
        switch element.name {
        case "p", "pre", "td", "blockquote", "li", "dd": return true
        case "div", "section", "span", "font", "center": return holdsOnlyInline(node)
        default: return false
        }
    }

    private func baseScore(_ node: Int) -> Double {
        var score: Double
        switch tree[node].name {
        case "div", "article", "main": score = 5
        case "pre", "td", "blockquote", "section": score = 3
        case "address", "ol", "ul", "dl", "dd", "dt", "li", "form": score = -3
        case "h1", "h2", "h3", "h4", "h5", "h6", "th": score = -5
        default: score = 0
        }
        return score + classWeight(node)
    }

    private mutating func score() {
        for node in 1..<tree.count where !excluded[node] && !tree[node].isText && isParagraph(node) {
            // A paragraph inside a paragraph counts once, at the outer one.
            if let parent = Optional(tree[node].parent), parent > 0, isParagraph(parent), tree[parent].name != "td", tree[parent].name != "blockquote" { continue }
            let length = textLength[node]
            guard length >= 25 else { continue }
            var points = 1.0
            points += Double(commas[node])
            points += Double(min(length / 100, 3))
            var ancestor = tree[node].parent
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
        for node in 0..<tree.count where isCandidate[node] {
            scores[node] *= 1 - linkDensity(node)
        }
    }

    /// The best-scoring container, if any paragraph scored.
    var best: Int? {
        var top: Int?
        for node in 0..<tree.count where isCandidate[node] && !excluded[node] {
            if top == nil || scores[node] > scores[top!] { top = node }
        }
        return top
    }

    /// Readability's "probably readerable" test: enough long paragraphs of visible text.
    var readerable: Bool {
        var total = 0.0
        for node in 1..<tree.count where !excluded[node] {
            let element = tree[node]
            guard element.name == "p" || element.name == "pre" || element.name == "article" || (element.name == "div" && holdsOnlyInline(node)) else { continue }
            let length = textLength[node]
            if length >= 140 { total += Double(length - 140).squareRoot() }
            if total > 20 { return true }
        }
        return false
    }
}

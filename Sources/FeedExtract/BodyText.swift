import FeedCore

/// The article's text from the chosen part of the page, by the HTML → text rules every
/// other body follows (`HTMLTextExtractor`), leaving out what scoring excluded and, inside
/// the article, the blocks that are not its text: link lists (related stories), blocks whose
/// class says they are something else, a repeat of the headline.
struct BodyText {
    let scoring: ContentScoring
    /// The headline, to leave out a heading that only repeats it.
    let title: String?
    /// The best block and the elements around it: never clutter, whatever their class says
    /// (a layout's "two-col-sidebar-right" wrapper holding the story).
    let protected: Set<Int>

    init(scoring: ContentScoring, title: String?, best: Int?) {
        self.scoring = scoring
        self.title = title
        var p = Set<Int>()
        var i = best ?? -1
        while i >= 0 {
            p.insert(i)
            i = scoring.tree[i].parent
        }
        protected = p
    }

    var tree: PageTree { scoring.tree }

    /// The text of `roots` (siblings, in document order), paragraphs joined by a blank line.
    func text(of roots: [Int]) -> String {
        var extractor = HTMLTextExtractor()
        var titleSkipped = false
        // An explicit stack (pages nest deep): an element, then a marker to end it.
        var stack: [(node: Int, entering: Bool)] = roots.reversed().map { ($0, true) }
        while let (i, entering) = stack.popLast() {
            if !entering {
                extractor.end(tree.nodes[i].tag)
                continue
            }
            if tree.nodes[i].isText {
                if !scoring.excluded[i] {
                    var t = tree.nodes[i].text
                    t.withUTF8 { extractor.characters($0) }
                }
                continue
            }
            if scoring.excluded[i] || isClutter(i) { continue }
            let name = tree.nodes[i].name
            if !titleSkipped, let title, name.utf8.count == 2, name.first == "h",
                TextBuilder.oneLine(tree.rawText(of: i)) == title
            {
                titleSkipped = true
                continue
            }
            extractor.start(tree.nodes[i].tag)
            stack.append((i, false))
            for c in tree.children(of: i).reversed() { stack.append((c, true)) }
        }
        return extractor.string
    }

    /// A block inside the article that is not its text (Readability's "clean conditionally",
    /// simplified): a class that says otherwise, a list that is mostly links, a block that is
    /// mostly links or list items without paragraphs.
    func isClutter(_ i: Int) -> Bool {
        let name = tree.nodes[i].name
        switch name {
        case "div", "section", "ul", "ol", "table", "figure", "header", "dl":
            break
        case "h1", "h2", "h3", "h4", "h5", "h6", "p", "span", "time", "address":
            // A byline, a dateline, a credit: marked so by their class.
            return !protected.contains(i) && scoring.classWeight(i) < 0
        default:
            return false
        }
        if protected.contains(i) { return false }
        let weight = scoring.classWeight(i)
        if weight < 0 { return true }
        let density = scoring.linkDensity(i)
        let isList = name == "ul" || name == "ol"
        if scoring.commas[i] >= 10 { return false }
        if isList { return density > 0.5 }
        if weight >= 25 { return density > 0.5 }
        let p = scoring.paragraphs[i], li = scoring.listItems[i]
        if li > p + 1 && density > 0.3 { return true }
        if density > 0.35 && scoring.textLength[i] < 600 { return true }
        return false
    }
}

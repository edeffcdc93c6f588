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
        var chain = Set<Int>()
        var node = best ?? -1
        while node >= 0 {
            chain.insert(node)
            node = scoring.tree[node].parent
        }
        protected = chain
    }

    var tree: PageTree { scoring.tree }

    /// The text of `roots` (siblings, in document order), paragraphs joined by a blank line.
    func text(of roots: [Int]) -> String {
        var extractor = HTMLTextExtractor()
        var titleSkipped = false
        // An explicit stack (pages nest deep): an element, then a marker to end it.
        var stack: [(node: Int, entering: Bool)] = roots.reversed().map { ($0, true) }
        while let (node, entering) = stack.popLast() {
            if !entering {
                extractor.end(tree.nodes[node].tag)
                continue
            }
            if tree.nodes[node].isText {
                if !scoring.excluded[node] {
                    var characters = tree.nodes[node].text
                    characters.withUTF8 { extractor.characters($0) }
                }
                continue
            }
            if scoring.excluded[node] || isClutter(node) { continue }
            let name = tree.nodes[node].name
            if !titleSkipped, let title, name.utf8.count == 2, name.first == "h",
                TextBuilder.oneLine(tree.rawText(of: node)) == title
            {
                titleSkipped = true
                continue
            }
            extractor.start(tree.nodes[node].tag)
            stack.append((node, false))
            for child in tree.children(of: node).reversed() { stack.append((child, true)) }
        }
        return extractor.string
    }

    /// A block inside the article that is not its text (Readability's "clean conditionally",
    /// simplified): a class that says otherwise, a list that is mostly links, a block that is
    /// mostly links or list items without paragraphs.
    func isClutter(_ node: Int) -> Bool {
        let name = tree.nodes[node].name
        switch name {
        case "div", "section", "ul", "ol", "table", "figure", "header", "dl":
            break
        case "h1", "h2", "h3", "h4", "h5", "h6", "p", "span", "time", "address":
            // A byline, a dateline, a credit: marked so by their class.
            return !protected.contains(node) && scoring.classWeight(node) < 0
        default:
            return false
        }
        if protected.contains(node) { return false }
        let weight = scoring.classWeight(node)
        if weight < 0 { return true }
        let density = scoring.linkDensity(node)
        let isList = name == "ul" || name == "ol"
        if scoring.commas[node] >= 10 { return false }
        if isList { return density > 0.5 }
        if weight >= 25 { return density > 0.5 }
        let paragraphs = scoring.paragraphs[node], listItems = scoring.listItems[node]
        if listItems > paragraphs + 1 && density > 0.3 { return true }
        if density > 0.35 && scoring.textLength[node] < 600 { return true }
        return false
    }
}

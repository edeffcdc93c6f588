/// A web page as a tree of elements and text, as its HTML parser reported it: what article
/// extraction reads. Built by `PageTree.Builder` from parse events, bounded in size (a
/// hostile page cannot make it hold more than `maxNodes` nodes or nest deeper than
/// `maxDepth`: what lies beyond is read into the nearest element kept).
public struct PageTree: Sendable {
    public struct Node: Sendable {
        /// The element's lower-case name; empty for a text node.
        public var name: String
        /// What the element is to the HTML → text rules.
        public var tag: HTMLTag
        public var parent: Int
        /// The first and last child and the next sibling, or -1: links rather than an array
        /// of children in every node (one allocation fewer per element).
        public var firstChild = -1
        public var lastChild = -1
        public var nextSibling = -1
        /// The attributes extraction reads (see `Builder.keptAttributes`), lower-case names.
        public var attributes: [(name: String, value: String)] = []
        /// A text node's text (entity-decoded UTF-8).
        public var text: String = ""

        public var isText: Bool { name.isEmpty }

        public func attribute(_ name: String) -> String? {
            attributes.first { $0.name == name }?.value
        }
    }

    /// `nodes[0]` is the document; every other node's parent comes before it.
    public private(set) var nodes: [Node]
    /// True when the page held more than the bounds let in.
    public private(set) var truncated = false

    public static let maxNodes = 200_000
    public static let maxDepth = 512

    public init() {
        nodes = [Node(name: "#document", tag: .block, parent: -1)]
    }

    public subscript(_ node: Int) -> Node {
        // Read in place: a copy of a node retains its arrays and strings.
        _read { yield nodes[node] }
    }
    public var count: Int { nodes.count }

    /// The children of `node`, in order.
    public func children(of node: Int) -> [Int] {
        var out: [Int] = []
        var child = nodes[node].firstChild
        while child >= 0 {
            out.append(child)
            child = nodes[child].nextSibling
        }
        return out
    }

    /// The indices of `root` and every node below it, in document order.
    public func descendants(of root: Int) -> [Int] {
        // Nodes are numbered in document order and a subtree's are consecutive: from the
        // root to just before the next node outside it.
        var end = root
        var node = root
        while node >= 0 {
            if nodes[node].nextSibling >= 0 {
                end = nodes[node].nextSibling
                break
            }
            node = nodes[node].parent
        }
        if node < 0 { end = nodes.count }
        return Array(root..<end)
    }

    /// The text below `root`, as it stands (no folding), script and style left out.
    public func rawText(of root: Int) -> String {
        var out = ""
        for node in descendants(of: root) {
            let element = nodes[node]
            if element.isText, !isInsideSkipped(node, below: root) { out += element.text }
        }
        return out
    }

    /// True when an element between `node` and `root` is dropped with its content (script,
    /// style, template, …).
    public func isInsideSkipped(_ node: Int, below root: Int) -> Bool {
        var above = nodes[node].parent
        while above >= 0 && above != root {
            if nodes[above].tag == .skip { return true }
            above = nodes[above].parent
        }
        return false
    }

    /// Builds a tree from parse events.
    public struct Builder {
        public private(set) var tree = PageTree()
        private var stack: [Int] = [0]
        /// Elements not made nodes (beyond the bounds) that are still open.
        private var dropped = 0

        public init() {}

        /// The attributes kept: what extraction looks at, nothing else (a page's inline
        /// styles, event handlers and data attributes can be most of its bytes).
        public static func keeps(_ name: String) -> Bool {
            switch name {
            case "id", "class", "itemprop", "itemtype", "itemscope", "role", "property", "name", "content", "type",
                "datetime", "lang", "rel", "href", "charset", "http-equiv", "hidden", "aria-hidden", "style":
                return true
            default:
                return false
            }
        }

        public mutating func start(_ name: String, attributes: [(name: String, value: String)]) {
            guard dropped == 0, stack.count < PageTree.maxDepth, tree.nodes.count < PageTree.maxNodes else {
                dropped += 1
                tree.truncated = true
                return
            }
            let parent = stack[stack.count - 1]
            var node = Node(name: name, tag: HTMLTag.classify(name), parent: parent)
            node.attributes = attributes
            tree.nodes.append(node)
            let added = tree.nodes.count - 1
            link(added, to: parent)
            stack.append(added)
        }

        public mutating func end(_ name: String) {
            if dropped > 0 {
                dropped -= 1
                return
            }
            // libxml2 reports ends in order; a stray one closes the nearest open element
            // of that name, and nothing when none is open.
            guard let open = stack.lastIndex(where: { tree.nodes[$0].name == name }), open > 0 else { return }
            stack.removeSubrange(open...)
        }

        public mutating func text(_ piece: String) {
            let parent = stack[stack.count - 1]
            // Text joins the text node before it: libxml2 hands text over in pieces.
            let last = tree.nodes[parent].lastChild
            if last >= 0 && tree.nodes[last].isText {
                tree.nodes[last].text += piece
                return
            }
            guard tree.nodes.count < PageTree.maxNodes else {
                tree.truncated = true
                return
            }
            var node = Node(name: "", tag: .inline, parent: parent)
            node.text = piece
            tree.nodes.append(node)
            link(tree.nodes.count - 1, to: parent)
        }

        private mutating func link(_ node: Int, to parent: Int) {
            let last = tree.nodes[parent].lastChild
            if last >= 0 { tree.nodes[last].nextSibling = node } else { tree.nodes[parent].firstChild = node }
            tree.nodes[parent].lastChild = node
        }
    }
}

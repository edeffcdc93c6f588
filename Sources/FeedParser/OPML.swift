import CLibXML2
import FeedCore

/// One subscription of an OPML file.
public struct OPMLFeed: Sendable, Equatable {
    public var xmlURL: String
    public var title: String?
    public var htmlURL: String?
    /// The titles of the outlines it is nested in, outermost first, then its `category`
    /// attribute's values (comma-separated in OPML 2.0; a leading '/' path is split).
    public var tags: [String]

    public init(xmlURL: String, title: String? = nil, htmlURL: String? = nil, tags: [String] = []) {
        self.xmlURL = xmlURL
        self.title = title
        self.htmlURL = htmlURL
        self.tags = tags
    }
}

public struct OPMLError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Reads and writes OPML subscription lists (1.0 and 2.0): nested outlines become tags,
/// and writing nests feeds by their tags again, so a list survives a round trip.
public enum OPML {
    /// The subscriptions in an OPML document (libxml2, no network, no external entities).
    public static func parse(_ bytes: [UInt8]) throws(OPMLError) -> [OPMLFeed] {
        _ = LibXML.initialized
        guard !bytes.isEmpty, bytes.count < Int(Int32.max) else { throw OPMLError(description: "the file is empty") }
        let options = Int32(XML_PARSE_RECOVER.rawValue | XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let doc = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { xmlReadMemory($0, Int32(buffer.count), nil, nil, options) }
        }
        guard let doc else { throw OPMLError(description: "not XML") }
        defer { xmlFreeDoc(doc) }
        guard let root = xmlDocGetRootElement(doc), name(root) == "opml" else {
            throw OPMLError(description: "not an OPML document (its root element is not <opml>)")
        }
        var feeds: [OPMLFeed] = []
        var child = root.pointee.children
        while let element = child {
            if element.pointee.type == XML_ELEMENT_NODE, name(element) == "body" { walk(element.pointee.children, path: [], into: &feeds, depth: 0) }
            child = element.pointee.next
        }
        return feeds
    }

    private static func walk(_ first: xmlNodePtr?, path: [String], into feeds: inout [OPMLFeed], depth: Int) {
        guard depth < 64 else { return }
        var node = first
        while let outline = node {
            defer { node = outline.pointee.next }
            guard outline.pointee.type == XML_ELEMENT_NODE, name(outline) == "outline" else { continue }
            let title = attribute(outline, "title") ?? attribute(outline, "text")
            if let url = attribute(outline, "xmlUrl") ?? attribute(outline, "xmlurl") ?? attribute(outline, "url"), !url.isEmpty, attribute(outline, "type")?.lowercased() != "link" {
                var tags = path
                for category in (attribute(outline, "category") ?? "").split(separator: ",") {
                    let tag = String(category).trimmingCharacters()
                    if tag.hasPrefix("/") {
                        tags.append(contentsOf: tag.split(separator: "/").map(String.init).filter { !tags.contains($0) })
                    } else if !tag.isEmpty && !tags.contains(tag) {
                        tags.append(tag)
                    }
                }
                feeds.append(OPMLFeed(xmlURL: url, title: title, htmlURL: attribute(outline, "htmlUrl"), tags: tags))
            }
            if outline.pointee.children != nil {
                walk(outline.pointee.children, path: title.map { path + [$0] } ?? path, into: &feeds, depth: depth + 1)
            }
        }
    }

    private static func name(_ node: xmlNodePtr) -> String {
        node.pointee.name.map { String(cString: $0) } ?? ""
    }

    private static func attribute(_ node: xmlNodePtr, _ key: String) -> String? {
        guard let property = xmlGetProp(node, key) else { return nil }
        defer { fs_xml_free(property) }
        let text = String(cString: property).trimmingCharacters()
        return text.isEmpty ? nil : text
    }

    /// An OPML 2.0 document; feeds are nested in outlines by their first tag (the rest go
    /// to `category`), so `parse(write(x))` gives `x` back for lists read from nested
    /// outlines.
    public static func write(_ feeds: [OPMLFeed], title: String = "feedspool subscriptions") -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n    <title>\(escape(title))</title>\n  </head>\n  <body>\n"
        func emit(_ group: [OPMLFeed], level: Int, indent: String) {
            var order: [String] = []
            var nested: [String: [OPMLFeed]] = [:]
            for feed in group {
                if feed.tags.count > level {
                    let tag = feed.tags[level]
                    if nested[tag] == nil { order.append(tag) }
                    nested[tag, default: []].append(feed)
                }
            }
            for feed in group where feed.tags.count <= level {
                var line = "\(indent)<outline type=\"rss\" text=\"\(escape(feed.title ?? feed.xmlURL))\""
                if let title = feed.title { line += " title=\"\(escape(title))\"" }
                line += " xmlUrl=\"\(escape(feed.xmlURL))\""
                if let html = feed.htmlURL { line += " htmlUrl=\"\(escape(html))\"" }
                out += line + "/>\n"
            }
            for tag in order {
                out += "\(indent)<outline text=\"\(escape(tag))\" title=\"\(escape(tag))\">\n"
                emit(nested[tag]!, level: level + 1, indent: indent + "  ")
                out += "\(indent)</outline>\n"
            }
        }
        emit(feeds, level: 0, indent: "    ")
        return out + "  </body>\n</opml>\n"
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for ch in text.unicodeScalars {
            switch ch {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "\n": escaped += "&#10;"
            default:
                if ch.value < 0x20 && ch != "\t" { continue }
                escaped.unicodeScalars.append(ch)
            }
        }
        return escaped
    }
}

extension String {
    fileprivate func trimmingCharacters() -> String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" || first == "\n" || first == "\r" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" || last == "\n" || last == "\r" { text = text.dropLast() }
        return String(text)
    }
}

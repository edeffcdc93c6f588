import FeedCore

/// What a page says about its article outside the article's own markup: `<title>`,
/// `<meta>` (OpenGraph, Twitter, article:*, Dublin Core), `<html lang>`, JSON-LD objects of
/// an article type, and microdata. Each field keeps every source that gave it, best first,
/// so that the extractor can cross-check them.
struct PageSignals {
    var documentTitle: String?
    /// `<meta>` values by lower-case `property` or `name`, first occurrence.
    var meta: [String: String] = [:]
    var htmlLang: String?
    /// JSON-LD objects whose `@type` is an article type, in document order.
    var jsonLD: [JSONValue] = []
    /// The first element marked `itemprop="articleBody"`.
    var microdataBody: Int?
    var microdataHeadline: String?
    var microdataDate: String?
    var microdataAuthor: String?

    static let articleTypes: Set<String> = [
        "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
        "reviewnewsarticle", "backgroundnewsarticle", "techarticle", "scholarlyarticle", "report", "liveblogposting",
        "socialmediaposting", "posting",
    ]

    init(_ tree: PageTree) {
        for i in 0..<tree.count where !tree.nodes[i].isText {
            // Most elements are neither of these nor carry attributes: passed over without
            // copying them.
            switch tree.nodes[i].name {
            case "title", "meta", "html", "script": break
            default: if tree.nodes[i].attributes.isEmpty { continue }
            }
            let n = tree[i]
            switch n.name {
            case "title" where documentTitle == nil:
                documentTitle = TextBuilder.oneLine(tree.rawTextIncludingSkipped(i)).nilIfEmpty
            case "meta":
                if let key = (n.attribute("property") ?? n.attribute("name") ?? n.attribute("itemprop"))?.lowercased(),
                    let content = n.attribute("content"), meta[key] == nil
                {
                    meta[key] = content
                }
            case "html" where htmlLang == nil:
                htmlLang = n.attribute("lang")
            case "script" where n.attribute("type")?.lowercased().hasSuffix("ld+json") == true:
                let json = tree.rawTextIncludingSkipped(i)
                if let value = try? JSONValue.parse(Array(json.utf8)) { collectArticles(value, depth: 0) }
            default:
                break
            }
            if let prop = n.attribute("itemprop")?.lowercased(), !n.isText {
                switch prop {
                case "articlebody": if microdataBody == nil { microdataBody = i }
                case "headline": if microdataHeadline == nil { microdataHeadline = n.attribute("content") ?? TextBuilder.oneLine(tree.rawText(of: i)).nilIfEmpty }
                case "datepublished": if microdataDate == nil { microdataDate = n.attribute("content") ?? n.attribute("datetime") ?? TextBuilder.oneLine(tree.rawText(of: i)).nilIfEmpty }
                case "author": if microdataAuthor == nil { microdataAuthor = n.attribute("content") ?? TextBuilder.oneLine(tree.rawText(of: i)).nilIfEmpty }
                default: break
                }
            }
        }
    }

    /// Article objects anywhere in a JSON-LD value: top level, arrays, `@graph`.
    private mutating func collectArticles(_ v: JSONValue, depth: Int) {
        guard depth < 8 else { return }
        switch v {
        case .array(let items):
            for item in items { collectArticles(item, depth: depth + 1) }
        case .object:
            if Self.types(of: v).contains(where: { Self.articleTypes.contains($0) }) { jsonLD.append(v) }
            if let graph = v["@graph"] { collectArticles(graph, depth: depth + 1) }
            if let main = v["mainEntity"] { collectArticles(main, depth: depth + 1) }
        default:
            break
        }
    }

    static func types(of v: JSONValue) -> [String] {
        switch v["@type"] {
        case .string(let s)?: return [s.lowercased()]
        case .array(let a)?: return a.compactMap { $0.string?.lowercased() }
        default: return []
        }
    }

    /// The first non-empty string of `key` among the article objects.
    func jsonLD(_ key: String) -> String? {
        for o in jsonLD {
            if let s = o[key]?.string.map(TextBuilder.oneLine), !s.isEmpty { return s }
        }
        return nil
    }

    /// `articleBody` of the article objects, as paragraphs (its line breaks kept).
    var jsonLDBody: String? {
        for o in jsonLD {
            if let body = o["articleBody"]?.string, !body.isEmpty {
                // Some sites put HTML in it; its tags are no text.
                return RichText.plainParagraphs(Self.withoutTags(body)).nilIfEmpty
            }
        }
        return nil
    }

    /// Author names of the article objects: a string, an object with `name`, or a list.
    var jsonLDAuthors: [String] {
        for o in jsonLD {
            guard let a = o["author"] else { continue }
            let names = (a.array ?? [a]).compactMap { v -> String? in
                (v.string ?? v["name"]?.string).map(TextBuilder.oneLine).flatMap(\.nilIfEmpty)
            }
            if !names.isEmpty { return names }
        }
        return []
    }

    static func withoutTags(_ s: String) -> String {
        guard s.contains("<") else { return s }
        var out = ""
        var inTag = false
        for c in s {
            if c == "<" { inTag = true } else if c == ">" && inTag { inTag = false } else if !inTag { out.append(c) }
        }
        return out
    }
}

extension PageTree {
    /// All text below `root`, script and style included (a `<title>`'s, a JSON-LD
    /// script's).
    func rawTextIncludingSkipped(_ root: Int) -> String {
        var out = ""
        for i in descendants(of: root) where self[i].isText { out += self[i].text }
        return out
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

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
        for element in 0..<tree.count where !tree.nodes[element].isText {
            // Most elements are neither of these nor carry attributes: passed over without
            // copying them.
            switch tree.nodes[element].name {
            case "title", "meta", "html", "script": break
            default: if tree.nodes[element].attributes.isEmpty { continue }
            }
            let node = tree[element]
            switch node.name {
            case "title" where documentTitle == nil:
                documentTitle = TextBuilder.oneLine(tree.rawTextIncludingSkipped(element)).nilIfEmpty
            case "meta":
                if let key = (node.attribute("property") ?? node.attribute("name") ?? node.attribute("itemprop"))?.lowercased(),
                    let content = node.attribute("content"), meta[key] == nil
                {
                    meta[key] = content
                }
            case "html" where htmlLang == nil:
                htmlLang = node.attribute("lang")
            case "script" where node.attribute("type")?.lowercased().hasSuffix("ld+json") == true:
                let json = tree.rawTextIncludingSkipped(element)
                if let value = try? JSONValue.parse(Array(json.utf8)) { collectArticles(value, depth: 0) }
            default:
                break
            }
            if let prop = node.attribute("itemprop")?.lowercased(), !node.isText {
                switch prop {
                case "articlebody": if microdataBody == nil { microdataBody = element }
                case "headline": if microdataHeadline == nil { microdataHeadline = node.attribute("content") ?? TextBuilder.oneLine(tree.rawText(of: element)).nilIfEmpty }
                case "datepublished": if microdataDate == nil { microdataDate = node.attribute("content") ?? node.attribute("datetime") ?? TextBuilder.oneLine(tree.rawText(of: element)).nilIfEmpty }
                case "author": if microdataAuthor == nil { microdataAuthor = node.attribute("content") ?? TextBuilder.oneLine(tree.rawText(of: element)).nilIfEmpty }
                default: break
                }
            }
        }
    }

    /// Article objects anywhere in a JSON-LD value: top level, arrays, `@graph`.
    private mutating func collectArticles(_ value: JSONValue, depth: Int) {
        guard depth < 8 else { return }
        switch value {
        case .array(let items):
            for item in items { collectArticles(item, depth: depth + 1) }
        case .object:
            if Self.types(of: value).contains(where: { Self.articleTypes.contains($0) }) { jsonLD.append(value) }
            if let graph = value["@graph"] { collectArticles(graph, depth: depth + 1) }
            if let main = value["mainEntity"] { collectArticles(main, depth: depth + 1) }
        default:
            break
        }
    }

    static func types(of value: JSONValue) -> [String] {
        switch value["@type"] {
        case .string(let text)?: return [text.lowercased()]
        case .array(let list)?: return list.compactMap { $0.string?.lowercased() }
        default: return []
        }
    }

    /// The first non-empty string of `key` among the article objects.
    func jsonLD(_ key: String) -> String? {
        for object in jsonLD {
            if let text = object[key]?.string.map(TextBuilder.oneLine), !text.isEmpty { return text }
        }
        return nil
    }

    /// `articleBody` of the article objects, as paragraphs (its line breaks kept).
    var jsonLDBody: String? {
        for object in jsonLD {
            if let body = object["articleBody"]?.string, !body.isEmpty {
                // Some sites put HTML in it; its tags are no text.
                return RichText.plainParagraphs(Self.withoutTags(body)).nilIfEmpty
            }
        }
        return nil
    }

    /// Author names of the article objects: a string, an object with `name`, or a list.
    var jsonLDAuthors: [String] {
        for object in jsonLD {
            guard let list = object["author"] else { continue }
            let names = (list.array ?? [list]).compactMap { value -> String? in
                (value.string ?? value["name"]?.string).map(TextBuilder.oneLine).flatMap(\.nilIfEmpty)
            }
            if !names.isEmpty { return names }
        }
        return []
    }

    static func withoutTags(_ text: String) -> String {
        guard text.contains("<") else { return text }
        var out = ""
        var inTag = false
        for ch in text {
            if ch == "<" { inTag = true } else if ch == ">" && inTag { inTag = false } else if !inTag { out.append(ch) }
        }
        return out
    }
}

extension PageTree {
    /// All text below `root`, script and style included (a `<title>`'s, a JSON-LD
    /// script's).
    func rawTextIncludingSkipped(_ root: Int) -> String {
        var out = ""
        for node in descendants(of: root) where self[node].isText { out += self[node].text }
        return out
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

import FeedCore

// How a captured field's text is read: by its kind (text, HTML, a date), with the warnings
// a field can give.
extension FeedDocumentBuilder {
    func richText(_ raw: String, kind: TextKind, isXHTML: Bool) -> RichText? {
        if isXHTML { return raw.isEmpty ? nil : .paragraphs(raw) }
        switch kind {
        case .text: return .text(raw)
        case .html: return .html(UTF8Text(raw))
        case .xhtml: return .paragraphs(raw)
        case .rssTitle: return Self.looksLikeMarkup(raw) ? .html(UTF8Text(raw)) : .text(raw)
        case .base64Text, .base64HTML: return nil  // decoded in `finish`
        }
    }

    mutating func parseDate(_ text: UnsafeBufferPointer<UInt8>, _ what: String) -> FeedDate? {
        if let date = DateParser.parse(bytes: text) { return date }
        let trimmed = String(decoding: text, as: UTF8.self).trimmingXMLSpace
        if !trimmed.isEmpty { warn("unparseable date \"\(trimmed.prefix(64))\" in <\(what)>") }
        return nil
    }

    mutating func warn(_ message: String) {
        if warnings.count < 50 { warnings.append(ParseWarning(line: 0, column: 0, message: message)) }
    }

    /// RSS titles are text, but many carry escaped markup or double-escaped entities
    /// ("AT&amp;amp;T"); those are read as HTML.
    static func looksLikeMarkup(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { looksLikeMarkup($0) }
    }

    static func looksLikeMarkup(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < u.count {
            let c = u[i]
            if c == 0x3C, i + 1 < u.count {
                let d = u[i + 1] | 0x20
                if (d >= 0x61 && d <= 0x7A) || u[i + 1] == 0x2F {
                    if u[(i + 1)...].contains(0x3E) { return true }
                }
            } else if c == 0x26 {
                var j = i + 1
                if j < u.count && u[j] == 0x23 { j += 1 }
                let start = j
                while j < u.count, j - start < 10,
                    (u[j] | 0x20) >= 0x61 && (u[j] | 0x20) <= 0x7A || (u[j] >= 0x30 && u[j] <= 0x39)
                {
                    j += 1
                }
                if j > start && j < u.count && u[j] == 0x3B { return true }
            }
            i += 1
        }
        return false
    }
}

extension FeedDocumentBuilder.Field {
    /// True for a field whose text is a date.
    var isDate: Bool {
        switch self {
        case .feedUpdated, .feedPublished, .published, .updated:
            return true
        default:
            return false
        }
    }

    /// True for a field whose text is HTML markup by its declared type.
    var holdsHTML: Bool {
        self == .dcDescription || textKind == .html
    }

    var textKind: FeedDocumentBuilder.TextKind? {
        switch self {
        case .feedTitle(let kind), .feedSubtitle(let kind), .title(let kind), .summary(let kind), .content(let kind),
            .mediaDescription(let kind):
            return kind
        default:
            return nil
        }
    }
}

/// A text field as the feed carried it, before it becomes article text.
public enum RichText: Sendable, Hashable {
    /// Plain text, taken literally (RSS titles, Atom `type="text"`, JSON Feed `content_text`).
    case text(String)
    /// HTML markup (RSS `description`, `content:encoded`, Atom `type="html"`, `content_html`),
    /// as bytes: the converter reads bytes.
    case html(UTF8Text)
    /// Markup already reduced to text while parsing (Atom `type="xhtml"`): paragraphs
    /// joined by `"\n\n"`.
    case paragraphs(String)

    /// True when the field holds no characters at all.
    public var isEmpty: Bool {
        switch self {
        case .text(let text), .paragraphs(let text): return text.isEmpty
        case .html(let html): return html.isEmpty
        }
    }

    /// Calls `body` with the UTF-8 of the characters as carried, whatever their kind.
    public func withRawUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        switch self {
        case .text(var text), .paragraphs(var text): return text.withUTF8(body)
        case .html(let html): return html.bytes.withUnsafeBufferPointer(body)
        }
    }
}

/// Reduces HTML markup to article text. The core stays free of C libraries; the parser
/// module supplies the libxml2 implementation.
public protocol MarkupConverter {
    /// The text of an HTML fragment: paragraphs joined by `"\n\n"`, folded and trimmed
    /// by the article format's rules. Bytes in, bytes out: an article body never needs to
    /// be a `String` between the feed and the spool.
    mutating func text(fromHTML html: UTF8Text) -> UTF8Text
}

extension MarkupConverter {
    /// The text of an HTML fragment given as a string.
    public mutating func text(fromHTML html: String) -> String {
        text(fromHTML: UTF8Text(html)).string
    }
}

extension RichText {
    /// The field as article text: paragraphs joined by `"\n\n"`.
    ///
    /// Plain text keeps every character; a blank line in it separates paragraphs, any
    /// other white space folds to one space.
    public func articleText(using converter: inout some MarkupConverter) -> String {
        switch self {
        case .html(let html):
            return converter.text(fromHTML: html).string
        case .paragraphs(let text):
            return text
        case .text(let text):
            return RichText.plainParagraphs(text)
        }
    }

    /// `articleText` as UTF-8 bytes (what an article body is).
    public func articleUTF8(using converter: inout some MarkupConverter) -> UTF8Text {
        switch self {
        case .html(let html):
            return converter.text(fromHTML: html)
        case .paragraphs(let text):
            return UTF8Text(text)
        case .text(let text):
            return UTF8Text(bytes: RichText.plainParagraphsBuilder(text).bytes)
        }
    }

    /// Plain text → paragraphs: a line holding only white space separates paragraphs.
    public static func plainParagraphs(_ text: String) -> String {
        plainParagraphsBuilder(text).string
    }

    private static func plainParagraphsBuilder(_ text: String) -> TextBuilder {
        var builder = TextBuilder()
        var utf8 = text
        utf8.withUTF8 { p in
            var lineStart = 0
            var i = 0
            var lastLineBlank = false
            while i <= p.count {
                if i == p.count || p[i] == 0x0A {
                    let line = UnsafeBufferPointer(rebasing: p[lineStart..<i])
                    let blank = line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
                    if blank {
                        if !lastLineBlank { builder.breakParagraph() }
                    } else {
                        builder.append(line)
                        builder.space()
                    }
                    lastLineBlank = blank
                    lineStart = i + 1
                }
                i += 1
            }
        }
        return builder
    }
}

import CByteScan
import CLibXML2
import FeedCore

/// Web pages into `PageTree`s: the bytes decoded by the page's character encoding, then
/// parsed by libxml2's HTML parser (recovering from whatever the page's markup does).
public enum PageParser {
    /// The most bytes of a page read; the rest is cut (and the tree says `truncated`).
    public static let maxBytes = 8 << 20

    public struct Result: Sendable {
        public var tree: PageTree
        /// The encoding the page was read in, and what decided it.
        public var charset: String
        public var charsetReason: String
        /// True when the page was longer than `maxBytes` (or its tree than its bounds).
        public var truncated: Bool
    }

    /// Parses a page: `contentType` is its HTTP `Content-Type` (its charset comes first
    /// after a byte-order mark; then the page's own `<meta>`; then the bytes themselves).
    public static func parse(_ bytes: [UInt8], contentType: String? = nil) -> Result {
        let cut = bytes.count > maxBytes
        let page = cut ? Array(bytes[0..<maxBytes]) : bytes
        let (utf8, charset, reason) = page.withUnsafeBufferPointer { decode($0, httpCharset: FeedParserOptions(contentType: contentType).httpCharset) }
        let engine = Engine()
        let lean = utf8.withUnsafeBufferPointer { withoutScriptText($0) }
        let tree = lean.withUnsafeBufferPointer { engine.parse($0) }
        return Result(tree: tree, charset: charset, charsetReason: reason, truncated: cut || tree.truncated)
    }

    // MARK: Scripts

    /// The page without the text of its scripts, style sheets and inline SVG (their elements
    /// kept, empty), but for JSON-LD, and without its comments: extraction never reads them,
    /// and libxml2 reads them a character at a time — on pages that carry their code inline,
    /// most of its work. A script ends at the first `</script` in any case, as in a browser;
    /// a comment ends at `-->` and takes what it holds with it, so a `<script>` written
    /// inside one removes nothing else.
    static func withoutScriptText(_ p: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(p.count)
        let n = p.count
        var copied = 0
        var i = 0
        while i < n {
            guard let lt = UnsafeBufferPointer(rebasing: p[i...]).firstIndex(of: 0x3C) else { break }
            i += lt
            if startsWith(p, at: i, "<!--") {
                // A comment goes whole (none of it is text), and what it holds stays in it.
                let end = min(n, find(p, "-->", from: i + 4) + 3)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: p[copied..<i]))
                copied = end
                i = end
                continue
            }
            let isScript = startsWith(p, at: i, "<script")
            let isStyle = !isScript && startsWith(p, at: i, "<style")
            let isSVG = !isScript && !isStyle && startsWith(p, at: i, "<svg")
            guard isScript || isStyle || isSVG else {
                i += 1
                continue
            }
            let nameEnd = i + (isScript ? 7 : isStyle ? 6 : 4)
            guard nameEnd < n, p[nameEnd] == 0x3E || p[nameEnd] == 0x20 || p[nameEnd] == 0x09 || p[nameEnd] == 0x0A
                || p[nameEnd] == 0x0D || p[nameEnd] == 0x2F
            else {
                i += 1
                continue
            }
            guard let tagEnd = startTagEnd(p, from: nameEnd) else { break }
            let close = find(p, isScript ? "</script" : isStyle ? "</style" : "</svg", from: tagEnd)
            let keeps = isScript && isJSONLD(UnsafeBufferPointer(rebasing: p[i..<tagEnd]))
            if !keeps && close > tagEnd {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: p[copied..<tagEnd]))
                copied = close
            }
            i = close
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: p[copied..<n]))
        return out
    }

    private static func lowerASCII(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }

    /// True when `p[at...]` starts with `word` (written in lowercase), ASCII case aside.
    private static func startsWith(_ p: UnsafeBufferPointer<UInt8>, at: Int, _ word: StaticString) -> Bool {
        let length = word.utf8CodeUnitCount
        guard at + length <= p.count else { return false }
        for k in 0..<length where lowerASCII(p[at + k]) != word.utf8Start[k] { return false }
        return true
    }

    /// Where `word` next starts at or after `from` (`p.count` when nowhere). Its first byte
    /// is markup (`<`, `-`), which has no case.
    private static func find(_ p: UnsafeBufferPointer<UInt8>, _ word: StaticString, from: Int) -> Int {
        var j = from
        while j < p.count {
            guard let lt = UnsafeBufferPointer(rebasing: p[j...]).firstIndex(of: word.utf8Start[0]) else { return p.count }
            let at = j + lt
            if startsWith(p, at: at, word) { return at }
            j = at + 1
        }
        return p.count
    }

    /// Just past the `>` that ends a start tag whose name ends at `from`, quoted values
    /// skipped; nil when the page ends first.
    private static func startTagEnd(_ p: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        var j = from
        var quote: UInt8 = 0
        while j < p.count {
            let c = p[j]
            if quote != 0 {
                if c == quote { quote = 0 }
            } else if c == 0x22 || c == 0x27 {
                quote = c
            } else if c == 0x3E {
                return j + 1
            }
            j += 1
        }
        return nil
    }

    /// A `<script>` start tag of JSON-LD (`ld+json` in it, any case): its text is kept,
    /// extraction reads it.
    private static func isJSONLD(_ tag: UnsafeBufferPointer<UInt8>) -> Bool {
        tag.map(lowerASCII).withUnsafeBufferPointer { t in
            let key = Array("ld+json".utf8)
            return t.count >= key.count && (0...(t.count - key.count)).contains { t[$0..<($0 + key.count)].elementsEqual(key) }
        }
    }

    // MARK: Character encoding

    /// The page as UTF-8: a byte-order mark, the HTTP charset, a `<meta>` charset in the
    /// first 4 KiB, else UTF-8 when the bytes are (but for a few stray bytes), else
    /// windows-1252. Bytes that are valid UTF-8 win over a label naming a single-byte
    /// encoding, as in feeds; stray bytes in UTF-8 are read as windows-1252.
    static func decode(_ p: UnsafeBufferPointer<UInt8>, httpCharset: String?) -> ([UInt8], String, String) {
        if p.count >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF {
            return (mendUTF8(UnsafeBufferPointer(rebasing: p[3...])), "UTF-8", "BOM")
        }
        if p.count >= 2 && (p[0] == 0xFF && p[1] == 0xFE || p[0] == 0xFE && p[1] == 0xFF) {
            let charset: Charset = p[0] == 0xFF ? .utf16LE : .utf16BE
            return (convert(UnsafeBufferPointer(rebasing: p[2...]), charset), charset.description, "BOM")
        }
        let (label, source): (String?, String) =
            httpCharset.map { ($0, "HTTP charset") } ?? (metaCharset(UnsafeBufferPointer(rebasing: p[0..<min(p.count, 4096)])).map { ($0, "<meta> charset") } ?? (nil, ""))
        let tally = UTF8Check.tally(UnsafeBufferPointer(rebasing: p[0..<min(p.count, 1 << 20)]), isComplete: true)
        let looksUTF8 = tally.invalid == 0 || tally.multibyte > tally.invalid
        var claimed = label.flatMap { Charset(label: $0) }
        // A page is never really UTF-16 when its bytes read as ASCII (the label lies).
        if claimed == .utf16LE || claimed == .utf16BE || claimed == .utf32LE || claimed == .utf32BE { claimed = .utf8 }
        switch claimed {
        case .utf8?, .utf8EncodedTwice?:
            return (mendUTF8(p), "UTF-8", source)
        case let c? where !(tally.multibyte > 0 && looksUTF8):
            return (convert(p, c), c.description, source)
        case let c?:
            return (mendUTF8(p), "UTF-8", "valid UTF-8 over a declared \(c)")
        case nil:
            return looksUTF8 ? (mendUTF8(p), "UTF-8", "sniffed") : (convert(p, .windows1252), "windows-1252", "sniffed")
        }
    }

    private static func convert(_ p: UnsafeBufferPointer<UInt8>, _ charset: Charset) -> [UInt8] {
        guard let t = try? Transcoder(charset) else { return mendUTF8(p) }
        var out: [UInt8] = []
        t.convert(p, into: &out, isFinal: true)
        return out
    }

    /// UTF-8 with each byte that is not part of a valid sequence read as windows-1252.
    static func mendUTF8(_ p: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(p.count)
        guard let base = p.baseAddress else { return [] }
        var i = 0
        while i < p.count {
            let c = p[i]
            if c < 0x80 {
                // ASCII runs are copied whole, found sixteen bytes at a time.
                let end = fs_scan_high(base, p.count, i)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: p[i..<end]))
                i = end
                continue
            }
            let len = UTF8Check.sequenceLength(p, i)
            if len == 0 {
                UTF8Check.append(Windows1252.scalar(c), to: &out)
                i += 1
            } else {
                out.append(contentsOf: p[i..<(i + len)])
                i += len
            }
        }
        return out
    }

    /// The charset a `<meta charset="…">` or `<meta http-equiv="Content-Type"
    /// content="…; charset=…">` names.
    static func metaCharset(_ p: UnsafeBufferPointer<UInt8>) -> String? {
        let lower = p.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        let meta = Array("<meta".utf8), key = Array("charset".utf8)
        var i = 0
        while i + meta.count < lower.count {
            guard lower[i..<(i + meta.count)].elementsEqual(meta) else {
                i += 1
                continue
            }
            let end = lower[i...].firstIndex(of: 0x3E) ?? lower.count
            var j = i
            while j + key.count <= end {
                if lower[j..<(j + key.count)].elementsEqual(key) {
                    var k = j + key.count
                    while k < end && (lower[k] == 0x20 || lower[k] == 0x09) { k += 1 }
                    if k < end && lower[k] == 0x3D {
                        k += 1
                        while k < end && (lower[k] == 0x20 || lower[k] == 0x22 || lower[k] == 0x27) { k += 1 }
                        let start = k
                        while k < end && lower[k] != 0x22 && lower[k] != 0x27 && lower[k] != 0x3B && lower[k] > 0x20 && lower[k] != 0x2F {
                            k += 1
                        }
                        if k > start { return String(decoding: lower[start..<k], as: UTF8.self) }
                    }
                }
                j += 1
            }
            i = end
        }
        return nil
    }

    // MARK: libxml2

    final class Engine {
        var builder = PageTree.Builder()
        /// libxml2's HTML parser interns element and attribute names (lower case) in its
        /// dictionary: each becomes a String once.
        var names = InternedMemo<String>()

        func name(_ p: UnsafePointer<xmlChar>) -> String {
            names.value(for: UnsafeRawPointer(p)) { String(cString: p) }
        }

        static let options = Int32(
            HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
                | HTML_PARSE_NONET.rawValue | HTML_PARSE_NODEFDTD.rawValue)

        func parse(_ p: UnsafeBufferPointer<UInt8>) -> PageTree {
            _ = LibXML.initialized
            guard let base = p.baseAddress, p.count < Int(Int32.max), let ctxt = htmlNewParserCtxt() else { return builder.tree }
            defer { htmlFreeParserCtxt(ctxt) }
            guard let sax = ctxt.pointee.sax else { return builder.tree }
            sax.pointee = Self.handler
            ctxt.pointee.userData = UnsafeMutableRawPointer(ctxt)
            ctxt.pointee._private = Unmanaged.passUnretained(self).toOpaque()
            _ = base.withMemoryRebound(to: CChar.self, capacity: p.count) {
                fs_html_parse_utf8(ctxt, $0, Int32(p.count), Self.options)
            }
            return builder.tree
        }

        private static func with(_ ctx: UnsafeMutableRawPointer?, _ body: (Engine) -> Void) {
            guard let ctx else { return }
            let ctxt = ctx.assumingMemoryBound(to: xmlParserCtxt.self)
            guard let me = ctxt.pointee._private else { return }
            Unmanaged<Engine>.fromOpaque(me)._withUnsafeGuaranteedRef(body)
        }

        nonisolated(unsafe) private static let handler: htmlSAXHandler = {
            var h = htmlSAXHandler()
            h.startElement = { ctx, name, attrs in
                guard let name else { return }
                Engine.with(ctx) { e in
                    var kept: [(name: String, value: String)] = []
                    if let attrs {
                        var k = 0
                        while let n = attrs[k] {
                            // libxml2's HTML parser hands names over in lower case already.
                            let attributeName = e.name(n)
                            if PageTree.Builder.keeps(attributeName) {
                                kept.append((attributeName, attrs[k + 1].map { String(cString: $0) } ?? ""))
                            }
                            k += 2
                        }
                    }
                    e.builder.start(e.name(name), attributes: kept)
                }
            }
            h.endElement = { ctx, name in
                guard let name else { return }
                Engine.with(ctx) { $0.builder.end($0.name(name)) }
            }
            let characters: charactersSAXFunc = { ctx, ch, len in
                guard let ch, len > 0 else { return }
                Engine.with(ctx) { $0.builder.text(String(decoding: UnsafeBufferPointer(start: ch, count: Int(len)), as: UTF8.self)) }
            }
            h.characters = characters
            h.ignorableWhitespace = characters
            h.cdataBlock = characters
            return h
        }()
    }
}

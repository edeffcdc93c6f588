import CLibXML2
import FeedCore

/// Reduces HTML fragments to article text with libxml2's HTML parser in SAX mode, driving
/// the core's `HTMLTextExtractor`. One parser context is reused for every fragment.
///
/// Input is always declared UTF-8 (`fs_html_parse_utf8`): libxml2 would decode an undeclared
/// fragment as Latin-1, and a fragment's own `<meta charset>` is ignored.
/// A fragment with no `<` and no `&` skips the parser: it is text already. So does one the
/// condenser reduces to a single paragraph of text (`Engine.singleParagraph`), for which the
/// converter reports what libxml2 would; tests and the fuzzer compare both with the parse.
public struct HTMLToText: MarkupConverter {
    private let engine: Engine

    /// - Parameter condensing: hand libxml2 long runs of plain text as short markers
    ///   (`TextRunCondenser`); the result is the same either way, which tests check by
    ///   turning it off.
    public init(condensing: Bool = true) {
        engine = Engine(condensing: condensing)
    }

    public mutating func text(fromHTML html: UTF8Text) -> UTF8Text {
        html.bytes.withUnsafeBufferPointer { engine.convert($0) }
    }

    final class Engine {
        private let ctxt: htmlParserCtxtPtr?
        fileprivate var extractor = HTMLTextExtractor()
        private let condensing: Bool
        private var condenser = TextRunCondenser()
        /// The fragment being converted, while its skeleton is parsed.
        private var source = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        private var condensed = false
        /// The start of a marker cut off at the end of a text callback.
        private var pending: [UInt8] = []

        static let options = Int32(
            HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
                | HTML_PARSE_NONET.rawValue | HTML_PARSE_NOIMPLIED.rawValue | HTML_PARSE_NODEFDTD.rawValue)

        init(condensing: Bool) {
            self.condensing = condensing
            _ = LibXML.initialized
            ctxt = htmlNewParserCtxt()
            guard let ctxt, let sax = ctxt.pointee.sax else { return }
            sax.pointee = Self.makeHandler()
            // Callbacks receive the context itself (its userData); our engine rides in _private.
            ctxt.pointee.userData = UnsafeMutableRawPointer(ctxt)
            ctxt.pointee._private = Unmanaged.passUnretained(self).toOpaque()
        }

        deinit {
            if let ctxt { htmlFreeParserCtxt(ctxt) }
        }

        func convert(_ p: UnsafeBufferPointer<UInt8>) -> UTF8Text {
            if !Self.hasMarkup(p) {
                var b = TextBuilder()
                b.append(p)
                return UTF8Text(bytes: b.bytes)
            }
            // One extractor for every fragment: its buffer is reused, not reallocated.
            extractor.reset()
            guard let ctxt, let base = p.baseAddress, p.count < Int(Int32.max) else { return UTF8Text(bytes: []) }
            condensed = condensing && condenser.condense(p)
            if condensed {
                source = p
                pending.removeAll(keepingCapacity: true)
                condenser.skeleton.withUnsafeBufferPointer { skeleton in
                    if let block = Self.singleParagraph(skeleton) {
                        // What libxml2 reports for it, without a parse (see `singleParagraph`).
                        extractor.start(.block)
                        Self.references(in: UnsafeBufferPointer(rebasing: skeleton[block.content])) { piece, character in
                            text(piece)
                            if let character { withUnsafePointer(to: character) { extractor.characters(UnsafeBufferPointer(start: $0, count: 1)) } }
                        }
                        extractor.end(.block)
                        if !block.space.isEmpty { extractor.characters(UnsafeBufferPointer(rebasing: skeleton[block.space])) }
                    } else {
                        parse(ctxt, skeleton)
                    }
                }
                if !pending.isEmpty { pending.withUnsafeBufferPointer { extractor.characters($0) } }
                source = UnsafeBufferPointer(start: nil, count: 0)
                condensed = false
            } else {
                parse(ctxt, UnsafeBufferPointer(start: base, count: p.count))
            }
            let result = extractor.text.copiedUTF8
            extractor.reset()
            return result
        }

        /// A skeleton that is one paragraph of text and nothing else — `<p>`, text with no
        /// markup and no references but those `reference` reads, `</p>`, white space — as
        /// most summaries condense to
        /// (their inline elements left out, their references decoded, their paragraphs
        /// folded): where its content and the white space after it are.
        ///
        /// libxml2 would report the start of a `p`, the text (in pieces, which the extractor
        /// joins as one), the end of the `p`, and the white space after it as blanks, so the
        /// converter reports the same without parsing. Not when the text holds what libxml2
        /// would drop or read otherwise: controls other than tab, LF and CR, and U+FFFE and
        /// U+FFFF, which are no XML characters; and a skeleton starting otherwise than with
        /// `<p>` (white space first is skipped by libxml2) is parsed.
        static func singleParagraph(_ s: UnsafeBufferPointer<UInt8>) -> (content: Range<Int>, space: Range<Int>)? {
            let n = s.count
            guard n >= 7, s[0] == 0x3C, s[1] | 0x20 == 0x70, s[2] == 0x3E else { return nil }
            var end = n
            while end > 3 && TextRunCondenser.isBlank(s[end - 1]) { end -= 1 }
            guard end >= 7, s[end - 4] == 0x3C, s[end - 3] == 0x2F, s[end - 2] | 0x20 == 0x70, s[end - 1] == 0x3E
            else { return nil }
            let content = 3..<(end - 4)
            var i = content.lowerBound
            while i < content.upperBound {
                let c = s[i]
                if c < 0x20 {
                    guard c == 0x09 || c == 0x0A || c == 0x0D else { return nil }
                } else if c == 0x3C {
                    return nil
                } else if c == 0x26 {
                    guard let r = reference(UnsafeBufferPointer(rebasing: s[i..<content.upperBound])) else { return nil }
                    i += r.length
                    continue
                } else if c == 0xEF && i + 2 < content.upperBound && s[i + 1] == 0xBF && s[i + 2] >= 0xBE {
                    return nil  // U+FFFE, U+FFFF
                }
                i += 1
            }
            return (content, end..<n)
        }

        /// The references a skeleton keeps as they are (their characters would be markup
        /// there) that libxml2 reports as just their character: `&amp;`, `&lt;`, `&gt;` and
        /// `&quot;`, written so. The reference at the start of `p`, and its length.
        static func reference(_ p: UnsafeBufferPointer<UInt8>) -> (character: UInt8, length: Int)? {
            func follows(_ name: StaticString) -> Bool {
                let n = name.utf8CodeUnitCount
                guard p.count >= n + 2, p[n + 1] == 0x3B else { return false }
                for k in 0..<n where p[k + 1] != name.utf8Start[k] { return false }
                return true
            }
            if follows("amp") { return (0x26, 5) }
            if follows("lt") { return (0x3C, 4) }
            if follows("gt") { return (0x3E, 4) }
            if follows("quot") { return (0x22, 6) }
            return nil
        }

        /// Calls `body` with each piece of `p` up to a reference `reference` reads, and that
        /// reference's character (nil after the last piece).
        static func references(in p: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>, UInt8?) -> Void) {
            var start = 0
            var i = 0
            while i < p.count {
                if p[i] == 0x26, let r = reference(UnsafeBufferPointer(rebasing: p[i...])) {
                    body(UnsafeBufferPointer(rebasing: p[start..<i]), r.character)
                    i += r.length
                    start = i
                } else {
                    i += 1
                }
            }
            body(UnsafeBufferPointer(rebasing: p[start...]), nil)
        }

        /// True when `p` holds a '<' or a '&' (eight bytes at a time: most bodies are long).
        static func hasMarkup(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
            let i = SWAR.skip(p, from: 0) { SWAR.equal($0, 0x3C) | SWAR.equal($0, 0x26) }
            return p[i...].contains { $0 == 0x3C || $0 == 0x26 }
        }

        /// Where in the fragment the parser was at the last text or start tag it reported
        /// (bytes from the start: libxml2 may move its buffer, so no pointer is kept).
        fileprivate var lastEvent = 0

        /// The parser's position in the fragment now.
        fileprivate static func position(_ ctxt: UnsafeMutablePointer<xmlParserCtxt>) -> Int {
            guard let input = ctxt.pointee.input, let base = input.pointee.base, let cur = input.pointee.cur
            else { return 0 }
            return Int(input.pointee.consumed) + (cur - base)
        }

        /// libxml2 opens a `<p>` of its own for text outside any element ("<b>x</b>y"
        /// reports y inside a new p), which would split one paragraph in two. A real `<p>`
        /// is reported at the end of its tag, so the input read since the last text or start
        /// tag reported holds "<p"; an implied one is reported on the text, after nothing but
        /// end tags (an auto-closed p ends inside the new tag, so end tags do not count as
        /// events here). Looking back only to the nearest '<' was fooled by a '<' inside an
        /// attribute value (`<p r=x</>`), which the condensed skeleton never shows.
        fileprivate static func isImpliedParagraph(_ ctx: UnsafeMutableRawPointer, since last: Int) -> Bool {
            let ctxt = ctx.assumingMemoryBound(to: xmlParserCtxt.self)
            guard let input = ctxt.pointee.input, let base = input.pointee.base, let cur = input.pointee.cur
            else { return false }
            let consumed = Int(input.pointee.consumed)
            var at = base + max(0, last - consumed)
            while at + 2 <= cur {
                if at.pointee == 0x3C && at[1] | 0x20 == 0x70 {
                    // The buffer ends in a NUL: reading at[2] is safe.
                    let after = at[2]
                    if after == 0x3E || after == 0x2F || after == 0x20 || after == 0x09 || after == 0x0A
                        || after == 0x0D || after == 0x0C || after == 0
                    {
                        return false
                    }
                }
                at += 1
            }
            return true
        }

        private func parse(_ ctxt: htmlParserCtxtPtr, _ p: UnsafeBufferPointer<UInt8>) {
            guard let base = p.baseAddress else { return }
            lastEvent = 0
            _ = base.withMemoryRebound(to: CChar.self, capacity: p.count) {
                fs_html_parse_utf8(ctxt, $0, Int32(p.count), Self.options)
            }
        }

        /// Text from the parser: markers become the runs they stand for. libxml2 hands text
        /// over in pieces of about 1,000 bytes, whole characters each, so a marker may be
        /// cut in two: its start waits in `pending` for the next piece.
        fileprivate func text(_ p: UnsafeBufferPointer<UInt8>) {
            guard condensed else {
                extractor.characters(p)
                return
            }
            let n = p.count
            let length = TextRunCondenser.markerLength
            var i = 0
            if !pending.isEmpty {
                while pending.count < length && i < n {
                    pending.append(p[i])
                    i += 1
                }
                if pending.count < length { return }
                pending.withUnsafeBufferPointer { emitMarker($0) }
                pending.removeAll(keepingCapacity: true)
            }
            var start = i
            while i < n {
                i = SWAR.skip(p, from: i) { SWAR.equal($0, 0xEF) }
                while i < n && p[i] != 0xEF { i += 1 }
                guard i + 2 < n else { break }
                let lead = TextRunCondenser.lead
                guard p[i + 1] == lead.1 && p[i + 2] == lead.2 else {
                    i += 3  // another character starting with 0xEF
                    continue
                }
                if start < i { extractor.characters(UnsafeBufferPointer(rebasing: p[start..<i])) }
                if i + length > n {
                    pending.append(contentsOf: UnsafeBufferPointer(rebasing: p[i..<n]))
                    return
                }
                emitMarker(UnsafeBufferPointer(rebasing: p[i..<(i + length)]))
                i += length
                start = i
            }
            if start < n { extractor.characters(UnsafeBufferPointer(rebasing: p[start..<n])) }
        }

        /// Emits the run a marker stands for (the bytes themselves if they are not one).
        private func emitMarker(_ m: UnsafeBufferPointer<UInt8>) {
            if TextRunCondenser.isMarker(m), let k = TextRunCondenser.index(m[3], m[4], m[5], m[6]),
                k < condenser.runs.count
            {
                let run = condenser.runs[k]
                if let kind = run.fold {
                    // A block's end, the white space after it, and the next one's start.
                    extractor.end(kind)
                    if run.count > 0 { extractor.characters(UnsafeBufferPointer(rebasing: source[run.start..<(run.start + run.count)])) }
                    extractor.start(kind)
                } else {
                    TextRunCondenser.pieces(of: run, in: source, condenser.entities) { extractor.characters($0) }
                }
            } else {
                extractor.characters(m)
            }
        }

        /// The engine behind a callback's context (the libxml2 context, whose `_private`
        /// holds it), without retaining it for the call: it owns that context.
        @inline(__always)
        fileprivate static func with(_ ctx: UnsafeMutableRawPointer, _ body: (Engine) -> Void) {
            let ctxt = ctx.assumingMemoryBound(to: xmlParserCtxt.self)
            guard let engine = ctxt.pointee._private else { return }
            Unmanaged<Engine>.fromOpaque(engine)._withUnsafeGuaranteedRef(body)
        }

        private static func makeHandler() -> htmlSAXHandler {
            var h = htmlSAXHandler()
            h.startElement = { ctx, name, _ in
                guard let ctx, let name else { return }
                Engine.with(ctx) { engine in
                    let ctxt = ctx.assumingMemoryBound(to: xmlParserCtxt.self)
                    defer { engine.lastEvent = Engine.position(ctxt) }
                    if name[0] == 0x70 && name[1] == 0 && Engine.isImpliedParagraph(ctx, since: engine.lastEvent) { return }
                    engine.extractor.start(HTMLTag.classify(name))
                }
            }
            h.endElement = { ctx, name in
                guard let ctx, let name else { return }
                Engine.with(ctx) { $0.extractor.end(HTMLTag.classify(name)) }
            }
            let characters: charactersSAXFunc = { ctx, ch, len in
                guard let ctx, let ch, len > 0 else { return }
                Engine.with(ctx) { engine in
                    engine.text(UnsafeBufferPointer(start: ch, count: Int(len)))
                    engine.lastEvent = Engine.position(ctx.assumingMemoryBound(to: xmlParserCtxt.self))
                }
            }
            h.characters = characters
            h.ignorableWhitespace = characters
            // script/style content arrives as CDATA; the extractor drops it by its element.
            h.cdataBlock = characters
            h.serror = { _, _ in }
            return h
        }
    }
}

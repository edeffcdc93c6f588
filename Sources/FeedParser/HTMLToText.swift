import CLibXML2
import FeedCore

/// Reduces HTML fragments to article text with libxml2's HTML parser in SAX mode, driving
/// the core's `HTMLTextExtractor`. One parser context is reused for every fragment.
///
/// Input is always passed as UTF-8: libxml2 would decode an undeclared fragment as Latin-1.
/// A fragment with no `<` and no `&` skips the parser: it is text already.
public struct HTMLToText: MarkupConverter {
    private let engine: Engine

    public init() {
        engine = Engine()
    }

    public mutating func text(fromHTML html: String) -> String {
        var s = html
        return s.withUTF8 { engine.convert($0) }
    }

    /// Converts UTF-8 bytes.
    public func text(fromHTML bytes: UnsafeBufferPointer<UInt8>) -> String {
        engine.convert(bytes)
    }

    final class Engine {
        private let ctxt: htmlParserCtxtPtr?
        fileprivate var extractor = HTMLTextExtractor()

        static let options = Int32(
            HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
                | HTML_PARSE_NONET.rawValue | HTML_PARSE_NOIMPLIED.rawValue | HTML_PARSE_NODEFDTD.rawValue)

        init() {
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

        func convert(_ p: UnsafeBufferPointer<UInt8>) -> String {
            if !p.contains(where: { $0 == 0x3C || $0 == 0x26 }) {
                var b = TextBuilder()
                b.append(p)
                return b.string
            }
            // One extractor for every fragment: its buffer is reused, not reallocated.
            extractor.reset()
            guard let ctxt, let base = p.baseAddress, p.count < Int(Int32.max) else { return "" }
            let doc = base.withMemoryRebound(to: CChar.self, capacity: p.count) {
                htmlCtxtReadMemory(ctxt, $0, Int32(p.count), nil, "UTF-8", Self.options)
            }
            if let doc { xmlFreeDoc(doc) }
            let result = extractor.string
            extractor.reset()
            return result
        }

        /// libxml2 opens a `<p>` of its own for text outside any element ("<b>x</b>y"
        /// reports y inside a new p), which would split one paragraph in two. The start of
        /// a real `<p>` is reported while the parser sits on that tag, so the nearest `<`
        /// before its cursor opens "p"; an implied one is reported on the text, after some
        /// other tag (or none). The end of an implied p needs no care: it comes at the end,
        /// before a block that starts a paragraph anyway, or at a stray `</p>`.
        fileprivate static func isImpliedParagraph(_ ctx: UnsafeMutableRawPointer) -> Bool {
            let ctxt = ctx.assumingMemoryBound(to: xmlParserCtxt.self)
            guard let input = ctxt.pointee.input, let base = input.pointee.base, var cur = input.pointee.cur
            else { return false }
            var steps = 0
            while cur > base && steps < 4096 {
                cur -= 1
                steps += 1
                guard cur.pointee == 0x3C else { continue }
                // The buffer ends in a NUL: stop reading at it.
                guard cur[1] != 0 else { return true }
                let n = cur[1] | 0x20
                let after = cur[2]
                let delimited = after == 0x3E || after == 0x2F || after == 0x20 || after == 0x09
                    || after == 0x0A || after == 0x0D || after == 0x0C || after == 0
                return !(n == 0x70 && delimited)
            }
            return steps < 4096
        }

        fileprivate static func engine(_ ctx: UnsafeMutableRawPointer) -> Engine {
            let ctxt = ctx.assumingMemoryBound(to: xmlParserCtxt.self)
            return Unmanaged<Engine>.fromOpaque(ctxt.pointee._private).takeUnretainedValue()
        }

        private static func makeHandler() -> htmlSAXHandler {
            var h = htmlSAXHandler()
            h.startElement = { ctx, name, _ in
                guard let ctx, let name else { return }
                if name[0] == 0x70 && name[1] == 0 && Engine.isImpliedParagraph(ctx) { return }
                Engine.engine(ctx).extractor.start(HTMLTag.classify(name))
            }
            h.endElement = { ctx, name in
                guard let ctx, let name else { return }
                Engine.engine(ctx).extractor.end(HTMLTag.classify(name))
            }
            let characters: charactersSAXFunc = { ctx, ch, len in
                guard let ctx, let ch, len > 0 else { return }
                Engine.engine(ctx).extractor.characters(UnsafeBufferPointer(start: ch, count: Int(len)))
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

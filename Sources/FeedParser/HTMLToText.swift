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

        fileprivate static func engine(_ ctx: UnsafeMutableRawPointer) -> Engine {
            let ctxt = ctx.assumingMemoryBound(to: xmlParserCtxt.self)
            return Unmanaged<Engine>.fromOpaque(ctxt.pointee._private).takeUnretainedValue()
        }

        private static func makeHandler() -> htmlSAXHandler {
            var h = htmlSAXHandler()
            h.startElement = { ctx, name, _ in
                guard let ctx, let name else { return }
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

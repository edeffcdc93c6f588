import CLibXML2
import FeedCore

/// The libxml2 SAX2 push parser over a feed's (already UTF-8, already repaired) bytes,
/// forwarding events to a `FeedDocumentBuilder`.
///
/// Hardened: no network (`XML_PARSE_NONET`), no external DTD or entity loading (neither
/// `DTDLOAD` nor `NOENT`; `XMLRepair` also keeps undeclared references literal), libxml2's
/// own depth (256) and text-node (10 MB) limits left on (no `XML_PARSE_HUGE`), recover mode
/// for what repair could not mend. The encoding declaration is ignored: the bytes were
/// converted to UTF-8 before.
final class XMLFeedParser {
    var builder: FeedDocumentBuilder
    private(set) var xmlWarnings: [ParseWarning] = []
    private(set) var xmlErrorCount = 0
    private var ctxt: xmlParserCtxtPtr?
    // libxml2 interns names and namespace URIs in the parser's dictionary, so a pointer
    // identifies a string for the whole document: convert each one once.
    private var names = InternedMemo<ElementName>()
    private var namespaces = InternedMemo<FeedNamespace>()
    private var prefixNamespaces = InternedMemo<FeedNamespace>()
    private var stopped = false
    /// Where the repair pass set text aside; its markers arrive as CDATA sections.
    private let aside: TextAside?

    static let options = Int32(
        XML_PARSE_RECOVER.rawValue | XML_PARSE_NONET.rawValue | XML_PARSE_NOWARNING.rawValue
            | XML_PARSE_NOERROR.rawValue | XML_PARSE_IGNORE_ENC.rawValue)

    /// - Parameter aside: the runs behind the markers in the document (`XMLRepair`).
    init(baseURL: String?, aside: TextAside?) {
        _ = LibXML.initialized
        self.aside = aside
        builder = FeedDocumentBuilder(baseURL: baseURL)
        var handler = Self.makeHandler()
        ctxt = xmlCreatePushParserCtxt(&handler, Unmanaged.passUnretained(self).toOpaque(), nil, 0, nil)
        if let ctxt { xmlCtxtUseOptions(ctxt, Self.options) }
    }

    deinit {
        guard let ctxt else { return }
        // A document declaring entities gets a scratch document of libxml2's own (its
        // SAX "expat compatibility" path in xmlParseEntityDecl) that the context does not
        // free: without this, every poll of such a feed leaked its entity table.
        if let doc = ctxt.pointee.myDoc {
            xmlFreeDoc(doc)
            ctxt.pointee.myDoc = nil
        }
        xmlFreeParserCtxt(ctxt)
    }

    /// Parses the next piece of the document.
    func parse(_ chunk: UnsafeBufferPointer<UInt8>, isFinal: Bool) {
        guard let ctxt, !stopped else { return }
        var offset = 0
        // xmlParseChunk takes an Int32 size. An empty final chunk runs the loop once, with
        // terminate set.
        repeat {
            let length = min(chunk.count - offset, 1 << 30)
            let last = isFinal && offset + length == chunk.count
            let base = chunk.baseAddress.map { UnsafeRawPointer($0 + offset).assumingMemoryBound(to: CChar.self) }
            _ = xmlParseChunk(ctxt, base, Int32(length), last ? 1 : 0)
            offset += length
        } while offset < chunk.count && !stopped
        if (builder.failure != nil || builder.tooDeep) && !stopped {
            stopped = true
            xmlStopParser(ctxt)
        }
    }

    /// An element's or attribute's local name (one memo for both: the same interned strings).
    fileprivate func name(_ p: UnsafePointer<xmlChar>) -> ElementName {
        names.value(for: UnsafeRawPointer(p)) { ElementName(String(cString: p)) }
    }

    fileprivate func namespace(uri: UnsafePointer<xmlChar>?, prefix: UnsafePointer<xmlChar>?) -> FeedNamespace {
        if let uri {
            return namespaces.value(for: UnsafeRawPointer(uri)) { FeedNamespace(uri: String(cString: uri), prefix: nil) }
        }
        guard let prefix else { return .none }
        return prefixNamespaces.value(for: UnsafeRawPointer(prefix)) { FeedNamespace(uri: nil, prefix: String(cString: prefix)) }
    }

    /// A CDATA section: a marker of text set aside, or (without a repair that sets text
    /// aside) content of its own.
    fileprivate func cdata(_ p: UnsafeBufferPointer<UInt8>) {
        if let aside, aside.take(marker: p, { builder.characters($0) }) { return }
        builder.characters(p)
    }

    fileprivate func recordError(_ error: xmlErrorPtr) {
        xmlErrorCount += 1
        if xmlWarnings.count < 20 { xmlWarnings.append(ParseWarning(error)) }
    }

    /// The parser behind a callback's context, without retaining it for the call (it is
    /// alive for the whole parse: it owns the libxml2 context).
    @inline(__always)
    private static func with(_ ctx: UnsafeMutableRawPointer, _ body: (XMLFeedParser) -> Void) {
        Unmanaged<XMLFeedParser>.fromOpaque(ctx)._withUnsafeGuaranteedRef(body)
    }

    fileprivate func startElement(
        _ localname: UnsafePointer<xmlChar>, _ prefix: UnsafePointer<xmlChar>?, _ uri: UnsafePointer<xmlChar>?,
        _ nbAttributes: Int32, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    ) {
        let ns = namespace(uri: uri, prefix: prefix)
        let element = name(localname)
        guard nbAttributes > 0, let attributes else {
            builder.start(namespace: ns, name: element, attributes: .none)
            return
        }
        // The attributes' namespaces go in a buffer kept for the next element.
        attributeNamespaces.removeAll(keepingCapacity: true)
        for index in 0..<Int(nbAttributes) {
            let attribute = attributes + 5 * index
            attributeNamespaces.append(namespace(uri: attribute[2].map { UnsafePointer($0) }, prefix: attribute[1].map { UnsafePointer($0) }))
        }
        attributeNamespaces.withUnsafeBufferPointer { namespaces in
            let entries = UnsafeRawPointer(attributes).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
            builder.start(namespace: ns, name: element, attributes: FeedAttributes(entries: entries, namespaces: namespaces))
        }
    }

    private var attributeNamespaces: [FeedNamespace] = []

    private static func makeHandler() -> xmlSAXHandler {
        var handler = xmlSAXHandler()
        handler.initialized = XML_SAX2_MAGIC
        handler.startElementNs = { ctx, localname, prefix, uri, _, _, nbAttributes, _, attributes in
            guard let ctx, let localname else { return }
            XMLFeedParser.with(ctx) { $0.startElement(localname, prefix, uri, nbAttributes, attributes) }
        }
        handler.endElementNs = { ctx, localname, prefix, uri in
            guard let ctx, let localname else { return }
            XMLFeedParser.with(ctx) { parser in
                parser.builder.end(namespace: parser.namespace(uri: uri, prefix: prefix), name: parser.name(localname))
            }
        }
        let characters: charactersSAXFunc = { ctx, ch, len in
            guard let ctx, let ch, len > 0 else { return }
            XMLFeedParser.with(ctx) { $0.builder.characters(UnsafeBufferPointer(start: ch, count: Int(len))) }
        }
        handler.characters = characters
        // The same callback for white space: libxml2 then skips its test of whether white
        // space is ignorable (which, with no tree being built, always says no).
        handler.ignorableWhitespace = characters
        handler.cdataBlock = { ctx, ch, len in
            guard let ctx, let ch, len > 0 else { return }
            XMLFeedParser.with(ctx) { $0.cdata(UnsafeBufferPointer(start: ch, count: Int(len))) }
        }
        handler.serror = { ctx, error in
            guard let ctx, let error else { return }
            XMLFeedParser.with(ctx) { $0.recordError(error) }
        }
        return handler
    }
}

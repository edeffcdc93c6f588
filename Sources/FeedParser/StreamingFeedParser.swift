import FeedCore

/// Options for parsing one document.
public struct FeedParserOptions: Sendable {
    /// The document's URL: the base for relative links (before any `xml:base`).
    public var baseURL: String?
    /// The HTTP `Content-Type` the document came with; its `charset` is a hint.
    public var contentType: String?
    /// The most bytes the parser accepts; more is `FeedParseError.tooLarge`.
    public var maxBytes: Int

    public init(baseURL: String? = nil, contentType: String? = nil, maxBytes: Int = Int.max) {
        self.baseURL = baseURL
        self.contentType = contentType
        self.maxBytes = maxBytes
    }

    /// The `charset` parameter of `contentType`.
    public var httpCharset: String? {
        guard let ct = contentType else { return nil }
        for part in ct.split(separator: ";").dropFirst() {
            let kv = part.split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0].trimmingXMLSpace.lowercased() == "charset" {
                return kv[1].trimmingXMLSpace.trimmingCharacters(in: "\"'")
            }
        }
        return nil
    }
}

/// Parses a feed document fed in pieces of any size — whole, byte by byte, or as curl hands
/// them over — with the same result. RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 stream through
/// libxml2's SAX2 push parser (memory bounded by the largest item, not the document);
/// JSON Feed is collected and decoded at the end.
///
/// The pipeline: charset sniffing → conversion to UTF-8 → `XMLRepair` → libxml2 →
/// `FeedDocumentBuilder`.
public final class StreamingFeedParser {
    private enum Mode { case sniffing, xml, json }

    private let options: FeedParserOptions
    private var mode = Mode.sniffing
    private var head: [UInt8] = []
    private var total = 0
    private var failure: FeedParseError?
    private var transcoder: Transcoder?
    private var repair: XMLRepair
    /// Where the repair pass sets text aside for libxml2's markers (internal for tests).
    let aside: TextAside?
    private var xml: XMLFeedParser?
    private var json: [UInt8] = []
    private var scratch: [UInt8] = []
    private var notes: [ParseWarning] = []
    /// How the character encoding was decided, once it is.
    public private(set) var charsetDecision: CharsetDecision?

    /// Pieces larger than this are handed to libxml2 in slices, to bound its buffers.
    static let sliceSize = 64 * 1024

    public convenience init(options: FeedParserOptions = FeedParserOptions()) {
        self.init(options: options, setsTextAside: true)
    }

    /// - Parameter setsTextAside: let the repair pass hand libxml2 markers for CDATA content
    ///   and long text runs (`TextAside`); tests turn it off to check it changes nothing.
    init(options: FeedParserOptions = FeedParserOptions(), setsTextAside: Bool) {
        self.options = options
        aside = setsTextAside ? TextAside() : nil
        repair = XMLRepair(lookupEntity: LibXML.htmlEntity, aside: aside)
    }

    /// Feeds the next bytes of the document.
    public func feed(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard failure == nil, !bytes.isEmpty else { return }
        total += bytes.count
        if total > options.maxBytes {
            failure = .tooLarge(limit: options.maxBytes)
            return
        }
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + Self.sliceSize)
            push(UnsafeBufferPointer(rebasing: bytes[offset..<end]), isFinal: false)
            offset = end
        }
    }

    /// Feeds bytes from an array.
    public func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { feed($0) }
    }

    /// Items completed so far, handed over (and forgotten by the parser).
    public func takeItems() -> [FeedItem] {
        guard let xml else { return [] }
        let items = xml.builder.items
        xml.builder.items.removeAll(keepingCapacity: true)
        return items
    }

    /// Ends the document: the feed's metadata, the items not yet taken, and warnings.
    public func finish() throws(FeedParseError) -> ParsedFeed {
        if let failure { throw failure }
        if mode == .sniffing {
            let decided = head.withUnsafeBufferPointer { decide($0, isComplete: true) }
            if let failure { throw failure }
            if decided { flushHead() }
        }
        switch mode {
        case .sniffing:
            throw .empty
        case .json:
            if let transcoder, !transcoder.isPassThrough {
                var out: [UInt8] = []
                transcoder.convert(UnsafeBufferPointer(start: nil, count: 0), into: &out, isFinal: true)
                json.append(contentsOf: out)
            }
            var feed = try JSONFeedParser.parse(json, baseURL: options.baseURL)
            feed.warnings = notes + feed.warnings
            return feed
        case .xml:
            push(UnsafeBufferPointer(start: nil, count: 0), isFinal: true)
            guard let xml else { throw .empty }
            xml.builder.finishDocument()
            if case .notAFeed(let why)? = xml.builder.failure { throw .notAFeed(why) }
            guard xml.builder.rootSeen else {
                let first = xml.xmlWarnings.first.map { " (\($0))" } ?? ""
                throw .notAFeed("no XML root element: the document is not XML\(first)")
            }
            var warnings = notes
            let counts = repair.counts
            if counts.total > 0 {
                var parts: [String] = []
                if counts.escapedAmpersands > 0 { parts.append("\(counts.escapedAmpersands) bare '&' escaped") }
                if counts.htmlEntities > 0 { parts.append("\(counts.htmlEntities) HTML entities undefined in XML decoded") }
                if counts.escapedLessThan > 0 { parts.append("\(counts.escapedLessThan) stray '<' escaped") }
                if counts.invalidUTF8 > 0 { parts.append("\(counts.invalidUTF8) bytes of invalid UTF-8 read as windows-1252") }
                if counts.removedControls > 0 { parts.append("\(counts.removedControls) characters illegal in XML removed") }
                if counts.removedReferences > 0 { parts.append("\(counts.removedReferences) references to illegal characters removed") }
                warnings.append(ParseWarning(line: 0, column: 0, message: "repaired: " + parts.joined(separator: ", ")))
            }
            warnings += xml.xmlWarnings
            if xml.xmlErrorCount > xml.xmlWarnings.count {
                warnings.append(ParseWarning(line: 0, column: 0, message: "\(xml.xmlErrorCount - xml.xmlWarnings.count) more XML errors"))
            }
            warnings += xml.builder.warnings
            let items = xml.builder.items
            xml.builder.items = []
            return ParsedFeed(info: xml.builder.info, items: items, warnings: warnings)
        }
    }

    // MARK: The pipeline

    private func push(_ p: UnsafeBufferPointer<UInt8>, isFinal: Bool) {
        switch mode {
        case .sniffing:
            // Most documents are decided on their first chunk: it goes on as it is, not
            // through a copy in `head`.
            if head.isEmpty, decide(p, isComplete: false) {
                if failure == nil { push(sliceAfterDecision(p), isFinal: false) }
                return
            }
            head.append(contentsOf: p)
            let decided = head.withUnsafeBufferPointer { decide($0, isComplete: false) }
            if decided, failure == nil { flushHead() }
        case .json:
            if let transcoder, !transcoder.isPassThrough {
                transcoder.convert(p, into: &json, isFinal: isFinal)
            } else {
                json.append(contentsOf: p)
            }
        case .xml:
            guard let xml, let transcoder else { return }
            if transcoder.isPassThrough {
                repair.process(p, isFinal: isFinal) { xml.parse($0, isFinal: isFinal) }
            } else {
                scratch.removeAll(keepingCapacity: true)
                transcoder.convert(p, into: &scratch, isFinal: isFinal)
                scratch.withUnsafeBufferPointer { converted in
                    repair.process(converted, isFinal: isFinal) { xml.parse($0, isFinal: isFinal) }
                }
            }
            aside?.compact()
        }
    }

    private var skipBytes = 0

    /// Sends the bytes buffered while sniffing down the decided pipeline.
    private func flushHead() {
        let buffered = head
        head = []
        buffered.withUnsafeBufferPointer { push(sliceAfterDecision($0), isFinal: false) }
    }

    /// What of the buffered head follows the byte-order mark and leading white space.
    private func sliceAfterDecision(_ head: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: head[min(skipBytes, head.count)...])
    }

    /// True for a document that opens like an HTML page.
    static func looksLikeHTML(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        func startsWith(_ word: String) -> Bool {
            let pattern = Array(word.utf8)
            guard p.count >= pattern.count else { return false }
            for i in 0..<pattern.count where (p[i] | (pattern[i] >= 0x61 ? 0x20 : 0)) != pattern[i] { return false }
            return true
        }
        return startsWith("<!doctype html") || startsWith("<html")
    }

    /// Decides encoding and format from the head; false when more bytes are needed.
    private func decide(_ head: UnsafeBufferPointer<UInt8>, isComplete: Bool) -> Bool {
        // A BOM or a 16/32-bit pattern first, on the raw bytes.
        guard let raw = CharsetSniffer.decide(prefix: head, isComplete: isComplete, httpCharset: options.httpCharset)
        else { return false }
        var decision = raw
        var start = raw.bomLength
        let asciiCompatible: Bool
        switch raw.charset {
        case .utf16LE, .utf16BE, .utf32LE, .utf32BE: asciiCompatible = false
        default: asciiCompatible = true
        }
        if asciiCompatible {
            // Leading white space (even before the XML declaration) is dropped: libxml2 would
            // take a declaration after it as an error.
            while start < head.count, head[start].isXMLSpace {
                start += 1
            }
            if start == head.count {
                if isComplete { failure = .empty }
                return isComplete
            }
            if start > raw.bomLength {
                let rest = UnsafeBufferPointer(rebasing: head[start...])
                guard let found = CharsetSniffer.decide(prefix: rest, isComplete: isComplete, httpCharset: options.httpCharset)
                else { return false }
                decision = found
                decision.bomLength = raw.bomLength
            }
        }
        // Enough bytes to recognise "<!DOCTYPE html" whatever the chunking.
        if asciiCompatible && !isComplete && head.count - start < 16 { return false }
        if asciiCompatible && Self.looksLikeHTML(UnsafeBufferPointer(rebasing: head[start...])) {
            failure = .notAFeed("an HTML page (it starts with <!DOCTYPE html> or <html>), not a feed")
            return true
        }
        charsetDecision = decision
        skipBytes = start
        let chosen: Transcoder
        do {
            chosen = try Transcoder(decision.charset)
        } catch {
            notes.append(ParseWarning(line: 0, column: 0, message: "unknown character encoding \"\(decision.charset)\" (\(decision.reason)): read as UTF-8"))
            chosen = try! Transcoder(.utf8)  // UTF-8 needs no iconv handle and cannot fail
        }
        transcoder = chosen
        let first = start < head.count ? head[start] : 0
        if asciiCompatible && (first == 0x7B || first == 0x5B) {  // '{' or '[': JSON
            mode = .json
        } else {
            mode = .xml
            xml = XMLFeedParser(baseURL: options.baseURL, aside: aside)
        }
        return true
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var trimmed = Substring(self)
        while let first = trimmed.first, set.contains(first) { trimmed = trimmed.dropFirst() }
        while let last = trimmed.last, set.contains(last) { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
}

/// One-call parsing of a whole document.
public enum FeedParser {
    /// Parses a complete document.
    public static func parse(_ bytes: [UInt8], options: FeedParserOptions = FeedParserOptions()) throws(FeedParseError) -> ParsedFeed {
        let parser = StreamingFeedParser(options: options)
        parser.feed(bytes)
        return try parser.finish()
    }

    /// The libxml2 version in use.
    public static var libxml2Version: String { LibXML.version }
}

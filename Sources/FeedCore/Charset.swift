/// A character encoding a feed's bytes can be in.
public enum Charset: Sendable, Hashable, CustomStringConvertible {
    case utf8
    /// UTF-8 encoded a second time (read as windows-1252 and encoded again: "cafÃ©"); the
    /// transcoder undoes the second encoding. Only the sniffer decides this, never a label.
    case utf8EncodedTwice
    /// Also what `ISO-8859-1`, `latin1` and `US-ASCII` labels mean in practice (WHATWG).
    case windows1252
    case utf16LE
    case utf16BE
    case utf32LE
    case utf32BE
    /// Any other encoding, by the name iconv knows it under.
    case iconv(String)

    public var description: String {
        switch self {
        case .utf8: return "UTF-8"
        case .utf8EncodedTwice: return "UTF-8 encoded twice"
        case .windows1252: return "windows-1252"
        case .utf16LE: return "UTF-16LE"
        case .utf16BE: return "UTF-16BE"
        case .utf32LE: return "UTF-32LE"
        case .utf32BE: return "UTF-32BE"
        case .iconv(let name): return name
        }
    }

    /// The encoding a label names (an XML declaration's `encoding`, an HTTP `charset`);
    /// nil for an empty label. Unknown labels come back as `.iconv(LABEL)`, for the
    /// transcoder to accept or refuse.
    public init?(label: String) {
        let l = String(label.lowercased().filter { !$0.isWhitespace && $0 != "\"" && $0 != "'" })
        guard !l.isEmpty, l.utf8.count < 64 else { return nil }
        switch l {
        case "utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8": self = .utf8
        case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "us-ascii",
            "ascii", "windows-1252", "cp1252", "x-cp1252", "cp819", "ibm819", "iso-ir-100",
            "ansi_x3.4-1968", "iso_8859-1:1987", "csisolatin1":
            self = .windows1252
        case "utf-16", "utf16", "utf-16le", "unicode", "ucs-2": self = .utf16LE
        case "utf-16be": self = .utf16BE
        case "utf-32", "utf-32le": self = .utf32LE
        case "utf-32be": self = .utf32BE
        // WHATWG: these labels all mean the superset decoders.
        case "gb2312", "gbk", "x-gbk", "gb_2312-80", "gb_2312", "chinese", "csgb2312",
            "iso-ir-58", "cp936", "ms936", "windows-936", "gb18030":
            self = .iconv("GB18030")
        case "shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis", "windows-31j",
            "ms932", "cp932":
            self = .iconv("CP932")
        case "euc-kr", "ks_c_5601-1987", "windows-949", "cp949": self = .iconv("CP949")
        case "big5", "big5-hkscs", "cn-big5", "x-x-big5": self = .iconv("BIG5-HKSCS")
        case "koi8-r", "koi8r", "koi8", "cskoi8r": self = .iconv("KOI8-R")
        case "koi8-u", "koi8-ru": self = .iconv("KOI8-U")
        case "iso-8859-9", "latin5", "windows-1254", "cp1254": self = .iconv("CP1254")
        default: self = .iconv(l.uppercased())
        }
    }
}

/// How the sniffer decided, for logs and `feedspool parse -v`.
public struct CharsetDecision: Sendable, Hashable {
    public var charset: Charset
    /// Bytes of byte-order mark to skip.
    public var bomLength: Int
    /// Why: "BOM", "XML declaration", "HTTP charset", "valid UTF-8 over a declared X", "default".
    public var reason: String
}

/// Decides a document's encoding, in this order: a byte-order mark, then the XML
/// declaration, then the HTTP `Content-Type` charset, then UTF-8 (decoded lossily: a byte
/// that is not part of valid UTF-8 is read as windows-1252). Bytes that are valid UTF-8
/// (with at least one multi-byte character in the first 64 KiB) win over a declaration or
/// header that names another encoding: that is the commonest lie in real feeds.
public enum CharsetSniffer {
    /// How many bytes the sniffer looks at, at most, before deciding.
    public static let window = 64 * 1024

    /// The decision for a document starting with `prefix`, or nil when it needs more bytes
    /// (`isComplete` says the prefix is the whole document).
    public static func decide(
        prefix p: UnsafeBufferPointer<UInt8>, isComplete: Bool, httpCharset: String?
    ) -> CharsetDecision? {
        let n = p.count
        func utf8(_ reason: String) -> CharsetDecision? {
            utf8Decision(p, isComplete: isComplete, reason: reason)
        }
        switch byteOrder(p, isComplete: isComplete) {
        case .decided(let decision): return decision
        case .needMore: return nil
        case .unmarked: break
        }

        // The XML declaration, if the document starts with one.
        var declared: Charset?
        switch xmlDeclarationEncoding(p) {
        case .needMore:
            if !isComplete && n < 1024 { return nil }
        case .none:
            break
        case .found(let label):
            declared = Charset(label: label)
        }
        let (named, source): (Charset?, String) =
            declared != nil
            ? (declared, "XML declaration")
            : (httpCharset.flatMap { Charset(label: $0) }, "HTTP charset")
        guard let claim = named, claim != .utf8 else {
            return utf8(named == nil ? "default" : source)
        }
        // A declaration naming a 16/32-bit encoding on a document whose bytes are plainly
        // ASCII-compatible (we read it as such) is wrong.
        switch claim {
        case .utf16LE, .utf16BE, .utf32LE, .utf32BE:
            return CharsetDecision(charset: .utf8, bomLength: 0, reason: "ASCII-compatible bytes over a declared \(claim)")
        default:
            break
        }
        // Another encoding is named: bytes that are UTF-8 still win, and so do bytes that
        // are UTF-8 but for a few stray bytes (more valid multi-byte characters than stray
        // bytes: text in a single-byte encoding almost never forms a valid sequence), which
        // the repair reads one by one as windows-1252.
        if !isComplete && n < window { return nil }
        let tally = UTF8Check.tally(UnsafeBufferPointer(rebasing: p[0..<min(n, window)]), isComplete: isComplete && n <= window)
        if tally.multibyte > 0 && tally.invalid == 0 {
            return utf8("valid UTF-8 over a declared \(claim)")
        }
        if tally.multibyte > tally.invalid {
            return utf8("UTF-8 with \(tally.invalid) stray bytes over a declared \(claim)")
        }
        return CharsetDecision(charset: claim, bomLength: 0, reason: source)
    }

    private enum ByteOrder {
        case decided(CharsetDecision)
        case needMore
        /// No byte-order mark, nor the pattern of a 16-bit `<?`.
        case unmarked
    }

    /// What the document's first bytes say by themselves: a byte-order mark, or `<?` in
    /// 16-bit units.
    private static func byteOrder(_ p: UnsafeBufferPointer<UInt8>, isComplete: Bool) -> ByteOrder {
        let n = p.count
        if n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF {
            return utf8Decision(p, isComplete: isComplete, reason: "BOM", bomLength: 3).map(ByteOrder.decided) ?? .needMore
        }
        if n >= 4 && p[0] == 0xFF && p[1] == 0xFE && p[2] == 0 && p[3] == 0 {
            return .decided(CharsetDecision(charset: .utf32LE, bomLength: 4, reason: "BOM"))
        }
        if n >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0xFE && p[3] == 0xFF {
            return .decided(CharsetDecision(charset: .utf32BE, bomLength: 4, reason: "BOM"))
        }
        if n >= 2 && p[0] == 0xFF && p[1] == 0xFE {
            if n < 4 && !isComplete { return .needMore }
            return .decided(CharsetDecision(charset: .utf16LE, bomLength: 2, reason: "BOM"))
        }
        if n >= 2 && p[0] == 0xFE && p[1] == 0xFF {
            return .decided(CharsetDecision(charset: .utf16BE, bomLength: 2, reason: "BOM"))
        }
        if n < 4 && !isComplete { return .needMore }
        // UTF-16 without a BOM: "<?" as 16-bit units.
        if n >= 4 && p[0] == 0x3C && p[1] == 0 && p[2] == 0x3F && p[3] == 0 {
            return .decided(CharsetDecision(charset: .utf16LE, bomLength: 0, reason: "UTF-16 pattern"))
        }
        if n >= 4 && p[0] == 0 && p[1] == 0x3C && p[2] == 0 && p[3] == 0x3F {
            return .decided(CharsetDecision(charset: .utf16BE, bomLength: 0, reason: "UTF-16 pattern"))
        }
        return .unmarked
    }

    /// UTF-8, once enough is in view to tell whether it was encoded twice; nil until then.
    private static func utf8Decision(_ p: UnsafeBufferPointer<UInt8>, isComplete: Bool, reason: String, bomLength: Int = 0) -> CharsetDecision? {
        let n = p.count
        if !isComplete && n < window { return nil }
        let view = UnsafeBufferPointer(rebasing: p[0..<min(n, window)])
        if UTF8Check.looksEncodedTwice(view, isComplete: isComplete && n <= window) {
            return CharsetDecision(charset: .utf8EncodedTwice, bomLength: bomLength, reason: reason + ", encoded twice")
        }
        return CharsetDecision(charset: .utf8, bomLength: bomLength, reason: reason)
    }

    enum DeclarationResult: Equatable {
        case needMore, none
        case found(String)
    }

    /// The `encoding` pseudo-attribute of a leading `<?xml … ?>`.
    static func xmlDeclarationEncoding(_ p: UnsafeBufferPointer<UInt8>) -> DeclarationResult {
        let head: [UInt8] = Array("<?xml".utf8)
        var i = 0
        while i < p.count && i < 5 {
            if p[i] != head[i] { return .none }
            i += 1
        }
        if i < 5 { return .needMore }
        var end = 5
        while end + 1 < p.count && !(p[end] == 0x3F && p[end + 1] == 0x3E) {
            if end > 512 { return .none }
            end += 1
        }
        if end + 1 >= p.count { return p.count > 512 ? .none : .needMore }
        // Find `encoding`, then `=`, then a quoted value, in the declaration's bytes.
        let decl = Array(p[5..<end])
        let key = Array("encoding".utf8)
        guard let at = (0..<max(0, decl.count - key.count + 1)).first(where: { Array(decl[$0..<($0 + key.count)]) == key })
        else { return .none }
        func isSpace(_ c: UInt8) -> Bool { c.isXMLSpace }
        var k = at + key.count
        while k < decl.count && isSpace(decl[k]) { k += 1 }
        guard k < decl.count, decl[k] == 0x3D else { return .none }
        k += 1
        while k < decl.count && isSpace(decl[k]) { k += 1 }
        guard k < decl.count, decl[k] == 0x22 || decl[k] == 0x27 else { return .none }
        let quote = decl[k]
        k += 1
        guard let close = decl[k...].firstIndex(of: quote) else { return .none }
        return .found(String(decoding: decl[k..<close], as: UTF8.self))
    }
}

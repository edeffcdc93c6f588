/// Resolves relative references against a base URL (RFC 3986 §5.2), for `xml:base` and
/// relative links in feeds. Works on strings; no URL is fetched or validated beyond that.
public enum URLResolver {
    /// `reference` resolved against `base`; the reference itself when it is absolute or
    /// there is no usable base.
    public static func resolve(_ reference: String, against base: String?) -> String {
        let ref = trimmed(reference)
        if schemeLength(of: ref) != nil { return ref }
        guard let base = base, let baseScheme = scheme(of: base) else { return ref }
        let afterScheme = base.dropFirst(baseScheme.count + 1)
        var authority = ""
        var rest = Substring(afterScheme)
        if rest.hasPrefix("//") {
            let afterSlashes = rest.dropFirst(2)
            let end = afterSlashes.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterSlashes.endIndex
            authority = "//" + afterSlashes[..<end]
            rest = afterSlashes[end...]
        }
        let baseNoFragment = rest.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let baseParts = baseNoFragment.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let basePath = baseParts[0]
        let baseQuery = baseParts.count > 1 ? "?" + baseParts[1] : ""

        if ref.hasPrefix("//") { return baseScheme + ":" + ref }
        if ref.isEmpty { return baseScheme + ":" + authority + basePath + baseQuery }
        if ref.hasPrefix("#") { return baseScheme + ":" + authority + basePath + baseQuery + ref }
        if ref.hasPrefix("?") { return baseScheme + ":" + authority + basePath + ref }

        let suffixStart = ref.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? ref.endIndex
        let refPath = ref[..<suffixStart]
        let suffix = ref[suffixStart...]
        let merged: String
        if refPath.hasPrefix("/") {
            merged = String(refPath)
        } else if !authority.isEmpty && basePath.isEmpty {
            merged = "/" + refPath
        } else if let slash = basePath.lastIndex(of: "/") {
            merged = String(basePath[...slash]) + refPath
        } else {
            merged = String(refPath)
        }
        return baseScheme + ":" + authority + removeDotSegments(merged) + suffix
    }

    /// The scheme of an absolute URL (`http` of `http://…`), or nil.
    public static func scheme(of text: String) -> String? {
        guard let length = schemeLength(of: text) else { return nil }
        return String(decoding: text.utf8.prefix(length), as: UTF8.self)
    }

    /// The length in bytes of the scheme of an absolute URL (`ALPHA *( ALPHA / DIGIT /
    /// "+" / "-" / "." )` before a `:`), or nil. Works on the bytes: links are resolved for
    /// every item.
    static func schemeLength(of text: String) -> Int? {
        var length = 0
        for byte in text.utf8 {
            let letter = (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A
            if byte == 0x3A { return length > 0 ? length : nil }
            guard letter || (length > 0 && ((byte >= 0x30 && byte <= 0x39) || byte == 0x2B || byte == 0x2D || byte == 0x2E)) else { return nil }
            length += 1
        }
        return nil
    }

    static func removeDotSegments(_ path: String) -> String {
        guard path.contains(".") else { return path }
        var output: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        for (i, seg) in segments.enumerated() {
            let last = i == segments.count - 1
            if seg == "." {
                if last { output.append("") }
            } else if seg == ".." {
                if output.count > 1 { output.removeLast() }
                if last { output.append("") }
            } else {
                output.append(seg)
            }
        }
        var result = output.joined(separator: "/")
        if path.hasPrefix("/") && !result.hasPrefix("/") { result = "/" + result }
        return result
    }

    private static func trimmed(_ text: String) -> String {
        // Almost every URL starts and ends with a visible ASCII character: nothing to trim.
        if let head = text.utf8.first, let tail = text.utf8.last, head > 0x20 && head < 0x7F && tail > 0x20 && tail < 0x7F { return text }
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}

extension String {
    /// Without leading and trailing XML white space (space, tab, CR, LF).
    var trimmingXMLSpace: String {
        let u = utf8
        guard let first = u.firstIndex(where: { !Self.isXMLSpace($0) }) else { return "" }
        let last = u.lastIndex(where: { !Self.isXMLSpace($0) })!
        if first == u.startIndex && last == u.index(before: u.endIndex) { return self }
        return String(self[first...last])
    }

    /// A token attribute's value as compared (`type`, `rel`, `mode`): lowercase, without
    /// surrounding white space. Most are so already and come back as they are.
    var lowercasedToken: String {
        var s = self
        let plain = s.withUTF8 { u in
            guard let f = u.first, let l = u.last, !Self.isXMLSpace(f), !Self.isXMLSpace(l) else { return false }
            return !u.contains { $0 >= 0x41 && $0 <= 0x5A || $0 >= 0x80 }
        }
        return plain ? s : lowercased().trimmingXMLSpace
    }

    @inline(__always)
    private static func isXMLSpace(_ c: UInt8) -> Bool { c.isXMLSpace }
}

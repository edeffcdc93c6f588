import FeedCore

/// People as feeds write them in one string: RSS `author`, `managingEditor`, `webMaster`,
/// `dc:creator`, `dc:author`, `dc:publisher` — "Name (email)", "email (Name)",
/// "Name <email>", a bare address or a bare name, sometimes wrapped in markup.
///
/// The rule is the universal feed parser's: the first e-mail address in the string is the
/// address; what remains, without the brackets that held the address and one pair of
/// parentheses around it, is the name.
enum PersonText {
    /// The person a string names, or nil when it names nobody.
    static func person(_ raw: String) -> Person? {
        let text = plainName(raw)
        guard !text.isEmpty else { return nil }
        var scalars = Array(text.unicodeScalars)
        guard let (start, end) = emailRange(in: scalars) else { return Person(name: text) }
        let email = String(String.UnicodeScalarView(scalars[start..<end]))
        var from = start
        // "mailto:" before the address belongs to it, not to the name.
        let mailto = Array("mailto:".unicodeScalars)
        if from >= mailto.count,
            scalars[(from - mailto.count)..<from].map({ Character($0).lowercased() }) == mailto.map({ String($0) })
        {
            from -= mailto.count
        }
        scalars.removeSubrange(from..<end)
        var name = String(String.UnicodeScalarView(scalars))
        name = name.replacing("()", with: "").replacing("<>", with: "").trimmingXMLSpace
        if name.hasPrefix("(") { name.removeFirst() }
        if name.hasSuffix(")") { name.removeLast() }
        name = TextBuilder.oneLine(name.trimmingXMLSpace)
        return Person(name: name.nilIfEmpty, email: email)
    }

    /// A name as text: markup in it (`<b>Jane</b>`, `<a href="mailto:…">Jane</a>`) reduced
    /// to its text with references resolved, white space folded to single spaces.
    static func plainName(_ raw: String) -> String {
        guard FeedDocumentBuilder.looksLikeMarkup(raw) else { return TextBuilder.oneLine(raw) }
        var out: [UInt8] = []
        let u = Array(raw.utf8)
        var i = 0
        while i < u.count {
            let c = u[i]
            if c == 0x3C, let close = tagEnd(u, i) {
                // An address written only as a mailto: link keeps its address.
                if let address = mailtoAddress(u[i..<close]) {
                    out.append(contentsOf: Array(" <".utf8) + address + [0x3E, 0x20])
                } else {
                    out.append(0x20)
                }
                i = close
            } else if c == 0x26, let (length, scalar) = reference(u, i) {
                UTF8Check.append(scalar, to: &out)
                i += length
            } else {
                out.append(c)
                i += 1
            }
        }
        return TextBuilder.oneLine(String(decoding: out, as: UTF8.self))
    }

    /// The index after the `>` that ends a tag starting at `u[i] == '<'`, when a letter, `/`
    /// or `!` follows the `<` (so "a < b" stays text).
    private static func tagEnd(_ u: [UInt8], _ i: Int) -> Int? {
        guard i + 1 < u.count else { return nil }
        let d = u[i + 1] | 0x20
        guard (d >= 0x61 && d <= 0x7A) || u[i + 1] == 0x2F || u[i + 1] == 0x21 else { return nil }
        guard let gt = u[(i + 1)...].firstIndex(of: 0x3E) else { return nil }
        return gt + 1
    }

    /// The address of a `<a href="mailto:ADDRESS">` tag.
    private static func mailtoAddress(_ tag: ArraySlice<UInt8>) -> [UInt8]? {
        let lower = tag.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        let key = Array("mailto:".utf8)
        guard let at = (0..<max(0, lower.count - key.count)).first(where: { lower[$0..<($0 + key.count)].elementsEqual(key) })
        else { return nil }
        let rest = tag.dropFirst(at + key.count)
        let address = rest.prefix { $0 != 0x22 && $0 != 0x27 && $0 != 0x3E && $0 != 0x3F && $0 > 0x20 }
        return address.contains(0x40) ? Array(address) : nil
    }

    /// A character or entity reference at `u[i] == '&'`: its length and character.
    private static func reference(_ u: [UInt8], _ i: Int) -> (Int, UInt32)? {
        guard let semicolon = u[(i + 1)...].prefix(33).firstIndex(of: 0x3B), semicolon > i + 1 else { return nil }
        let body = u[(i + 1)..<semicolon]
        if body.first == 0x23 {
            let digits = body.dropFirst()
            let hex = digits.first.map { $0 | 0x20 == 0x78 } ?? false
            guard let value = UInt32(String(decoding: hex ? digits.dropFirst() : digits, as: UTF8.self), radix: hex ? 16 : 10),
                value > 0, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value)
            else { return nil }
            return (semicolon + 1 - i, value)
        }
        let value = Array(body).withUnsafeBufferPointer { LibXML.htmlEntity($0) }
        return value.map { (semicolon + 1 - i, $0) }
    }

    /// Where the first e-mail address is: `local@domain.tld`, the local part of letters,
    /// digits and `_-.+`, the domain of labels of letters, digits and `-` joined by dots,
    /// ending in a label of letters.
    static func emailRange(in s: [Unicode.Scalar]) -> (Int, Int)? {
        func isLocal(_ c: Unicode.Scalar) -> Bool {
            c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || "_-.+".unicodeScalars.contains(c))
        }
        func isDomain(_ c: Unicode.Scalar) -> Bool {
            c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "-" || c == ".")
        }
        for at in s.indices where s[at] == "@" {
            var start = at
            while start > 0 && isLocal(s[start - 1]) { start -= 1 }
            var end = at + 1
            while end < s.count && isDomain(s[end]) { end += 1 }
            // No trailing dots (an address at the end of a sentence).
            while end > at + 1 && s[end - 1] == "." { end -= 1 }
            guard start < at, end > at + 1 else { continue }
            let domain = String(String.UnicodeScalarView(s[(at + 1)..<end]))
            let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
            guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }),
                let tld = labels.last, tld.count >= 2, tld.allSatisfy({ $0.isLetter })
            else { continue }
            return (start, end)
        }
        return nil
    }
}

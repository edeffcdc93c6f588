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

    /// A name as text: markup in it (`<b>Jane</b>`, `&lt;a href=…&gt;Jane&lt;/a&gt;`) reduced
    /// to its text by the same HTML → text rules as every body, on one line.
    static func plainName(_ raw: String) -> String {
        guard FeedDocumentBuilder.looksLikeMarkup(raw) else { return TextBuilder.oneLine(raw) }
        // Names with markup are rare: a converter for each costs nothing on the common path.
        var converter = HTMLToText()
        return TextBuilder.oneLine(converter.text(fromHTML: raw))
    }

    /// Where the first e-mail address is: `local@domain.tld`, the local part of letters,
    /// digits and `_-.+`, the domain of labels of letters, digits and `-` joined by dots,
    /// ending in a label of letters.
    static func emailRange(in s: [Unicode.Scalar]) -> (Int, Int)? {
        func isLocal(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "_-.+".unicodeScalars.contains(scalar))
        }
        func isDomain(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-" || scalar == ".")
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

/// Language codes as feeds write them, made BCP 47 tags.
public enum LanguageTag {
    /// `en_US` → `en-US`: POSIX locale names use `_` where BCP 47 uses `-`; white space
    /// around the code goes. The case is kept (BCP 47 tags compare without it). Nil for an
    /// empty code.
    public static func normalize(_ code: String) -> String? {
        var tag = code
        let clean = tag.withUTF8 { u in
            !u.isEmpty && !u.contains(0x5F) && u.first! > 0x20 && u.last! > 0x20
        }
        if clean { return code }
        let trimmed = code.unicodeScalars.drop { $0.properties.isWhitespace }.reversed().drop { $0.properties.isWhitespace }.reversed()
        guard !trimmed.isEmpty else { return nil }
        return String(String.UnicodeScalarView(trimmed.map { $0 == "_" ? "-" : $0 }))
    }
}

/// libpq connection strings as they may be shown: without their password.
public enum ConnectionString {
    /// `postgresql://user:secret@host/db` → `postgresql://user:***@host/db`; a `password=…`
    /// keyword (quoted or not) → `password=***`; a `password` URI parameter likewise.
    public static func redacted(_ text: String) -> String {
        var out = text
        let lower = text.lowercased()
        if lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://") {
            let schemeEnd = text.index(text.startIndex, offsetBy: lower.hasPrefix("postgresql://") ? 13 : 11)
            let rest = text[schemeEnd...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                out = String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
            }
            return redactParameter(out)
        }
        return redactKeyword(out)
    }

    /// `?password=x&…` in a URI.
    private static func redactParameter(_ text: String) -> String {
        guard let query = text.firstIndex(of: "?") else { return text }
        let parts = text[text.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false).map { part -> String in
            part.lowercased().hasPrefix("password=") ? "password=***" : String(part)
        }
        return String(text[...query]) + parts.joined(separator: "&")
    }

    /// `password = 'x y'` or `password=x` in a keyword string.
    private static func redactKeyword(_ text: String) -> String {
        let chars = Array(text)
        var out = ""
        var i = 0
        while i < chars.count {
            let rest = String(chars[i...]).lowercased()
            let atWordStart = i == 0 || chars[i - 1] == " " || chars[i - 1] == "\t"
            if atWordStart, rest.hasPrefix("password") {
                var j = i + 8
                while j < chars.count, chars[j] == " " { j += 1 }
                if j < chars.count, chars[j] == "=" {
                    j += 1
                    while j < chars.count, chars[j] == " " { j += 1 }
                    if j < chars.count, chars[j] == "'" {
                        j += 1
                        while j < chars.count, chars[j] != "'" { j += chars[j] == "\\" ? 2 : 1 }
                        j += 1
                    } else {
                        while j < chars.count, chars[j] != " " { j += 1 }
                    }
                    out += "password=***"
                    i = min(j, chars.count)
                    continue
                }
            }
            out.append(chars[i])
            i += 1
        }
        return out
    }
}

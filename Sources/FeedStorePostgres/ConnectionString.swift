/// libpq connection strings as they may be shown: without their password.
public enum ConnectionString {
    /// `postgresql://user:secret@host/db` → `postgresql://user:***@host/db`; a `password=…`
    /// keyword (quoted or not) → `password=***`; a `password` URI parameter likewise.
    public static func redacted(_ s: String) -> String {
        var out = s
        let lower = s.lowercased()
        if lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://") {
            let schemeEnd = s.index(s.startIndex, offsetBy: lower.hasPrefix("postgresql://") ? 13 : 11)
            let rest = s[schemeEnd...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                out = String(s[..<s.index(after: colon)]) + "***" + String(s[at...])
            }
            return redactParameter(out)
        }
        return redactKeyword(out)
    }

    /// `?password=x&…` in a URI.
    private static func redactParameter(_ s: String) -> String {
        guard let q = s.firstIndex(of: "?") else { return s }
        let parts = s[s.index(after: q)...].split(separator: "&", omittingEmptySubsequences: false).map { p -> String in
            p.lowercased().hasPrefix("password=") ? "password=***" : String(p)
        }
        return String(s[...q]) + parts.joined(separator: "&")
    }

    /// `password = 'x y'` or `password=x` in a keyword string.
    private static func redactKeyword(_ s: String) -> String {
        let chars = Array(s)
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

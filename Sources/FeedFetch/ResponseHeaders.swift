import FeedCore

/// The header fields of one HTTP response, in arrival order, with the ones a feed poller
/// needs parsed. Pure: built from header lines, no I/O.
public struct ResponseHeaders: Sendable, Equatable {
    /// Every field as received: name as sent, value trimmed of surrounding whitespace.
    public internal(set) var fields: [(name: String, value: String)] = []
    // Lowercased names, parallel to `fields`: lookups compare without re-lowercasing.
    private var keys: [String] = []

    public init() {}

    public init(fields: [(name: String, value: String)]) {
        for field in fields { append(name: field.name, value: field.value) }
    }

    public static func == (lhs: ResponseHeaders, rhs: ResponseHeaders) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    mutating func append(name: String, value: String) {
        fields.append((name, value))
        keys.append(name.lowercased())
    }

    mutating func removeLast() -> (name: String, value: String)? {
        guard !fields.isEmpty else { return nil }
        keys.removeLast()
        return fields.removeLast()
    }

    /// The last value of a field (case-insensitive name), or every value joined by ", " for
    /// fields that may repeat (`Cache-Control`).
    public subscript(_ name: String) -> String? {
        let key = name.lowercased()
        var found: String?
        for (index, stored) in keys.enumerated() where stored == key {
            found = found.map { $0 + ", " + fields[index].value } ?? fields[index].value
        }
        return found
    }

    private func last(_ key: String) -> String? {
        keys.lastIndex(of: key).map { fields[$0].value }
    }

    /// `ETag`, as sent (weak validators keep their `W/` prefix: they are echoed verbatim).
    public var etag: String? { last("etag").flatMap { $0.isEmpty ? nil : $0 } }
    /// `Last-Modified`, as sent.
    public var lastModified: String? { last("last-modified").flatMap { $0.isEmpty ? nil : $0 } }
    /// `Location`, as sent.
    public var location: String? { last("location") }
    /// `Content-Length`, when it is a number.
    public var contentLength: Int? { last("content-length").flatMap { Int($0) } }
    /// `Content-Type`, as sent.
    public var contentType: String? { last("content-type") }
    /// The `charset` parameter of `Content-Type`, lowercased, without quotes.
    public var charset: String? { contentType.flatMap(ContentType.charset(of:)) }
    /// `Cache-Control`, parsed (all occurrences combined).
    public var cacheControl: CacheControl? { self["cache-control"].map(CacheControl.init(parsing:)) }
    /// `Date` as seconds since the epoch.
    public var date: Int64? { last("date").flatMap(HTTPDate.parse) }
    /// `Age` in seconds.
    public var age: Int? { last("age").flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil } }
    /// `Expires`: an instant, or `.expired` for the invalid values (`0`, `-1`) that mean
    /// "already expired" (RFC 9111 §5.3).
    public var expires: Expires? { last("expires").map(Expires.init(parsing:)) }
    /// `Retry-After`, in either of its two forms.
    public var retryAfter: RetryAfter? { last("retry-after").flatMap(RetryAfter.init(parsing:)) }
}

/// `Cache-Control` directives a poller cares about.
public struct CacheControl: Sendable, Equatable {
    public var maxAge: Int?
    public var sharedMaxAge: Int?
    public var noCache = false
    public var noStore = false
    public var mustRevalidate = false

    public init(parsing value: String) {
        for raw in value.split(separator: ",") {
            let part = raw.trimmingASCIISpaces()
            let kv = part.split(separator: "=", maxSplits: 1)
            let name = kv[0].trimmingASCIISpaces().lowercased()
            var arg = kv.count > 1 ? kv[1].trimmingASCIISpaces() : ""
            if arg.hasPrefix("\""), arg.hasSuffix("\""), arg.count >= 2 { arg = String(arg.dropFirst().dropLast()) }
            switch name {
            case "max-age": maxAge = Int(arg).map { max(0, $0) }
            case "s-maxage": sharedMaxAge = Int(arg).map { max(0, $0) }
            case "no-cache": noCache = true
            case "no-store": noStore = true
            case "must-revalidate": mustRevalidate = true
            default: break
            }
        }
    }
}

/// The value of `Expires`.
public enum Expires: Sendable, Equatable {
    /// Seconds since the epoch.
    case at(Int64)
    /// An invalid date, which HTTP reads as "already expired".
    case expired

    public init(parsing value: String) {
        self = HTTPDate.parse(value).map(Expires.at) ?? .expired
    }
}

/// The value of `Retry-After` (RFC 9110 §10.2.3).
public enum RetryAfter: Sendable, Equatable {
    case seconds(Int)
    /// Seconds since the epoch.
    case date(Int64)

    public init?(parsing value: String) {
        let text = value.trimmingASCIISpaces()
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // Absurd values are clamped rather than rejected: the server clearly wants a pause.
            self = .seconds(Int(text.prefix(9)) ?? 0)
        } else if let time = HTTPDate.parse(text) {
            self = .date(time)
        } else {
            return nil
        }
    }

    /// The delay it asks for, in seconds, never negative. An HTTP-date is read against the
    /// server's own `Date` when known, which cancels out clock skew between the two hosts.
    public func delay(now: Int64, serverDate: Int64?) -> Int64 {
        switch self {
        case .seconds(let seconds): return Int64(seconds)
        case .date(let time): return max(0, time - (serverDate ?? now))
        }
    }
}

/// HTTP-dates (IMF-fixdate, RFC 850, asctime) through the feed date parser, which reads
/// all three.
public enum HTTPDate {
    public static func parse(_ text: String) -> Int64? {
        DateParser.parse(text)?.secondsSinceEpoch
    }
}

/// `Content-Type` helpers.
public enum ContentType {
    /// The `charset` parameter, lowercased and unquoted.
    public static func charset(of value: String) -> String? {
        for param in value.split(separator: ";").dropFirst() {
            let kv = param.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, kv[0].trimmingASCIISpaces().lowercased() == "charset" else { continue }
            var text = kv[1].trimmingASCIISpaces()
            if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
            return text.isEmpty ? nil : text.lowercased()
        }
        return nil
    }

    /// The media type without parameters, lowercased.
    public static func mediaType(of value: String) -> String {
        String(value.split(separator: ";", maxSplits: 1).first ?? "").trimmingASCIISpaces().lowercased()
    }
}

extension StringProtocol {
    func trimmingASCIISpaces() -> String {
        let bytes = Array(utf8)
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 || bytes[end - 1] == 0x0D || bytes[end - 1] == 0x0A { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}

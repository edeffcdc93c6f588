/// A JSON document (RFC 8259), read strictly from UTF-8 bytes: JSON Feed documents and
/// control-socket requests. Our own reader, so that neither the parser nor the daemon
/// loads Foundation (about 10 MB of resident memory in a process that otherwise has none).
///
/// Numbers keep their text (`number("1.5e3")`): callers convert what they expect. Objects
/// keep their members in order; a repeated name is read as its last value, as most readers
/// do. Nesting is limited to `maxDepth`; errors name the byte offset and what was wrong.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The deepest nesting of arrays and objects read.
    public static let maxDepth = 256

    /// Why a document is not JSON, and where.
    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public var offset: Int
        public var message: String
        public var description: String { "\(message) at byte \(offset)" }
    }

    /// Reads one JSON value filling `bytes` (white space around it allowed).
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(SyntaxError) -> JSONValue {
        var r = Reader(p: bytes)
        r.skipSpace()
        let v = try r.value(depth: 0)
        r.skipSpace()
        guard r.i == bytes.count else { throw r.error("text after the JSON value") }
        return v
    }

    /// Reads one JSON value from an array of bytes.
    public static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (p) throws(SyntaxError) -> JSONValue in try parse(p) }
    }

    // MARK: Reading values

    /// The member `name` of an object (its last, if repeated); nil for other values.
    public subscript(_ name: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.0 == name })?.1
    }

    /// The string, or nil.
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// A string, or a number's text: ids and sizes come both ways.
    public var scalarText: String? {
        switch self {
        case .string(let s): return s
        case .number(let n): return n
        default: return nil
        }
    }

    /// The boolean, or nil.
    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// An object's members in order, or nil.
    public var members: [(String, JSONValue)]? {
        if case .object(let m) = self { return m }
        return nil
    }

    /// The value as one line of JSON (numbers as they were read).
    public var encoded: String {
        var w = JSONWriter()
        w.value(nil, self)
        return w.string
    }

    /// An integral number (or a string of one), or nil.
    public var int64: Int64? {
        switch self {
        case .number(let n), .string(let n):
            if let i = Int64(n) { return i }
            if let d = Double(n), d.rounded() == d, abs(d) < 9.2e18 { return Int64(d) }
            return nil
        default: return nil
        }
    }

    /// The elements of an array, or nil.
    public var array: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// True for objects.
    public var isObject: Bool {
        if case .object = self { return true }
        return false
    }

    /// A short name of the value's type, for messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    private struct Reader {
        let p: UnsafeBufferPointer<UInt8>
        var i = 0

        func error(_ message: String) -> SyntaxError { SyntaxError(offset: i, message: message) }

        mutating func skipSpace() {
            while i < p.count, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
        }

        mutating func value(depth: Int) throws(SyntaxError) -> JSONValue {
            guard i < p.count else { throw error("the document ends where a value should be") }
            switch p[i] {
            case 0x7B: return try object(depth: depth + 1)
            case 0x5B: return try array(depth: depth + 1)
            case 0x22: return .string(try string())
            case 0x74: try word("true"); return .bool(true)
            case 0x66: try word("false"); return .bool(false)
            case 0x6E: try word("null"); return .null
            case 0x2D, 0x30...0x39: return .number(try number())
            default: throw error("unexpected character '\(Self.show(p[i]))'")
            }
        }

        static func show(_ c: UInt8) -> String {
            c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : "\\x" + String(c, radix: 16)
        }

        mutating func word(_ w: StaticString) throws(SyntaxError) {
            let n = w.utf8CodeUnitCount
            guard i + n <= p.count else { throw error("the document ends inside '\(w)'") }
            for k in 0..<n where p[i + k] != w.utf8Start[k] {
                i += k
                throw error("unexpected character '\(Self.show(p[i]))'")
            }
            i += n
        }

        mutating func object(depth: Int) throws(SyntaxError) -> JSONValue {
            guard depth <= JSONValue.maxDepth else { throw error("nested deeper than \(JSONValue.maxDepth)") }
            i += 1
            var members: [(String, JSONValue)] = []
            skipSpace()
            if i < p.count && p[i] == 0x7D {
                i += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard i < p.count, p[i] == 0x22 else { throw error(i < p.count ? "an object member needs a quoted name" : "the document ends inside an object") }
                let name = try string()
                skipSpace()
                guard i < p.count, p[i] == 0x3A else { throw error("expected ':' after a member name") }
                i += 1
                skipSpace()
                members.append((name, try value(depth: depth)))
                skipSpace()
                guard i < p.count else { throw error("the document ends inside an object") }
                if p[i] == 0x2C {
                    i += 1
                    continue
                }
                guard p[i] == 0x7D else { throw error("expected ',' or '}' in an object") }
                i += 1
                return .object(members)
            }
        }

        mutating func array(depth: Int) throws(SyntaxError) -> JSONValue {
            guard depth <= JSONValue.maxDepth else { throw error("nested deeper than \(JSONValue.maxDepth)") }
            i += 1
            var elements: [JSONValue] = []
            skipSpace()
            if i < p.count && p[i] == 0x5D {
                i += 1
                return .array(elements)
            }
            while true {
                skipSpace()
                elements.append(try value(depth: depth))
                skipSpace()
                guard i < p.count else { throw error("the document ends inside an array") }
                if p[i] == 0x2C {
                    i += 1
                    continue
                }
                guard p[i] == 0x5D else { throw error("expected ',' or ']' in an array") }
                i += 1
                return .array(elements)
            }
        }

        mutating func number() throws(SyntaxError) -> String {
            let start = i
            if p[i] == 0x2D { i += 1 }
            guard i < p.count, p[i] >= 0x30 && p[i] <= 0x39 else { throw error("a number needs digits") }
            if p[i] == 0x30 {
                i += 1
            } else {
                while i < p.count, p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
            }
            if i < p.count, p[i] == 0x2E {
                i += 1
                guard i < p.count, p[i] >= 0x30 && p[i] <= 0x39 else { throw error("a fraction needs digits") }
                while i < p.count, p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
            }
            if i < p.count, p[i] | 0x20 == 0x65 {
                i += 1
                if i < p.count, p[i] == 0x2B || p[i] == 0x2D { i += 1 }
                guard i < p.count, p[i] >= 0x30 && p[i] <= 0x39 else { throw error("an exponent needs digits") }
                while i < p.count, p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
            }
            return String(decoding: UnsafeBufferPointer(rebasing: p[start..<i]), as: UTF8.self)
        }

        mutating func string() throws(SyntaxError) -> String {
            i += 1  // the opening quote
            var out: [UInt8] = []
            var runStart = i
            while true {
                // Plain bytes up to a quote, a backslash or a control character.
                i = SWAR.skip(p, from: i) { SWAR.equal($0, 0x22) | SWAR.equal($0, 0x5C) | SWAR.below($0, 0x20) }
                while i < p.count, p[i] != 0x22 && p[i] != 0x5C && p[i] >= 0x20 { i += 1 }
                guard i < p.count else { throw error("the document ends inside a string") }
                let c = p[i]
                if c == 0x22 {
                    let text: String
                    if out.isEmpty {
                        text = try Self.utf8(UnsafeBufferPointer(rebasing: p[runStart..<i]), at: runStart)
                    } else {
                        out.append(contentsOf: UnsafeBufferPointer(rebasing: p[runStart..<i]))
                        text = try out.withUnsafeBufferPointer { (b) throws(SyntaxError) -> String in try Self.utf8(b, at: runStart) }
                    }
                    i += 1
                    return text
                }
                guard c == 0x5C else { throw error("a control character inside a string must be escaped") }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: p[runStart..<i]))
                i += 1
                guard i < p.count else { throw error("the document ends inside a string") }
                let e = p[i]
                i += 1
                switch e {
                case 0x22, 0x5C, 0x2F: out.append(e)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x75:
                    var scalar = try hex4()
                    if scalar >= 0xD800 && scalar < 0xDC00 {
                        // A high surrogate wants its low half: \uD83D\uDE00.
                        if i + 1 < p.count, p[i] == 0x5C, p[i + 1] == 0x75 {
                            i += 2
                            let low = try hex4()
                            if low >= 0xDC00 && low < 0xE000 {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                UTF8Check.append(0xFFFD, to: &out)
                                scalar = low >= 0xD800 && low < 0xE000 ? 0xFFFD : low
                            }
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if scalar >= 0xDC00 && scalar < 0xE000 {
                        scalar = 0xFFFD  // a lone low surrogate
                    }
                    UTF8Check.append(scalar, to: &out)
                default:
                    i -= 1
                    throw error("unknown escape '\\\(Self.show(e))'")
                }
                runStart = i
            }
        }

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            guard i + 4 <= p.count else { throw error("the document ends inside a \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = p[i]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                default: throw error("a \\u escape needs four hex digits")
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }

        static func utf8(_ b: UnsafeBufferPointer<UInt8>, at offset: Int) throws(SyntaxError) -> String {
            guard let s = String(validating: b, as: UTF8.self) else {
                throw SyntaxError(offset: offset, message: "a string that is not UTF-8")
            }
            return s
        }
    }
}

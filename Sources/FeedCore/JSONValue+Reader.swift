// The JSON text reader behind `JSONValue.parse`: RFC 8259, strict (no trailing commas, no
// comments), nesting bounded, every error with its byte offset.
extension JSONValue {
    struct Reader {
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

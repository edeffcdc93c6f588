/// A TOML value with the line it was written on.
public indirect enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case array([TOMLValue])
    case table(TOMLTable)

    public var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a number"
        case .boolean: return "a boolean"
        case .array: return "an array"
        case .table: return "a table"
        }
    }
}

/// A table: keys in the order written, each with its value and line.
public struct TOMLTable: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: TOMLValue
        public var line: Int
    }

    public var entries: [Entry] = []
    /// The line of the table's header (0 for the root).
    public var line: Int

    public init(line: Int) { self.line = line }

    public subscript(_ key: String) -> Entry? { entries.first { $0.key == key } }
}

/// A parse error with its line.
public struct TOMLError: Error, Sendable, Equatable {
    public var line: Int
    public var message: String
}

/// A TOML parser for configuration files: comments, bare and quoted keys, basic and literal
/// strings (one line), integers, floats, booleans, arrays (across lines), `[table]` and
/// `[[array of tables]]`. What it does not support — dotted keys, inline tables, multi-line
/// strings, dates — is reported as an error on its line, never misread.
public struct TOMLParser {
    private let bytes: [UInt8]
    private var i = 0
    private var line = 1
    private var arrayDepth = 0

    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = TOMLParser(bytes: Array(text.utf8))
        return try parser.document()
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func document() throws(TOMLError) -> TOMLTable {
        var tables = TOMLTableAssembly()
        while true {
            skipBlankAndComments()
            guard i < bytes.count else { break }
            let startLine = line
            if bytes[i] == UInt8(ascii: "[") {
                let (name, isArray) = try tableHeader()
                try tables.begin(name, isArray: isArray, line: startLine)
            } else {
                let (key, value) = try keyValue()
                try tables.set(key, value, line: startLine)
            }
        }
        return tables.finish()
    }

    /// `[name]` or `[[name]]` and the end of its line.
    private mutating func tableHeader() throws(TOMLError) -> (name: String, isArray: Bool) {
        let isArray = i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "[")
        i += isArray ? 2 : 1
        skipSpaces()
        let name = try key()
        skipSpaces()
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") { throw err("dotted table names are not supported; use one name like [\(name)]") }
        guard expect("]"), !isArray || expect("]") else { throw err("a table header must end with \(isArray ? "]]" : "]")") }
        try endOfLine()
        return (name, isArray)
    }

    /// `key = value` and the end of its line.
    private mutating func keyValue() throws(TOMLError) -> (key: String, value: TOMLValue) {
        let name = try key()
        skipSpaces()
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") { throw err("dotted keys are not supported; write \(name) inside a [\(name)] table") }
        guard expect("=") else { throw err("expected '=' after the key \(name)") }
        skipSpaces()
        let parsed = try value()
        try endOfLine()
        return (name, parsed)
    }

    private func err(_ message: String) -> TOMLError { TOMLError(line: line, message: message) }

    private mutating func expect(_ c: Character) -> Bool {
        guard i < bytes.count, bytes[i] == c.asciiValue! else { return false }
        i += 1
        return true
    }

    private mutating func skipSpaces() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func skipBlankAndComments() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0D: i += 1
            case 0x0A: i += 1; line += 1
            case UInt8(ascii: "#"): while i < bytes.count, bytes[i] != 0x0A { i += 1 }
            default: return
            }
        }
    }

    private mutating func endOfLine() throws(TOMLError) {
        skipSpaces()
        if i < bytes.count, bytes[i] == UInt8(ascii: "#") { while i < bytes.count, bytes[i] != 0x0A { i += 1 } }
        if i < bytes.count, bytes[i] == 0x0D { i += 1 }
        guard i >= bytes.count || bytes[i] == 0x0A else {
            throw err("unexpected text after the value: \(String(decoding: bytes[i..<min(bytes.count, i + 20)], as: UTF8.self))")
        }
        if i < bytes.count { i += 1; line += 1 }
    }

    private mutating func key() throws(TOMLError) -> String {
        guard i < bytes.count else { throw err("expected a key") }
        if bytes[i] == UInt8(ascii: "\"") { return try basicString() }
        if bytes[i] == UInt8(ascii: "'") { return try literalString() }
        let start = i
        while i < bytes.count, Self.isBareKey(bytes[i]) { i += 1 }
        guard i > start else { throw err("expected a key, found '\(String(decoding: bytes[i..<min(bytes.count, i + 1)], as: UTF8.self))'") }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    private static func isBareKey(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
    }

    private mutating func value() throws(TOMLError) -> TOMLValue {
        guard i < bytes.count, bytes[i] != 0x0A else { throw err("expected a value") }
        switch bytes[i] {
        case UInt8(ascii: "\""):
            if bytes[i...].starts(with: "\"\"\"".utf8) { throw err("multi-line strings are not supported") }
            return .string(try basicString())
        case UInt8(ascii: "'"):
            if bytes[i...].starts(with: "'''".utf8) { throw err("multi-line strings are not supported") }
            return .string(try literalString())
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "{"): throw err("inline tables are not supported; use a [table]")
        default: break
        }
        let start = i
        while i < bytes.count, !(bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == UInt8(ascii: "#") || bytes[i] == UInt8(ascii: ",") || bytes[i] == UInt8(ascii: "]")) { i += 1 }
        let word = String(decoding: bytes[start..<i], as: UTF8.self)
        if word == "true" { return .boolean(true) }
        if word == "false" { return .boolean(false) }
        let digits = word.replacingUnderscores()
        if let n = Int64(digits) { return .integer(n) }
        if digits.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let d = Double(digits), d.isFinite { return .float(d) }
        if word.isEmpty { throw err("expected a value") }
        throw err("'\(word)' is not a value; strings need quotes: \"\(word)\"")
    }

    /// Arrays in arrays deeper than this are refused (a feed list needs two levels at most;
    /// unbounded nesting would exhaust the stack).
    static let maxArrayDepth = 16

    private mutating func array() throws(TOMLError) -> TOMLValue {
        arrayDepth += 1
        defer { arrayDepth -= 1 }
        guard arrayDepth <= Self.maxArrayDepth else { throw err("arrays nested deeper than \(Self.maxArrayDepth)") }
        i += 1
        var items: [TOMLValue] = []
        while true {
            skipBlankAndComments()
            guard i < bytes.count else { throw err("an array is not closed with ]") }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            items.append(try value())
            skipBlankAndComments()
            if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            guard i < bytes.count else { throw err("an array is not closed with ]") }
            guard bytes[i] == UInt8(ascii: "]") else { throw err("expected ',' or ']' in an array") }
        }
    }

    private mutating func literalString() throws(TOMLError) -> String {
        i += 1
        let start = i
        while i < bytes.count, bytes[i] != UInt8(ascii: "'") {
            if bytes[i] == 0x0A { throw err("a string is not closed on its line") }
            i += 1
        }
        guard i < bytes.count else { throw err("a string is not closed") }
        defer { i += 1 }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    private mutating func basicString() throws(TOMLError) -> String {
        i += 1
        var out: [UInt8] = []
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
            if b == 0x0A { throw err("a string is not closed on its line") }
            if b == UInt8(ascii: "\\") {
                i += 1
                guard i < bytes.count else { break }
                switch bytes[i] {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let n = bytes[i] == UInt8(ascii: "u") ? 4 : 8
                    guard i + n < bytes.count, let v = UInt32(String(decoding: bytes[(i + 1)...(i + n)], as: UTF8.self), radix: 16), let scalar = Unicode.Scalar(v) else {
                        throw err("a \\u escape needs \(n) hexadecimal digits of a valid character")
                    }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    i += n
                default: throw err("unknown escape \\\(String(decoding: [bytes[i]], as: UTF8.self)) in a string (write \\\\ for a backslash)")
                }
                i += 1
                continue
            }
            out.append(b)
            i += 1
        }
        throw err("a string is not closed")
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}

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

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
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
        var reader = Reader(p: bytes)
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.i == bytes.count else { throw reader.error("text after the JSON value") }
        return value
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
        if case .string(let text) = self { return text }
        return nil
    }

    /// A string, or a number's text: ids and sizes come both ways.
    public var scalarText: String? {
        switch self {
        case .string(let text): return text
        case .number(let number): return number
        default: return nil
        }
    }

    /// The boolean, or nil.
    public var bool: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    /// An object's members in order, or nil.
    public var members: [(String, JSONValue)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The value as one line of JSON (numbers as they were read).
    public var encoded: String {
        var writer = JSONWriter()
        writer.value(nil, self)
        return writer.string
    }

    /// An integral number (or a string of one), or nil.
    public var int64: Int64? {
        switch self {
        case .number(let number), .string(let number):
            if let integer = Int64(number) { return integer }
            if let double = Double(number), double.rounded() == double, abs(double) < 9.2e18 { return Int64(double) }
            return nil
        default: return nil
        }
    }

    /// The elements of an array, or nil.
    public var array: [JSONValue]? {
        if case .array(let elements) = self { return elements }
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

}

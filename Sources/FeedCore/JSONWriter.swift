/// A minimal streaming JSON writer with deterministic key order, for output whose shape
/// is a documented contract (`feedspool parse --json`).
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var needsComma = [false]

    public init() {
        bytes.reserveCapacity(4096)
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func beginObject(_ key: String? = nil) { open(key, 0x7B) }
    public mutating func endObject() { close(0x7D) }
    public mutating func beginArray(_ key: String? = nil) { open(key, 0x5B) }
    public mutating func endArray() { close(0x5D) }

    public mutating func string(_ key: String?, _ value: String?) {
        prefix(key)
        if let value { writeString(value) } else { bytes.append(contentsOf: "null".utf8) }
    }

    public mutating func int(_ key: String?, _ value: Int64?) {
        prefix(key)
        bytes.append(contentsOf: (value.map { String($0) } ?? "null").utf8)
    }

    public mutating func bool(_ key: String?, _ value: Bool?) {
        prefix(key)
        bytes.append(contentsOf: (value.map { $0 ? "true" : "false" } ?? "null").utf8)
    }

    /// Writes a value read by `JSONValue` (numbers keep their text).
    public mutating func value(_ key: String?, _ json: JSONValue) {
        switch json {
        case .null: raw(key, "null")
        case .bool(let flag): bool(key, flag)
        case .number(let number): raw(key, number)
        case .string(let text): string(key, text)
        case .array(let elements):
            beginArray(key)
            for element in elements { value(nil, element) }
            endArray()
        case .object(let members):
            beginObject(key)
            for (name, element) in members { value(name, element) }
            endObject()
        }
    }

    /// Writes an already-encoded JSON value.
    public mutating func raw(_ key: String?, _ json: String) {
        prefix(key)
        bytes.append(contentsOf: json.utf8)
    }

    private mutating func open(_ key: String?, _ bracket: UInt8) {
        prefix(key)
        bytes.append(bracket)
        needsComma.append(false)
    }

    private mutating func close(_ bracket: UInt8) {
        needsComma.removeLast()
        bytes.append(bracket)
    }

    private mutating func prefix(_ key: String?) {
        if needsComma[needsComma.count - 1] { bytes.append(0x2C) }
        needsComma[needsComma.count - 1] = true
        if let name = key {
            writeString(name)
            bytes.append(0x3A)
        }
    }

    private mutating func writeString(_ text: String) {
        bytes.append(0x22)
        for byte in text.utf8 {
            switch byte {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
            case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
            case 0..<0x20, 0x7F:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(0x22)
    }
}

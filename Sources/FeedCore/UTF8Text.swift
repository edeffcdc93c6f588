/// Text held as its UTF-8 bytes rather than as a `String`.
///
/// HTML fields travel from the feed parser to the HTML converter in this form: both ends
/// read bytes, and making a `String` of every article body on the way would validate and
/// copy its UTF-8 once more on the parse's hot path. The bytes are meant to
/// be UTF-8; where they are not, `string` repairs them as `String(decoding:as:)` does.
public struct UTF8Text: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(_ string: String) {
        bytes = Array(string.utf8)
    }

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// A copy of `buffer`, sized to it. (Taking a reused buffer's array itself would keep
    /// its whole capacity alive and make its owner's next `removeAll(keepingCapacity:)`
    /// allocate a new one.)
    public init(copying buffer: UnsafeBufferPointer<UInt8>) {
        bytes = Array(buffer)
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    public var isEmpty: Bool { bytes.isEmpty }

    /// The text as a string (ill-formed UTF-8 repaired).
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public var description: String { string }
}

extension UInt8 {
    /// XML's white space (space, tab, line feed, carriage return): what XML, feeds and
    /// the dates in them separate words and trim with. The one definition of it.
    @inlinable @inline(__always)
    public var isXMLSpace: Bool { self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0D }
}

/// Why a document could not be read as a feed at all. Recoverable problems are not
/// errors: they come back as `ParsedFeed.warnings` beside the items.
public enum FeedParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No bytes, or only white space.
    case empty
    /// A document of another kind (an HTML page, other XML, a binary file).
    case notAFeed(String)
    /// A JSON document that does not parse.
    case invalidJSON(String)
    /// The document is larger than the parser was allowed to read.
    case tooLarge(limit: Int)

    public var description: String {
        switch self {
        case .empty: return "empty document: not a feed"
        case .notAFeed(let why): return "not a feed: \(why)"
        case .invalidJSON(let why): return "invalid JSON: \(why)"
        case .tooLarge(let limit): return "document larger than \(limit) bytes"
        }
    }
}

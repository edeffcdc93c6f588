import FeedCore
import FeedParser
import Foundation
import TestSupport
import Testing

/// Paths of the test fixtures, read from the source tree.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func files(_ folder: String) -> [String] {
        let dir = root.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.contains(".expected.") }.sorted()
    }

    static func bytes(_ folder: String, _ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: root.appendingPathComponent(folder).appendingPathComponent(name)))
    }

    static var seed: [UInt8] {
        get throws { Array(try Data(contentsOf: packageRoot.appendingPathComponent("seeds/000_7f45605db6789ef2.txt"))) }
    }
}

enum Chunking: CustomStringConvertible, CaseIterable {
    case whole, byteByByte, random

    var description: String {
        switch self {
        case .whole: return "whole"
        case .byteByByte: return "byte by byte"
        case .random: return "random chunks"
        }
    }

    /// Parses `bytes` fed in this chunking.
    func parse(_ bytes: [UInt8], options: FeedParserOptions = FeedParserOptions()) throws(FeedParseError) -> ParsedFeed {
        let p = StreamingFeedParser(options: options)
        switch self {
        case .whole:
            p.feed(bytes)
        case .byteByByte:
            for b in bytes { p.feed([b]) }
        case .random:
            var rng = SplitMix64(state: UInt64(bytes.count))
            var i = 0
            while i < bytes.count {
                let n = min(bytes.count - i, Int.random(in: 1...700, using: &rng))
                p.feed(Array(bytes[i..<(i + n)]))
                i += n
            }
        }
        return try p.finish()
    }
}

/// Everything observable about a parse, as text: the JSON object and the articles.
func render(_ feed: ParsedFeed, feedKey: String) -> (json: String, articles: String) {
    var converter = HTMLToText()
    let json = feed.json(using: &converter, feedKey: feedKey)
    var builder = ArticleBuilder(converter: converter)
    var text = ""
    let firstSeen = FeedDate(secondsSinceEpoch: 1_700_000_000)  // fixed: 2023-11-14
    for (seq, (item, identity)) in zip(feed.items, ItemIdentity.assign(to: feed.items)).enumerated() {
        let id = ArticleID.make(feedKey: feedKey, identity: identity)
        let a = builder.article(for: item, id: id, firstSeen: firstSeen)
        text += "==> \(Article.fileName(seq: seq, id: id)) <==\n\(a.rendered)\n\n"
    }
    return (json, text)
}

import FeedCore
import FeedParser
import Testing

/// Every dialect that carries the seed article must render it byte for byte.
@Suite struct SeedGoldenTests {
    static let cases: [(String, Chunking)] = Fixtures.files("seed").flatMap { f in Chunking.allCases.map { (f, $0) } }

    @Test(arguments: cases)
    func rendersTheSeed(_ c: (String, Chunking)) throws {
        let feed = try c.1.parse(try Fixtures.bytes("seed", c.0))
        #expect(feed.items.count == 1)
        guard let item = feed.items.first else { return }
        var builder = ArticleBuilder(converter: HTMLToText())
        let article = builder.article(for: item, id: "7f45605db6789ef2", firstSeen: FeedDate(secondsSinceEpoch: 0))
        let expected = try Fixtures.seed
        let actual = Array(article.rendered.utf8)
        #expect(actual == expected, "\(c.0) fed \(c.1)")
        if actual != expected, let i = zip(actual, expected).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            Issue.record("first difference at byte \(i): \(String(decoding: actual[max(0, i - 40)..<min(actual.count, i + 40)], as: UTF8.self))")
        }
    }
}

import FeedCore
import FeedParser

/// One feed document: parsed in two pieces (split at the offset the first byte picks, so the
/// fuzzer explores chunk boundaries too), then rendered as articles (HTML → text included).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFeed(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let first = bytes.first else { return 0 }
    let body = UnsafeBufferPointer(rebasing: bytes[1...])
    let split = body.isEmpty ? 0 : Int(first) % (body.count + 1)
    let parser = StreamingFeedParser(options: FeedParserOptions(baseURL: "https://fuzz.example/feed", maxBytes: 4 << 20))
    parser.feed(UnsafeBufferPointer(rebasing: body[..<split]))
    parser.feed(UnsafeBufferPointer(rebasing: body[split...]))
    guard let feed = try? parser.finish() else { return 0 }
    var converter = HTMLToText()
    let articles = feed.articles(feedKey: "https://fuzz.example/feed", firstSeen: FeedDate(secondsSinceEpoch: 0), using: &converter)
    for a in articles {
        // The article format: never a NUL, never a CR, never an empty title line.
        precondition(!a.rendered.utf8.contains(0), "NUL in an article")
        precondition(!a.rendered.utf8.contains(0x0D), "CR in an article")
    }
    return 0
}

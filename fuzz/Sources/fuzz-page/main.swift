import FeedExtract
import FeedParser

/// Page bytes → charset, the page tree, extraction, the full-text rules. Nothing may
/// crash; an article, when one is found, must hold text and say where it came from.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPage(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let page = PageParser.parse(bytes, contentType: size % 3 == 0 ? "text/html; charset=iso-8859-1" : nil)
    if let article = try? ArticleExtractor.extract(page.tree, url: "https://fuzz.example/") {
        precondition(!article.body.isEmpty && !article.source.isEmpty, "an article without text or source")
        precondition(article.confidence >= 0 && article.confidence <= 1, "confidence outside 0…1")
        _ = Plausibility.check(pageText: article.body, title: article.title, feedText: String(article.body.prefix(200)))
    }
    let text = String(decoding: bytes.prefix(4096), as: UTF8.self)
    _ = TeaserRule.judge(title: nil, text: text)
    _ = RobotsTxt(text: text).allows("/" + text.prefix(64), agent: "feedspool/1.0")
    return 0
}

import FeedCore
import Testing

@Suite struct JSONValueTests {
    func parse(_ s: String) throws(JSONValue.SyntaxError) -> JSONValue { try JSONValue.parse(Array(s.utf8)) }

    @Test func readsEveryKindOfValue() throws {
        let v = try parse(#" { "a": [1, -2.5e3, true, false, null], "b": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "c": {} , "d": [] } "#)
        #expect(v["a"] == .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null]))
        #expect(v["b"]?.string == "x\"\\/\u{8}\u{C}\n\r\té😀")
        #expect(v["c"] == .object([]))
        #expect(v["d"]?.array?.isEmpty == true)
        #expect(v["missing"] == nil)
        #expect(try parse(#"{"k":1,"k":2}"#)["k"] == .number("2"))  // the last of a repeated name
        #expect(try parse(#""caf\u00E9 東京""#).string == "café 東京")
        #expect(try parse(#"12"#).int64 == 12 && parse(#""12""#).int64 == 12 && parse("1.0e2").int64 == 100)
        #expect(try parse(#""\ud800x""#).string == "\u{FFFD}x")  // a lone surrogate is replaced
    }

    @Test(arguments: [
        ("", "the document ends where a value should be at byte 0"),
        ("{", "the document ends inside an object at byte 1"),
        ("{\"a\" 1}", "expected ':' after a member name at byte 5"),
        ("[1,]", "unexpected character ']' at byte 3"),
        ("[1 2]", "expected ',' or ']' in an array at byte 3"),
        ("{a:1}", "an object member needs a quoted name at byte 1"),
        ("01", "text after the JSON value at byte 1"),
        ("-", "a number needs digits at byte 1"),
        ("1.", "a fraction needs digits at byte 2"),
        ("1e+", "an exponent needs digits at byte 3"),
        ("\"a\u{1}\"", "a control character inside a string must be escaped at byte 2"),
        ("\"\\x\"", "unknown escape '\\x' at byte 2"),
        ("\"\\u12\"", "the document ends inside a \\u escape at byte 3"),
        ("\"\\u12x4\"", "a \\u escape needs four hex digits at byte 5"),
        ("tru", "the document ends inside 'true' at byte 0"),
        ("nul!", "unexpected character '!' at byte 3"),
        ("\"abc", "the document ends inside a string at byte 4"),
        ("{} {}", "text after the JSON value at byte 3"),
    ])
    func errorsSayWhatAndWhere(_ c: (String, String)) {
        do {
            _ = try parse(c.0)
            Issue.record("\(c.0.debugDescription) parsed")
        } catch {
            #expect(error.description == c.1, "\(c.0.debugDescription)")
        }
    }

    @Test func invalidUTF8AndDepthAreRefused() {
        #expect(throws: JSONValue.SyntaxError.self) { try JSONValue.parse([0x22, 0xFF, 0x22]) }
        let deep = String(repeating: "[", count: JSONValue.maxDepth + 1) + String(repeating: "]", count: JSONValue.maxDepth + 1)
        #expect(throws: JSONValue.SyntaxError.self) { try parse(deep) }
        let ok = String(repeating: "[", count: JSONValue.maxDepth) + String(repeating: "]", count: JSONValue.maxDepth)
        #expect((try? parse(ok)) != nil)
    }

    /// The control protocol's requests as the client writes them and the daemon reads them;
    /// answers as the daemon writes them and the client reads them; values written back as
    /// they were read (what `--json` prints).
    @Test func controlRequestsAndAnswersRoundTrip() throws {
        let poll = ControlProtocol.Request("poll", feeds: ["https://a.example/feed?q=\"1\""])
        #expect(poll.encoded == #"{"v":1,"cmd":"poll","feeds":["https://a.example/feed?q=\"1\""]}"#)
        #expect(try ControlProtocol.decode(Array(poll.encoded.utf8)) == poll)
        let show = ControlProtocol.Request("show", article: "12")
        #expect(try ControlProtocol.decode(Array(show.encoded.utf8)) == show)
        #expect(try ControlProtocol.answer(Array(ControlProtocol.success(#"{"n":1.5}"#).utf8)) == .success(.object([("n", .number("1.5"))])))
        #expect(try ControlProtocol.answer(Array(ControlProtocol.failure("busy", "too many").utf8)) == .failure(code: "busy", message: "too many"))
        let text = #"{"a":[1,true,null,"x\ny\u0001"],"b":{"c":-2.5e3},"d":[]}"#
        #expect(try JSONValue.parse(Array(text.utf8)).encoded == text)
    }
}

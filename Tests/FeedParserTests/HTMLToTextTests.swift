import FeedParser
import Testing

@Suite struct HTMLToTextTests {
    func text(_ html: String) -> String {
        var c = HTMLToText()
        return c.text(fromHTML: html)
    }

    @Test(arguments: [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("plain text, no markup", "plain text, no markup"),
        ("a &amp; b &lt;c&gt; &#8217; &nbsp;x&nbsp;&nbsp;y", "a & b <c> ’ x y"),
        ("<div>a<div>b</div>c</div>", "a\n\nb\n\nc"),
        ("one<br>two<br/><br />three", "one two\n\nthree"),
        ("<h1>Head</h1>text <em>em</em> <strong>strong</strong>", "Head\n\ntext em strong"),
        ("<ul><li>a</li><li>b</li></ul>", "a\n\nb"),
        ("<p>x<script>alert('no')</script><style>p{}</style>y</p>", "xy"),
        ("<p>a<iframe src=x>frame text</iframe><noscript>ns</noscript><svg><text>s</text></svg>b</p>", "ab"),
        ("<p>img <img src='x.png' alt='alt text'> gone</p>", "img gone"),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\n\nc"),
        ("<pre>  code\n   block  </pre>after", "code block\n\nafter"),
        ("<blockquote>q</blockquote><hr>after<figure><img><figcaption>cap</figcaption></figure>", "q\n\nafter\n\ncap"),
        ("<dl><dt>term</dt><dd>def</dd></dl>", "term\n\ndef"),
        // Void elements never swallow what follows them, known to libxml2 or not.
        ("<p>a <embed src=x.swf> b</p><p>c</p>", "a b\n\nc"),
        ("<p>a<embed src=x>b <source src=y>c<track src=z>d<wbr>e<param name=p>f<img src=i>g</p>", "ab cdefg"),
        ("<video><source src=v.mp4>fallback</video>after <keygen>kept", "after kept"),
        // C1 code points written as references or raw mean windows-1252, as in HTML5.
        ("&#147;Quoted&#148; it&#146;s &#150; &#128;5&#133; &#x93;hex&#X94;", "“Quoted” it’s – €5… “hex”"),
        ("<p>raw \u{93}q\u{94} \u{85}</p>", "raw “q” …"),
        ("<p>unclosed <b>bold <p>next", "unclosed bold\n\nnext"),
        ("<p></p><p> </p><p>only</p>", "only"),
        ("<form><input value=x>form text</form>kept", "kept"),
        ("caf\u{E9} \u{201C}quotes\u{201D}", "caf\u{E9} \u{201C}quotes\u{201D}"),
        ("<p>caf\u{E9} na\u{EF}ve</p>", "caf\u{E9} na\u{EF}ve"),
        ("<html><head><title>T</title></head><body><p>b</p></body></html>", "b"),
        // Text after an element outside any block stays in its paragraph (libxml2 would
        // open a <p> of its own there).
        ("<b>x</b>y", "xy"),
        ("<a href='/a'>Read</a> more <i>here</i>, then <br>on", "Read more here, then on"),
        ("<img src=x.png>caption", "caption"),
        ("<i>a</i> <i>b</i> c", "a b c"),
        ("a<p>b</p>c", "a\n\nb\n\nc"),
        ("<p class=\"x\">a</p>b", "a\n\nb"),
        ("<P>a</P><p\nid=2>b", "a\n\nb"),
        ("a</p>b", "a\n\nb"),
        // The text is UTF-8 whatever a fragment's own markup claims.
        ("<meta charset=\"iso-8859-1\"><p>caf\u{E9} \u{6771}</p>", "caf\u{E9} \u{6771}"),
        ("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\">na\u{EF}ve", "na\u{EF}ve"),
    ])
    func converts(_ c: (String, String)) {
        #expect(text(c.0) == c.1, "\(c.0)")
    }

    @Test func contextIsReusedCleanly() {
        var c = HTMLToText()
        for i in 0..<200 {
            #expect(c.text(fromHTML: "<p>n\(i)</p><script>x") == "n\(i)")
        }
    }
}

#!/usr/bin/env python3
"""feedspool's own deterministic feed corpus (stdlib only).

    python3 bench/make-corpus.py --out DIR [--feeds 2000] [--seed 1]

Writes DIR/NNNNN.xml (RSS 2.0 with content:encoded or escaped descriptions, Atom 1.0 with
html or xhtml content, RSS 1.0) plus DIR/manifest.tsv (file, format, items, bytes). Feed
sizes are heavy-tailed (a few large archive feeds, most around 50-150 KB), bodies mix short
summaries and long articles with the markup real feeds carry (paragraphs, headings, links,
images, scripts, entities, non-ASCII text). The same arguments always give the same bytes.
"""
import argparse, html, os, random

WORDS = ("the of and to in a is that for on was with he it as at by from his an be has have are "
         "this but not they were which had one their all been who its new more year after would "
         "government minister city council report market company percent million officials police "
         "court state election results data climate energy price school health project budget tax "
         "week analysis research team season league match water river bridge policy economy bank "
         "investors shares revenue growth software release version developers users security").split()
INTL = "café naïve résumé Zürich São Kraków Ελλάδα Москва 東京 北京 Malmö Düsseldorf Łódź İstanbul Straße Dvořák".split()
PUNCT = ["\u2019", "\u201c", "\u201d", "\u2013", "\u2014", "\u2026", "\u00a0"]
ENTS = ["&amp;", "&#8217;", "&#8220;", "&#8221;", "&mdash;", "&nbsp;", "&hellip;", "&eacute;", "&#x2019;"]

def sentence(r, intl):
    n = r.randint(6, 22)
    ws = [r.choice(INTL) if intl and r.random() < 0.08 else r.choice(WORDS) for _ in range(n)]
    if r.random() < 0.3: ws.insert(r.randrange(len(ws)), r.choice(PUNCT))
    s = " ".join(ws)
    return s[0].upper() + s[1:] + "."

def para(r, intl, markup):
    text = " ".join(sentence(r, intl) for _ in range(r.randint(1, 5)))
    text = html.escape(text, quote=False)
    if markup and r.random() < 0.5:
        w = text.split(" ")
        i = r.randrange(len(w))
        w[i] = '<a href="https://example.com/%d">%s</a>' % (r.randint(1, 99999), w[i])
        if r.random() < 0.4:
            j = r.randrange(len(w)); w[j] = "<em>%s</em>" % w[j]
        if r.random() < 0.3:
            j = r.randrange(len(w)); w[j] = w[j] + " " + r.choice(ENTS)
        text = " ".join(w)
    return text

def body(r, intl, full, xhtml=False):
    n = r.randint(3, 10) if full else r.randint(1, 2)
    out = []
    for k in range(n):
        if full and k and r.random() < 0.15:
            out.append("<h2>%s</h2>" % html.escape(sentence(r, intl)[:-1], quote=False))
        out.append("<p>%s</p>" % para(r, intl, True))
        if full and r.random() < 0.08:
            out.append('<img src="https://cdn.example.com/%d.jpg" alt="photo"%s>' % (r.randint(1, 9999), "/" if xhtml else ""))
        if full and not xhtml and r.random() < 0.04:
            out.append("<script>window.track && track(%d);</script>" % r.randint(1, 999))
    s = "\n".join(out)
    if xhtml:
        for e, n in (("&mdash;", "&#8212;"), ("&nbsp;", "&#160;"), ("&hellip;", "&#8230;"), ("&eacute;", "&#233;")):
            s = s.replace(e, n)
    return s

def date(r, rfc822):
    y, mo, d, h, mi, s = 2024, r.randint(1, 12), r.randint(1, 28), r.randint(0, 23), r.randint(0, 59), r.randint(0, 59)
    if rfc822:
        mon = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()[mo - 1]
        return "Mon, %02d %s %d %02d:%02d:%02d %s" % (d, mon, y, h, mi, s, r.choice(["GMT", "+0000", "-0500", "+0100", "EST", "PDT"]))
    return "%d-%02d-%02dT%02d:%02d:%02d%s" % (y, mo, d, h, mi, s, r.choice(["Z", "+01:00", "-05:00", "+09:00"]))

def feed(i, r):
    fmt = r.choices(["rss2", "atom", "rdf"], [55, 32, 13])[0]
    intl = r.random() < 0.3
    items = r.randint(20, 100)
    full = r.random() < 0.45
    if r.random() < 0.01: items, full = r.randint(300, 900), True  # an archive feed
    host = "https://site%d.example.com" % i
    t = lambda: html.escape(sentence(r, intl)[:-1], quote=False)
    if fmt == "rss2":
        escaped = r.random() < 0.35
        head = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
                '<title>%s</title>\n<link>%s/</link>\n<atom:link href="%s/feed" rel="self"/>\n<description>%s</description>\n<language>en</language>\n' % (t(), host, host, t()))
        parts = [head]
        for k in range(items):
            b = body(r, intl, full)
            parts.append("<item>\n<title>%s</title>\n<link>%s/p/%d</link>\n<guid isPermaLink=\"false\">%s-%d</guid>\n<pubDate>%s</pubDate>\n<dc:creator>%s</dc:creator>\n<category>%s</category>\n"
                         % (t(), host, k, host, k, date(r, True), r.choice(WORDS).title(), r.choice(WORDS)))
            if escaped:
                parts.append("<description>%s</description>\n" % html.escape(b, quote=False))
            else:
                parts.append("<description><![CDATA[%s]]></description>\n" % body(r, intl, False))
                if full: parts.append("<content:encoded><![CDATA[%s]]></content:encoded>\n" % b)
            parts.append("</item>\n")
        parts.append("</channel>\n</rss>\n")
    elif fmt == "atom":
        xhtml = r.random() < 0.35
        parts = ['<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n<title>%s</title>\n<id>%s/</id>\n'
                 '<updated>%s</updated>\n<link href="%s/"/>\n' % (t(), host, date(r, False), host)]
        for k in range(items):
            b = body(r, intl, full, xhtml)
            parts.append("<entry>\n<title>%s</title>\n<id>tag:%s,2024:%d</id>\n<link href=\"%s/e/%d\"/>\n<published>%s</published>\n<updated>%s</updated>\n<author><name>%s</name></author>\n"
                         % (t(), host[8:], k, host, k, date(r, False), date(r, False), r.choice(WORDS).title()))
            if xhtml:
                parts.append('<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">%s</div></content>\n' % b)
            else:
                parts.append('<content type="html">%s</content>\n' % html.escape(b, quote=False))
            parts.append("</entry>\n")
        parts.append("</feed>\n")
    else:
        parts = ['<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" '
                 'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">\n'
                 '<channel rdf:about="%s/"><title>%s</title><link>%s/</link><description>%s</description></channel>\n' % (host, t(), host, t())]
        for k in range(items):
            parts.append('<item rdf:about="%s/r/%d">\n<title>%s</title>\n<link>%s/r/%d</link>\n<dc:date>%s</dc:date>\n<description>%s</description>\n'
                         % (host, k, t(), host, k, date(r, False), html.escape(body(r, intl, False), quote=False)))
            if full: parts.append("<content:encoded><![CDATA[%s]]></content:encoded>\n" % body(r, intl, True))
            parts.append("</item>\n")
        parts.append("</rdf:RDF>\n")
    return fmt, items, "".join(parts).encode("utf-8")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--feeds", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    total = items_total = 0
    with open(os.path.join(a.out, "manifest.tsv"), "w") as m:
        m.write("file\tformat\titems\tbytes\n")
        for i in range(a.feeds):
            fmt, items, data = feed(i, random.Random(a.seed * 1_000_003 + i))
            name = "%05d.xml" % i
            with open(os.path.join(a.out, name), "wb") as f: f.write(data)
            m.write("%s\t%s\t%d\t%d\n" % (name, fmt, items, len(data)))
            total += len(data); items_total += items
    print("corpus: %d feeds, %d items, %.1f MB in %s" % (a.feeds, items_total, total / 1e6, a.out))

if __name__ == "__main__":
    main()

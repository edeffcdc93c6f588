import CByteScan
import FeedCore

#if canImport(Glibc)
    import Glibc
#endif

// Where the repaired bytes go: the chunk itself while nothing needs mending, else the
// output, or behind a marker into the text set aside.
extension XMLRepair {
    /// Hands on the repaired form of `p` (the part of the chunk `step` used).
    mutating func emit(_ p: UnsafeBufferPointer<UInt8>, isFinal: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        if diverting, let aside {
            // The chunk ends inside a section being set aside: what came of it so far goes
            // out as a piece. A ']' or two at its end may start the section's "]]>", so
            // they wait with the next piece. At the document's end the section stays open
            // for libxml2 too, as it was.
            flush(p, to: p.count)
            if isFinal {
                if aside.openCount > 0 { appendMarker(aside.close()) } else { aside.endSection() }
                output.append(contentsOf: Self.cdataOpen)
                diverting = false
            } else {
                let keep = min(run, 2)
                if aside.openCount > keep { appendMarker(aside.close(keeping: keep, continues: true)) }
            }
        }
        if output.isEmpty && verbatimStart == 0 {
            body(p)
            return
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: p[verbatimStart...]))
        output.withUnsafeBufferPointer { body($0) }
        output.removeAll(keepingCapacity: true)
        verbatimStart = 0
    }

    static let cdataOpen: [UInt8] = Array("<![CDATA[".utf8)

    static let cdataClose: [UInt8] = Array("]]>".utf8)

    /// Moves `p[verbatimStart..<end]` to where the bytes go now: the output, or the CDATA
    /// content being set aside.
    mutating func flush(_ p: UnsafeBufferPointer<UInt8>, to end: Int) {
        let span = UnsafeBufferPointer(rebasing: p[verbatimStart..<end])
        if diverting, let aside {
            aside.append(span)
        } else {
            if output.isEmpty { output.reserveCapacity(p.count + 64) }
            output.append(contentsOf: span)
        }
        verbatimStart = end
    }

    /// Writes the marker of a run just closed: `<![CDATA[number]]>`, with the run's line feeds
    /// before the `]]>`.
    mutating func appendMarker(_ run: (number: Int, lineFeeds: Int)) {
        let number = run.number
        output.append(contentsOf: Self.cdataOpen)
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { d in
            var v = number
            var k = d.count
            repeat {
                k -= 1
                d[k] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                v /= 10
            } while v > 0
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[k...]))
        }
        if run.lineFeeds > 0 { output.append(contentsOf: repeatElement(0x0A, count: run.lineFeeds)) }
        output.append(contentsOf: Self.cdataClose)
    }

    /// Sets the text `p[start..<end]` aside behind a marker, unless it holds a CR (which
    /// libxml2 would turn into LF) or a `]` (part of a `]]>` libxml2 reports in text).
    /// With `decoding`, its references (all of them `plainReference`s) go aside as the
    /// characters libxml2 would have reported for them.
    mutating func setAside(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, decoding: Bool) {
        guard let aside, let base = p.baseAddress else { return }
        let run = UnsafeBufferPointer(rebasing: p[start..<end])
        guard fs_scan(base, end, start, 0, 0x0D, 0x5D, 0x0D, 0x5D) == end else { return }
        flush(p, to: start)
        if decoding {
            var at = start
            while at < end, let found = memchr(base + at, 0x26, end - at) {
                let amp = UnsafeRawPointer(found) - UnsafeRawPointer(base)
                aside.append(UnsafeBufferPointer(rebasing: p[at..<amp]))
                // The run holds only references `plainReference` reads.
                guard let reference = Self.plainReference(p, amp) else { break }
                UTF8Check.withEncoding(reference.value) { aside.append($0) }
                at = amp + reference.length
            }
            aside.append(UnsafeBufferPointer(rebasing: p[at..<end]))
        } else {
            aside.append(run)
        }
        appendMarker(aside.close())
        verbatimStart = end
    }

    /// Replaces `p[i..<(i + length)]` by `bytes` in the output.
    mutating func replace(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, length: Int, with bytes: some Collection<UInt8>) {
        flush(p, to: i)
        if diverting, let aside {
            Array(bytes).withUnsafeBufferPointer { aside.append($0) }
        } else {
            output.append(contentsOf: bytes)
        }
        verbatimStart = i + length
    }
}

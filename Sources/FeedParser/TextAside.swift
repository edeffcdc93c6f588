import FeedCore

#if canImport(Glibc)
    import Glibc
#endif

/// Text the repair pass takes out of the document on its way to libxml2, each run standing
/// in the stream as a marker: a CDATA section holding the run's number and one line feed for
/// each line feed of the run (`<![CDATA[17\n\n]]>`), so that libxml2 still counts the
/// document's lines right in its messages.
/// When libxml2 reports the marker, the feed parser hands the builder the run itself.
///
/// Why: libxml2's push parser reads a CDATA section in three byte-at-a-time passes (the
/// search for its end, a UTF-8 check, a skip counting columns) and text one character at a
/// time; a marker costs it a few bytes. The builder receives the same characters at the same
/// place in the event stream, so nothing downstream can tell.
///
/// Runs live here only until libxml2 reaches their markers, which it does in the same
/// `xmlParseChunk` call (a marker is always handed over whole): `compact()` after each call
/// keeps this to about one chunk.
final class TextAside {
    struct Run {
        var start: Int
        var count: Int
        /// True for a piece of a CDATA section cut at a chunk's end: the next run goes on
        /// with the same section.
        var continues: Bool
    }

    /// The runs' bytes, one after another; the run being collected last.
    private(set) var bytes: [UInt8] = []
    /// Runs set aside and not yet handed over (or given up), oldest first.
    private(set) var runs: [Run] = []
    /// `runs[..<head]` were handed over.
    private var head = 0
    /// The number of `runs[0]`.
    private var firstNumber = 0
    /// Where the run being collected starts in `bytes`.
    private var openStart = 0

    /// Beyond this many bytes of runs that libxml2 did not reach (it stopped reading the
    /// document: a fatal error, or the end of the root element), they are given up.
    static let unreadLimit = 1 << 20

    /// Bytes collected for the run not yet closed.
    var openCount: Int { bytes.count - openStart }

    /// Adds bytes to the run being collected.
    func append(_ p: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: p)
    }

    /// Removes the last `k` bytes collected (a CDATA section's `]]`).
    func dropLast(_ k: Int) {
        bytes.removeLast(min(k, openCount))
    }

    /// Closes the run being collected but for its last `keeping` bytes, which start the
    /// next one; returns its number and how many line feeds it holds.
    func close(keeping: Int = 0, continues: Bool = false) -> (number: Int, lineFeeds: Int) {
        let end = bytes.count - keeping
        runs.append(Run(start: openStart, count: end - openStart, continues: continues))
        let lineFeeds = bytes.withUnsafeBufferPointer { Self.lineFeeds(in: UnsafeBufferPointer(rebasing: $0[openStart..<end])) }
        openStart = end
        return (firstNumber + runs.count - 1, lineFeeds)
    }

    /// The number of LF bytes in `p`. Line feeds are sparse in text (one a paragraph or a
    /// line), so libc's vectorized memchr from one to the next beats counting every byte.
    static func lineFeeds(in p: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = p.baseAddress else { return 0 }
        var count = 0
        var at = UnsafeRawPointer(base)
        let end = at + p.count
        while at < end, let lf = memchr(at, 0x0A, end - at) {
            count += 1
            at = UnsafeRawPointer(lf) + 1
        }
        return count
    }

    /// Marks the end of a CDATA section whose last piece was empty: the piece before it
    /// (if still here) ends the section.
    func endSection() {
        if let last = runs.indices.last, runs[last].continues { runs[last].continues = false }
    }

    /// Calls `body` with the run a marker's content names and returns true; false when the
    /// content is no marker of a run still here. Runs before it that libxml2 skipped are
    /// given up.
    func take(marker: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) -> Bool {
        // Digits, then line feeds only.
        var n = 0
        var k = 0
        while k < marker.count, k < 18, marker[k] >= 0x30 && marker[k] <= 0x39 {
            n = n * 10 + Int(marker[k] - 0x30)
            k += 1
        }
        guard k > 0 else { return false }
        while k < marker.count, marker[k] == 0x0A { k += 1 }
        guard k == marker.count else { return false }
        let index = n - firstNumber
        guard index >= head, index < runs.count else { return false }
        head = index + 1
        let run = runs[index]
        bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[run.start..<(run.start + run.count)])) }
        return true
    }

    /// Forgets the runs handed over (and, past `unreadLimit`, those libxml2 will not reach),
    /// keeping the run being collected.
    func compact() {
        var done = head
        if head < runs.count && runs[head...].reduce(0, { $0 + $1.count }) > Self.unreadLimit {
            done = runs.count
        }
        guard done > 0 else { return }
        let cut = done < runs.count ? runs[done].start : openStart
        firstNumber += done
        runs.removeFirst(done)
        head = 0
        bytes.removeSubrange(0..<cut)
        openStart -= cut
        for k in runs.indices { runs[k].start -= cut }
    }
}

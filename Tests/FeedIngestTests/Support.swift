import FeedConfig
import FeedCore
import FeedIngest
import FeedParser
import FeedSpool
import FeedStore
import Foundation
import TestSupport
import Testing

/// A clock the test moves.
final class TestClock: Sendable {
    private let value: Locked<Int64>
    init(_ start: Int64 = 1_733_400_000) { value = Locked(start) }
    var now: Int64 { value.withLock { $0 } }
    func advance(_ seconds: Int64) { value.withLock { $0 += seconds } }
    var function: @Sendable () -> Int64 { { self.now } }
}

struct TestItem {
    var guid: String?
    var link: String?
    var title: String
    var body: String
    var date: String = "Thu, 05 Dec 2024 09:00:00 GMT"
}

/// An RSS 2.0 document of these items.
func rss(_ items: [TestItem], title: String = "Feed") -> String {
    func esc(_ s: String) -> String { s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;") }
    var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>\(esc(title))</title><link>https://example.com/</link>\n"
    for i in items {
        s += "<item><title>\(esc(i.title))</title>"
        if let l = i.link { s += "<link>\(esc(l))</link>" }
        if let g = i.guid { s += "<guid isPermaLink=\"false\">\(esc(g))</guid>" }
        s += "<pubDate>\(i.date)</pubDate><description>\(esc("<p>" + i.body + "</p>"))</description></item>\n"
    }
    return s + "</channel></rss>\n"
}

func parsed(_ text: String) throws -> ParsedFeed {
    try FeedParser.parse(Array(text.utf8))
}

/// Where a test's state is kept: the suites of ingest and delivery run against both.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// Points `config` at a new, empty state of this kind.
    func configure(_ config: inout Config, tag: String) throws {
        switch self {
        case .sqlite:
            config.stateURL = nil
        case .postgres:
            let cluster = try PostgresCluster.shared()
            config.stateURL = cluster.connectionString(try cluster.createDatabase(tag))
            config.node = "test-node"
        }
    }
}

/// A spool and state in a fresh temporary directory (and, for PostgreSQL, a new database).
struct Site {
    let dir: URL
    let site: IngestSite
    let clock: TestClock
    let backend: Backend

    init(_ tag: String, backend: Backend = .sqlite, fileSystem: any SpoolFileSystem = PosixFileSystem(), clock: TestClock = TestClock(), configure: (inout Config) -> Void = { _ in }) throws {
        dir = try Binaries.tempDirectory(tag)
        var c = Config(path: dir.path + "/feedspool.toml", spoolDir: dir.path + "/spool", stateDir: dir.path + "/state")
        c.fullText = .never  // the tests of full text say so
        try backend.configure(&c, tag: tag)
        configure(&c)
        self.clock = clock
        self.backend = backend
        site = try IngestSite(config: c, fileSystem: fileSystem, clock: clock.function)
    }

    /// The same site opened again, as after a restart; `losingState`: with its state gone
    /// (deleted, or a new database) and its spool kept.
    init(reopening other: Site, fileSystem: any SpoolFileSystem = PosixFileSystem(), losingState: Bool = false, configure: (inout Config) -> Void = { _ in }) throws {
        dir = other.dir
        clock = other.clock
        backend = other.backend
        var c = other.site.config
        if losingState {
            try? FileManager.default.removeItem(atPath: c.stateDir)
            try backend.configure(&c, tag: "lost")
        }
        configure(&c)
        site = try IngestSite(config: c, fileSystem: fileSystem, clock: clock.function)
    }

    func feed(_ url: String) throws -> FeedRecord {
        try site.store.ensureFeed(key: url, name: nil, now: clock.now)
    }

    @discardableResult
    func ingest(_ url: String, _ doc: String, settings: IngestSettings = IngestSettings()) throws -> IngestReport {
        try site.ingestor.ingest(try parsed(doc), feed: try feed(url), settings: settings, etag: nil, lastModified: nil)
    }

    /// The spool's article files: name → text.
    func spoolFiles() throws -> [String: String] {
        var out: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path + "/spool") where name.hasSuffix(".txt") {
            out[name] = try String(contentsOfFile: dir.path + "/spool/" + name, encoding: .utf8)
        }
        return out
    }

    func staged() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path + "/spool/tmp")
    }
}

/// A filesystem whose disk "fills up": writes fail with ENOSPC once `budget` bytes have been
/// written, until `refill` gives space back. Other operations can be made to fail too.
final class FullDiskFileSystem: SpoolFileSystem, @unchecked Sendable {
    private let real = PosixFileSystem()
    private let lock = NSLock()
    private var budget: Int
    private var failRenames = false
    private var denied = false
    private var failSyncs = false

    init(budget: Int) { self.budget = budget }

    func refill(_ bytes: Int = Int.max / 2) {
        lock.lock(); budget = bytes; failRenames = false; denied = false; failSyncs = false; lock.unlock()
    }

    /// Every file creation fails with EACCES, as in a spool the daemon may not write.
    func denyWrites() { lock.lock(); denied = true; lock.unlock() }

    func breakRenames() { lock.lock(); failRenames = true; lock.unlock() }

    /// Every sync (a batch's write-back, a directory's fsync) fails with EIO, as after a
    /// write-back error: the data written may be lost.
    func breakSyncs() { lock.lock(); failSyncs = true; lock.unlock() }

    /// Takes `count` bytes from the budget: false when the disk is full (the budget is then 0).
    private func take(_ path: String, _ count: Int) throws(SpoolError) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if denied { throw SpoolError("create", path, code: EACCES) }
        let allowed = budget >= count
        if allowed { budget -= count } else { budget = 0 }
        return allowed
    }

    private var syncsFail: Bool { lock.lock(); defer { lock.unlock() }; return failSyncs }

    func writeDurably(_ path: String, _ bytes: UnsafeRawBufferPointer) throws(SpoolError) {
        guard try take(path, bytes.count) else {
            // Like a real full disk: the file exists, partly written, and the write fails.
            try real.writeDurably(path, UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count / 2)]))
            throw SpoolError("write", path, code: ENOSPC)
        }
        try real.writeDurably(path, bytes)
        if syncsFail { throw SpoolError("fsync", path, code: EIO) }
    }

    func beginBatch(_ directory: String) throws(SpoolError) -> SpoolBatch { try real.beginBatch(directory) }

    func write(_ path: String, _ bytes: UnsafeRawBufferPointer, in batch: inout SpoolBatch) throws(SpoolError) {
        guard try take(path, bytes.count) else {
            try real.write(path, UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count / 2)]), in: &batch)
            throw SpoolError("write", path, code: ENOSPC)
        }
        try real.write(path, bytes, in: &batch)
    }

    func endBatch(_ batch: inout SpoolBatch) throws(SpoolError) {
        if syncsFail {
            real.abandon(&batch)
            throw SpoolError("syncfs", batch.directoryPath, code: EIO)
        }
        try real.endBatch(&batch)
    }

    func abandon(_ batch: inout SpoolBatch) { real.abandon(&batch) }

    func rename(_ from: String, _ to: String) throws(SpoolError) {
        lock.lock(); let fail = failRenames; lock.unlock()
        if fail { throw SpoolError("rename", from, code: EIO) }
        try real.rename(from, to)
    }

    func syncDirectory(_ path: String) throws(SpoolError) {
        if syncsFail { throw SpoolError("fsync", path, code: EIO) }
        try real.syncDirectory(path)
    }
    func makeDirectory(_ path: String) throws(SpoolError) { try real.makeDirectory(path) }
    func remove(_ path: String) throws(SpoolError) { try real.remove(path) }
    func exists(_ path: String) -> Bool { real.exists(path) }
    func list(_ path: String) throws(SpoolError) -> [String] { try real.list(path) }
    func freeBytes(_ path: String) -> Int64? { Int64(budget) }
    func read(_ path: String, limit: Int) -> [UInt8]? { real.read(path, limit: limit) }
}

import FeedSpool
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The spool directory on its own: staging, the two ways of making a batch durable,
/// publishing, clearing what a crash left.
@Suite struct SpoolDirectoryTests {
    static func files(_ n: Int) -> [(name: String, text: String)] {
        (0..<n).map { (String(format: "%09d_%016x.txt", $0, $0), "Article \($0)\n") }
    }

    @Test(arguments: [SpoolDirectory.Durability.batched, .perFile])
    func aBatchIsStagedThenPublishedWhole(_ durability: SpoolDirectory.Durability) throws {
        let dir = try Binaries.tempDirectory("spool-\(durability)")
        let spool = try SpoolDirectory(root: dir.path + "/spool")
        var created: [String] = []
        try spool.stage(Self.files(5), durability: durability) { created.append($0) }
        #expect(created == Self.files(5).map(\.name))
        #expect(try spool.articleNames().isEmpty)  // nothing visible before the renames
        for f in Self.files(5) {
            #expect(spool.isStaged(f.name))
            try spool.publish(f.name)
        }
        try spool.syncPublished()
        #expect(try spool.articleNames().sorted() == Self.files(5).map(\.name))
        #expect(spool.readArticle(Self.files(5)[3].name) == "Article 3\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.staging).isEmpty)
    }

    @Test func whatACrashLeftInStagingIsCleared() throws {
        let dir = try Binaries.tempDirectory("spool-clear")
        let spool = try SpoolDirectory(root: dir.path + "/spool")
        try spool.stage(Self.files(2), durability: .batched) { _ in }
        #expect(try spool.clearStaging().count == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.staging).isEmpty)
        #expect(try spool.articleNames().isEmpty)
    }

    /// A write that fails half-way leaves the name it began with the caller, who removes
    /// every file the batch may have left.
    @Test func aFailedWriteNamesEveryFileItBegan() throws {
        let dir = try Binaries.tempDirectory("spool-fail")
        let spool = try SpoolDirectory(root: dir.path + "/spool", fileSystem: FailingAfter(writes: 2))
        var created: [String] = []
        #expect(throws: SpoolError.self) { try spool.stage(Self.files(4), durability: .batched) { created.append($0) } }
        #expect(created.count == 3)  // two written, the third failed after being named
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.staging).count == 2)
        for n in created { spool.discardStaged(n) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.staging).isEmpty)
    }
}

/// The real filesystem whose batch writes fail (EIO) after `writes` of them.
final class FailingAfter: SpoolFileSystem, @unchecked Sendable {
    private let real = PosixFileSystem()
    private let lock = NSLock()
    private var left: Int

    init(writes: Int) { left = writes }

    func write(_ path: String, _ bytes: UnsafeRawBufferPointer, in batch: inout SpoolBatch) throws(SpoolError) {
        lock.lock()
        left -= 1
        let fail = left < 0
        lock.unlock()
        if fail { throw SpoolError("write", path, code: EIO) }
        try real.write(path, bytes, in: &batch)
    }

    func writeDurably(_ path: String, _ bytes: UnsafeRawBufferPointer) throws(SpoolError) { try real.writeDurably(path, bytes) }
    func beginBatch(_ directory: String) throws(SpoolError) -> SpoolBatch { try real.beginBatch(directory) }
    func endBatch(_ batch: inout SpoolBatch) throws(SpoolError) { try real.endBatch(&batch) }
    func abandon(_ batch: inout SpoolBatch) { real.abandon(&batch) }
    func rename(_ from: String, _ to: String) throws(SpoolError) { try real.rename(from, to) }
    func syncDirectory(_ path: String) throws(SpoolError) { try real.syncDirectory(path) }
    func makeDirectory(_ path: String) throws(SpoolError) { try real.makeDirectory(path) }
    func remove(_ path: String) throws(SpoolError) { try real.remove(path) }
    func exists(_ path: String) -> Bool { real.exists(path) }
    func list(_ path: String) throws(SpoolError) -> [String] { try real.list(path) }
    func freeBytes(_ path: String) -> Int64? { real.freeBytes(path) }
    func read(_ path: String, limit: Int) -> [UInt8]? { real.read(path, limit: limit) }
}

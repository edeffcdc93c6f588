import CSystemShims

#if canImport(Glibc)
    import Glibc
#endif

/// A filesystem failure: the operation, the path and the system's reason.
public struct SpoolError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var code: Int32

    public init(_ operation: String, _ path: String, code: Int32) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    public var description: String {
        "\(operation) \(path): \(String(cString: strerror(code)))"
    }

    public var isDiskFull: Bool { code == ENOSPC || code == EDQUOT }
}

/// The few filesystem operations the spool needs. Injected, so tests can make a disk fill
/// up at a chosen byte.
public protocol SpoolFileSystem: Sendable {
    /// Creates (or replaces) `path` with `bytes`, fsyncs it, and closes it.
    func writeDurably(_ path: String, _ bytes: UnsafeRawBufferPointer) throws(SpoolError)
    /// Starts a batch of writes made durable together: opened before the batch's first
    /// write, so that a write-back error of any of them is reported by `endBatch`.
    func beginBatch(_ directory: String) throws(SpoolError) -> SpoolBatch
    /// Creates (or replaces) `path` with `bytes` in `batch`, not yet durable; its descriptor
    /// stays open in the batch until `endBatch`.
    func write(_ path: String, _ bytes: UnsafeRawBufferPointer, in batch: inout SpoolBatch) throws(SpoolError)
    /// Makes every file written in `batch` durable with its directory entry, and closes
    /// them: one write-back of the whole filesystem (`syncfs`), which fails when any
    /// write-back error happened on it since the batch began — one of the batch's files, or
    /// another's: either way the batch is not taken for durable. The batch is closed
    /// either way.
    func endBatch(_ batch: inout SpoolBatch) throws(SpoolError)
    /// Closes a batch that is given up (its files are removed by the caller).
    func abandon(_ batch: inout SpoolBatch)
    func rename(_ from: String, _ to: String) throws(SpoolError)
    /// fsyncs a directory, making the entries created or renamed in it durable.
    func syncDirectory(_ path: String) throws(SpoolError)
    func makeDirectory(_ path: String) throws(SpoolError)
    func remove(_ path: String) throws(SpoolError)
    func exists(_ path: String) -> Bool
    /// The names in a directory (no "." or "..").
    func list(_ path: String) throws(SpoolError) -> [String]
    /// Bytes available to unprivileged users on the filesystem holding `path`.
    func freeBytes(_ path: String) -> Int64?
    /// A whole file, or nil when it cannot be read (gone, unreadable, over `limit` bytes).
    func read(_ path: String, limit: Int) -> [UInt8]?
}

/// The descriptors of a batch of writes (see `SpoolFileSystem.beginBatch`).
public struct SpoolBatch: Sendable {
    /// The directory the batch syncs through (-1 where a test filesystem has none).
    public var directory: Int32
    public var directoryPath: String
    /// Each file written, with its open descriptor (-1 where a test filesystem has none).
    public var files: [(path: String, descriptor: Int32)] = []

    public init(directory: Int32, directoryPath: String) {
        self.directory = directory
        self.directoryPath = directoryPath
    }
}

/// The real filesystem.
public struct PosixFileSystem: SpoolFileSystem {
    public init() {}

    public func beginBatch(_ directory: String) throws(SpoolError) -> SpoolBatch {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SpoolError("open", directory, code: errno) }
        return SpoolBatch(directory: fd, directoryPath: directory)
    }

    public func write(_ path: String, _ bytes: UnsafeRawBufferPointer, in batch: inout SpoolBatch) throws(SpoolError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SpoolError("create", path, code: errno) }
        batch.files.append((path, fd))
        try writeAll(fd, path, bytes)
    }

    public func endBatch(_ batch: inout SpoolBatch) throws(SpoolError) {
        defer { abandon(&batch) }
        // No fsync of each file after it: on this kind of disk each would flush the device's
        // cache again, one after another, which is what the batch is there to avoid.
        guard fs_syncfs(batch.directory) == 0 else { throw SpoolError("syncfs", batch.directoryPath, code: errno) }
    }

    public func abandon(_ batch: inout SpoolBatch) {
        for (_, fd) in batch.files { close(fd) }
        batch.files.removeAll()
        if batch.directory >= 0 { close(batch.directory) }
        batch.directory = -1
    }

    private func writeAll(_ fd: Int32, _ path: String, _ bytes: UnsafeRawBufferPointer) throws(SpoolError) {
        var off = 0
        while off < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + off, bytes.count - off)
            if written < 0 {
                if errno == EINTR { continue }
                throw SpoolError("write", path, code: errno)
            }
            off += written
        }
    }

    public func writeDurably(_ path: String, _ bytes: UnsafeRawBufferPointer) throws(SpoolError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SpoolError("create", path, code: errno) }
        do {
            try writeAll(fd, path, bytes)
        } catch {
            close(fd)
            throw error
        }
        if fsync(fd) != 0 {
            let code = errno
            close(fd)
            throw SpoolError("fsync", path, code: code)
        }
        if close(fd) != 0 && errno != EINTR { throw SpoolError("close", path, code: errno) }
    }

    public func rename(_ from: String, _ to: String) throws(SpoolError) {
        guard Glibc.rename(from, to) == 0 else { throw SpoolError("rename to \(to):", from, code: errno) }
    }

    public func syncDirectory(_ path: String) throws(SpoolError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SpoolError("open", path, code: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SpoolError("fsync", path, code: errno) }
    }

    public func makeDirectory(_ path: String) throws(SpoolError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw SpoolError("mkdir", path, code: errno) }
    }

    public func remove(_ path: String) throws(SpoolError) {
        if unlink(path) != 0 && errno != ENOENT { throw SpoolError("unlink", path, code: errno) }
    }

    public func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    public func list(_ path: String) throws(SpoolError) -> [String] {
        guard let dir = opendir(path) else { throw SpoolError("opendir", path, code: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func read(_ path: String, limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let got = Glibc.read(fd, &chunk, chunk.count)
            if got < 0 { if errno == EINTR { continue } else { return nil } }
            if got == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<got])
            if bytes.count > limit { return nil }
        }
    }

    public func freeBytes(_ path: String) -> Int64? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }
}

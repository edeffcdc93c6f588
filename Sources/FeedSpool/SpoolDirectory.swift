/// The spool: article files `<seq>_<id>.txt` in one directory, staged in its `tmp/`
/// subdirectory (same filesystem, so the final rename is atomic). Readers listing the spool
/// see whole files only; they should skip the `tmp` directory.
public struct SpoolDirectory: Sendable {
    public let root: String
    public let staging: String
    public let fileSystem: any SpoolFileSystem

    /// Creates the directories when missing.
    public init(root: String, fileSystem: any SpoolFileSystem = PosixFileSystem()) throws(SpoolError) {
        self.root = root
        self.staging = root + "/tmp"
        self.fileSystem = fileSystem
        try fileSystem.makeDirectory(root)
        try fileSystem.makeDirectory(staging)
    }

    func stagedPath(_ name: String) -> String { staging + "/" + name + ".tmp" }
    public func path(_ name: String) -> String { root + "/" + name }

    /// Writes a file into staging and fsyncs it.
    public func stage(_ name: String, _ text: String) throws(SpoolError) {
        var bytes = text
        let path = stagedPath(name)
        let fs = fileSystem
        var failure: SpoolError?
        bytes.withUTF8 { buffer in
            do throws(SpoolError) { try fs.writeDurably(path, UnsafeRawBufferPointer(buffer)) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// How a batch of staged files is made durable.
    public enum Durability: Sendable {
        /// Each file fsynced as it is written, then the staging directory: one flush per
        /// file, one after another.
        case perFile
        /// Every file written, then one write-back of the filesystem (`syncfs`) for all of
        /// them and their names, which reports any write-back error since the batch began:
        /// the disk sees the batch at once instead of a flush per file.
        case batched
    }

    /// Writes `files` into staging; when it returns, they and their names are durable.
    /// `created` gets each name before its file is created, so that after a failure the
    /// caller can remove every file the batch may have left (half-written ones included).
    public func stage(_ files: [(name: String, text: String)], durability: Durability, created: (String) -> Void) throws(SpoolError) {
        guard !files.isEmpty else { return }
        switch durability {
        case .perFile:
            for file in files {
                created(file.name)
                try stage(file.name, file.text)
            }
            try syncStaging()
        case .batched:
            let fs = fileSystem
            var batch = try fs.beginBatch(staging)
            var failure: SpoolError?
            for file in files {
                created(file.name)
                let path = stagedPath(file.name)
                var text = file.text
                text.withUTF8 { p in
                    do throws(SpoolError) { try fs.write(path, UnsafeRawBufferPointer(p), in: &batch) } catch { failure = error }
                }
                if failure != nil { break }
            }
            if let failure {
                fs.abandon(&batch)
                throw failure
            }
            try fs.endBatch(&batch)
        }
    }

    public func isStaged(_ name: String) -> Bool { fileSystem.exists(stagedPath(name)) }

    /// Makes the staged names durable.
    public func syncStaging() throws(SpoolError) { try fileSystem.syncDirectory(staging) }

    /// Moves a staged file into the spool (atomic: readers see all of it or nothing).
    public func publish(_ name: String) throws(SpoolError) {
        try fileSystem.rename(stagedPath(name), path(name))
    }

    /// Makes the published names durable (and their removal from staging).
    public func syncPublished() throws(SpoolError) {
        try fileSystem.syncDirectory(root)
        try fileSystem.syncDirectory(staging)
    }

    public func discardStaged(_ name: String) {
        try? fileSystem.remove(stagedPath(name))
    }

    /// Removes everything left in staging; returns what it removed.
    @discardableResult
    public func clearStaging() throws(SpoolError) -> [String] {
        let names = try fileSystem.list(staging)
        for name in names { try fileSystem.remove(staging + "/" + name) }
        if !names.isEmpty { try fileSystem.syncDirectory(staging) }
        return names
    }

    /// The article files in the spool, by name.
    public func articleNames() throws(SpoolError) -> [String] {
        try fileSystem.list(root).filter { $0.hasSuffix(".txt") }
    }

    public var freeBytes: Int64? { fileSystem.freeBytes(root) }

    /// An article's text, while its file is still in the spool (consumers may take it).
    public func readArticle(_ name: String) -> String? {
        readArticle(at: path(name))
    }

    /// An article file elsewhere (another node's spool on a shared filesystem); nil when it
    /// cannot be read here.
    public func readArticle(at path: String) -> String? {
        fileSystem.read(path, limit: 64 << 20).map { String(decoding: $0, as: UTF8.self) }
    }
}

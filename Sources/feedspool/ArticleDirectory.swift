import FeedCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A directory `feedspool parse --out` writes article files into: numbering continues
/// after the highest sequence number already there, each file appears whole (written to a
/// temporary name, synced, renamed) and the directory is synced at the end.
struct ArticleDirectory {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let path: String
    let nextSequence: Int
    let width: Int

    init(path: String) throws(Failure) {
        self.path = path
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw Failure(description: "\(path): cannot create directory: \(String(cString: strerror(errno)))")
        }
        guard let dir = opendir(path) else {
            throw Failure(description: "\(path): \(String(cString: strerror(errno)))")
        }
        defer { closedir(dir) }
        var highest = -1
        var width = 3
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if let parsed = Article.parseFileName(name) {
                highest = max(highest, parsed.seq)
                width = max(width, parsed.width)
            }
        }
        nextSequence = highest + 1
        self.width = width
    }

    func write(_ article: Article, seq: Int) throws(Failure) {
        let name = Article.fileName(seq: seq, id: article.id, width: width)
        let final = path + "/" + name
        let temp = path + "/." + name + ".tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(description: "\(temp): \(String(cString: strerror(errno)))") }
        var text = article.rendered
        let ok = text.withUTF8 { p -> Bool in
            var offset = 0
            while offset < p.count {
                let n = Glibc.write(fd, p.baseAddress! + offset, p.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return fsync(fd) == 0
        }
        let err = errno
        close(fd)
        guard ok else {
            unlink(temp)
            throw Failure(description: "\(temp): \(String(cString: strerror(err)))")
        }
        guard rename(temp, final) == 0 else {
            let e = errno
            unlink(temp)
            throw Failure(description: "\(final): \(String(cString: strerror(e)))")
        }
    }

    func sync() throws(Failure) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "\(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        if fsync(fd) != 0 { throw Failure(description: "\(path): fsync: \(String(cString: strerror(errno)))") }
    }
}

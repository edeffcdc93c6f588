import FeedCore
import FeedSpool

/// A directory `feedspool parse --out` writes article files into: numbering continues
/// after the highest sequence number already there, each file appears whole (written to a
/// temporary name, synced, renamed — the spool's own filesystem operations) and the
/// directory is synced at the end.
struct ArticleDirectory {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let path: String
    let nextSequence: Int
    let width: Int
    private let fs = PosixFileSystem()

    init(path: String) throws(Failure) {
        self.path = path
        var highest = -1
        var width = 3
        do {
            try fs.makeDirectory(path)
            for name in try fs.list(path) {
                if let parsed = Article.parseFileName(name) {
                    highest = max(highest, parsed.seq)
                    width = max(width, parsed.width)
                }
            }
        } catch {
            throw Failure(description: "\(error)")
        }
        nextSequence = highest + 1
        self.width = width
    }

    func write(_ article: Article, seq: Int) throws(Failure) {
        let name = Article.fileName(seq: seq, id: article.id, width: width)
        let temp = path + "/." + name + ".tmp"
        var text = article.rendered
        var failure: SpoolError?
        text.withUTF8 { bytes in
            do throws(SpoolError) {
                try fs.writeDurably(temp, UnsafeRawBufferPointer(bytes))
                try fs.rename(temp, path + "/" + name)
            } catch {
                failure = error
            }
        }
        if let failure {
            try? fs.remove(temp)
            throw Failure(description: "\(failure)")
        }
    }

    func sync() throws(Failure) {
        do { try fs.syncDirectory(path) } catch { throw Failure(description: "\(error)") }
    }
}

import FeedParser

#if canImport(Glibc)
    import Glibc
#endif

extension Config {
    /// The default configuration file of an installed daemon.
    public static let defaultPath = "/etc/feedspool/feedspool.toml"

    /// Reads and parses a configuration file (the module's only I/O).
    public static func load(path: String) throws(ConfigError) -> Config {
        let bytes = try readFile(path, what: "the configuration",
            fix: path == defaultPath ? "create it (see config/feedspool.toml) or pass --config FILE" : nil)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(file: path, line: 0, message: "the configuration is not UTF-8 text", fix: "save it as UTF-8")
        }
        // Relative paths in the file are relative to its directory: anchor it absolutely.
        var absolute = path
        if let resolved = realpath(path, nil) {
            absolute = String(cString: resolved)
            free(resolved)
        }
        var config = try parse(text, path: absolute)
        if let opml = config.opml {
            let feeds: [OPMLFeed]
            do {
                feeds = try OPML.parse(try readFile(opml, what: "the OPML file", fix: nil))
            } catch let e as ConfigError {
                throw e
            } catch {
                throw ConfigError(file: opml, line: 0, message: "\(error)", fix: "point opml at an OPML subscription list")
            }
            let known = Set(config.feeds.map(\.url))
            var seen = Set<String>()
            for f in feeds where !known.contains(f.xmlURL) && seen.insert(f.xmlURL).inserted {
                let scheme = f.xmlURL.prefix { $0 != ":" }.lowercased()
                guard scheme == "http" || scheme == "https" else { continue }
                var fc = FeedConfig(url: f.xmlURL, name: f.title)
                fc.tags = f.tags
                config.feeds.append(fc)
            }
        }
        return config
    }

    static func readFile(_ path: String, what: String, fix: String?) throws(ConfigError) -> [UInt8] {
        guard let f = fopen(path, "rb") else {
            throw ConfigError(file: path, line: 0, message: "cannot read \(what): \(String(cString: strerror(errno)))", fix: fix)
        }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { break }
            if bytes.count > 16 << 20 { throw ConfigError(file: path, line: 0, message: "\(what) is larger than 16 MiB", fix: nil) }
        }
        return bytes
    }
}

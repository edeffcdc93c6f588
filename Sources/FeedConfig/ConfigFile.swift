#if canImport(Glibc)
    import Glibc
#endif

extension Config {
    /// The default configuration file of an installed daemon.
    public static let defaultPath = "/etc/feedspool/feedspool.toml"

    /// Reads and parses a configuration file (the module's only I/O).
    public static func load(path: String) throws(ConfigError) -> Config {
        guard let f = fopen(path, "rb") else {
            throw ConfigError(file: path, line: 0, message: "cannot read the configuration: \(String(cString: strerror(errno)))",
                fix: path == defaultPath ? "create it (see config/feedspool.toml) or pass --config FILE" : nil)
        }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { break }
            if bytes.count > 16 << 20 { throw ConfigError(file: path, line: 0, message: "the configuration is larger than 16 MiB", fix: nil) }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(file: path, line: 0, message: "the configuration is not UTF-8 text", fix: "save it as UTF-8")
        }
        // Relative paths in the file are relative to its directory: anchor it absolutely.
        var absolute = path
        if let resolved = realpath(path, nil) {
            absolute = String(cString: resolved)
            free(resolved)
        }
        return try parse(text, path: absolute)
    }
}

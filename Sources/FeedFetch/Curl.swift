import CCurl

#if canImport(Glibc)
    import Glibc
#endif

/// libcurl facts and one-time set-up.
public enum Curl {
    // curl_global_init is not thread-safe on older libcurl: a lazily initialised global
    // (Swift runs its initialiser exactly once, under a lock) makes the call once.
    private static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    static func ensureInitialized() -> Bool { initialized }

    /// "7.88.1", for `--version` and the user agent's companions.
    public static var version: String {
        guard let info = fs_curl_version_info() else { return "unknown" }
        return String(cString: info.pointee.version)
    }

    /// The content encodings this libcurl decodes (what `Accept-Encoding` advertises).
    public static var encodings: [String] {
        guard let info = fs_curl_version_info() else { return [] }
        let features = info.pointee.features
        var names: [String] = []
        if features & CURL_VERSION_LIBZ != 0 { names += ["deflate", "gzip"] }
        if features & CURL_VERSION_BROTLI != 0 { names.append("br") }
        if features & CURL_VERSION_ZSTD != 0 { names.append("zstd") }
        return names
    }

    static func describe(_ code: CURLcode) -> String {
        String(cString: curl_easy_strerror(code))
    }
}

/// Monotonic milliseconds, for per-host gaps.
func monotonicMilliseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

/// The host a URL names, lowercased, without user info or port: the key per-host limits
/// are counted under (by the engine, and across a cluster's nodes). Nil when the URL has
/// no authority.
public func hostKey(of url: String) -> String? {
    guard let schemeEnd = url.utf8.firstIndex(of: UInt8(ascii: ":")) else { return nil }
    let rest = url.utf8[schemeEnd...].dropFirst()
    guard rest.starts(with: "//".utf8) else { return nil }
    let authority = rest.dropFirst(2).prefix { $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") }
    var hostPort = authority
    if let at = authority.lastIndex(of: UInt8(ascii: "@")) { hostPort = authority[authority.index(after: at)...] }
    var host: Substring.UTF8View.SubSequence
    if hostPort.first == UInt8(ascii: "[") {
        let close = hostPort.firstIndex(of: UInt8(ascii: "]")) ?? hostPort.endIndex
        host = hostPort[hostPort.startIndex..<close].dropFirst()
    } else {
        host = hostPort.prefix { $0 != UInt8(ascii: ":") }
    }
    if host.last == UInt8(ascii: ".") { host = host.dropLast() }
    let name = String(decoding: host, as: UTF8.self).lowercased()
    return name
}

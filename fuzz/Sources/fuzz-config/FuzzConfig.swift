import FeedConfig

/// The configuration reader: any text is a config or a ConfigError naming a line.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        _ = try Config.parse(text, path: "/fuzz/feedspool.toml")
    } catch {
        precondition(error.line >= 0, "an error without a line")
        precondition(!error.message.isEmpty, "an error without a message")
    }
    return 0
}

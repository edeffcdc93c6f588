import FeedParser

nonisolated(unsafe) var condensed = HTMLToText(condensing: true)
nonisolated(unsafe) var whole = HTMLToText(condensing: false)

/// HTML → text. The condensed path (text runs handed to libxml2 as markers) must give
/// exactly what libxml2 gives on the whole fragment.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let html = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let a = condensed.text(fromHTML: html)
    let b = whole.text(fromHTML: html)
    if a != b {
        print("condensed: \(a.debugDescription)\nwhole:     \(b.debugDescription)")
        preconditionFailure("the condensed HTML path differs from the whole parse")
    }
    return 0
}

import FeedCore

/// Dates: any bytes, never a crash; a parsed date renders and re-parses to itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDate(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let date = DateParser.parse(bytes: bytes) else { return 0 }
    _ = DateParser.parse(String(decoding: bytes, as: UTF8.self))
    let again = DateParser.parse(date.rfc3339String)
    precondition(again?.secondsSinceEpoch == date.secondsSinceEpoch, "\(date.rfc3339String) does not read back")
    return 0
}

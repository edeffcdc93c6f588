import FeedDaemon

/// The control socket's request decoder: any line is a request or a clear error.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzControl(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let line = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        _ = try ControlProtocol.decode(line)
    } catch {
        if case .malformed(let why) = error { precondition(!why.isEmpty, "an error without a reason") }
    }
    return 0
}

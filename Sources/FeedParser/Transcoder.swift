import FeedCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Converts a document's bytes, chunk by chunk, from its encoding into UTF-8.
///
/// UTF-8 passes through untouched (invalid bytes are mended downstream, by `XMLRepair`);
/// windows-1252 is converted by table; everything else goes through iconv. A sequence cut
/// by a chunk boundary is carried over to the next chunk.
final class Transcoder {
    enum Failure: Error { case unsupported(String) }

    private let charset: Charset
    private var cd: iconv_t?
    private var carry: [UInt8] = []

    init(_ charset: Charset) throws(Failure) {
        self.charset = charset
        switch charset {
        case .utf8, .windows1252, .utf8EncodedTwice:
            cd = nil
        default:
            let handle = iconv_open("UTF-8", charset.description)
            guard let handle, handle != iconv_t(bitPattern: -1) else {
                throw .unsupported(charset.description)
            }
            cd = handle
        }
    }

    deinit {
        if let cd { iconv_close(cd) }
    }

    var isPassThrough: Bool { charset == .utf8 }

    /// Converts `input`, appending UTF-8 to `out`.
    func convert(_ input: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], isFinal: Bool) {
        switch charset {
        case .utf8:
            out.append(contentsOf: input)
        case .utf8EncodedTwice:
            afterCarry(input) { undoSecondEncoding($0, into: &out, isFinal: isFinal) }
        case .windows1252:
            out.reserveCapacity(out.count + input.count + input.count / 8)
            for b in input {
                if b < 0x80 {
                    out.append(b)
                } else {
                    UTF8Check.append(Windows1252.scalar(b), to: &out)
                }
            }
        default:
            afterCarry(input) { iconvConvert($0, into: &out, isFinal: isFinal) }
        }
    }

    /// Calls `body` with `input`, preceded by the bytes of a sequence the previous chunk cut
    /// short (which `body` may set aside again).
    private func afterCarry(_ input: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        if carry.isEmpty { return body(input) }
        var joined = carry
        joined.append(contentsOf: input)
        carry.removeAll()
        joined.withUnsafeBufferPointer(body)
    }

    /// UTF-8 encoded twice back to UTF-8: each character that windows-1252 has becomes its
    /// byte again (so "Ã©" becomes the two bytes of "é"); any other character, and any byte
    /// that is not UTF-8, passes as it is (the repair reads such bytes later). A character
    /// cut by the chunk's end waits for the next chunk.
    private func undoSecondEncoding(_ input: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], isFinal: Bool) {
        out.reserveCapacity(out.count + input.count)
        var i = 0
        while i < input.count {
            let c = input[i]
            if c < 0x80 {
                out.append(c)
                i += 1
                continue
            }
            let len = UTF8Check.sequenceLength(input, i)
            if len == 0 {
                if !isFinal && input.count - i < 4 && UTF8Check.isPrefixOfValid(input, i) {
                    carry = Array(input[i...])
                    return
                }
                out.append(c)
                i += 1
                continue
            }
            var scalar = UInt32(c) & (0xFF >> (len + 1))
            for j in 1..<len { scalar = scalar << 6 | UInt32(input[i + j] & 0x3F) }
            if let b = Windows1252.byte(for: scalar) {
                out.append(b)
            } else {
                out.append(contentsOf: input[i..<(i + len)])
            }
            i += len
        }
    }

    private func iconvConvert(_ input: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], isFinal: Bool) {
        guard let cd, let base = input.baseAddress else { return }
        var inPtr = UnsafeMutablePointer(mutating: UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self))
        var inLeft = input.count
        var buffer = [UInt8](repeating: 0, count: max(4096, input.count * 4))
        while inLeft > 0 {
            let produced: Int
            let result: Int
            let err: Int32
            (result, produced, err) = buffer.withUnsafeMutableBufferPointer { ob in
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(ob.baseAddress!)
                    .assumingMemoryBound(to: CChar.self)
                var outLeft = ob.count
                var inP: UnsafeMutablePointer<CChar>? = inPtr
                let converted = iconv(cd, &inP, &inLeft, &outPtr, &outLeft)
                let code = errno
                inPtr = inP!
                return (converted, ob.count - outLeft, code)
            }
            out.append(contentsOf: buffer[0..<produced])
            if result != -1 { break }
            switch err {
            case E2BIG:
                continue
            case EINVAL:
                // A sequence cut by the chunk's end: keep it for the next chunk.
                if isFinal {
                    out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                    inLeft = 0
                } else {
                    carry = Array(UnsafeBufferPointer(start: UnsafeRawPointer(inPtr).assumingMemoryBound(to: UInt8.self), count: inLeft))
                    inLeft = 0
                }
            default:
                // An invalid byte: U+FFFD, skip it, go on.
                out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                inPtr += 1
                inLeft -= 1
            }
        }
        if isFinal { _ = iconv(cd, nil, nil, nil, nil) }
    }
}

import FeedCore

/// Base64 as feeds carry it (Atom 0.3 `mode="base64"`, Atom 1.0 content of a binary type):
/// line-wrapped, padded or not.
enum Base64 {
    /// The text `encoded` holds: nil when it is not base64 (white space aside), or when the
    /// bytes it decodes to are not UTF-8 text.
    static func decodeText(_ encoded: [UInt8]) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(encoded.count / 4 * 3)
        var quantum: UInt32 = 0
        var count = 0
        var padding = 0
        for c in encoded {
            let value: UInt32
            switch c {
            case 0x41...0x5A: value = UInt32(c - 0x41)
            case 0x61...0x7A: value = UInt32(c - 0x61 + 26)
            case 0x30...0x39: value = UInt32(c - 0x30 + 52)
            case 0x2B, 0x2D: value = 62  // '+', or '-' of the URL-safe alphabet
            case 0x2F, 0x5F: value = 63  // '/', or '_'
            case 0x3D:
                padding += 1
                continue
            case 0x20, 0x09, 0x0A, 0x0D:
                continue
            default:
                return nil
            }
            guard padding == 0 else { return nil }  // data after the padding
            quantum = quantum << 6 | value
            count += 1
            if count == 4 {
                out.append(UInt8(quantum >> 16))
                out.append(UInt8(quantum >> 8 & 0xFF))
                out.append(UInt8(quantum & 0xFF))
                quantum = 0
                count = 0
            }
        }
        switch count {
        case 0: break
        case 2: out.append(UInt8(quantum >> 4))
        case 3:
            out.append(UInt8(quantum >> 10))
            out.append(UInt8(quantum >> 2 & 0xFF))
        default: return nil
        }
        guard !out.isEmpty, out.withUnsafeBufferPointer({ UTF8Check.classify($0, isComplete: true) }) != .invalid else {
            return nil
        }
        return String(decoding: out, as: UTF8.self)
    }
}

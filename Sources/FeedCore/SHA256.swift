import CSHA256

/// SHA-256 (FIPS 180-4), for identifiers that must stay the same across processes and
/// machines. Swift's `Hasher` is seeded per process and can never serve for ids.
public struct SHA256: Sendable {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a,
        0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
    )
    /// The block being filled: 64 bytes held inline (an array here was one allocation per
    /// article id).
    private var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var blockCount = 0
    private var totalBytes: UInt64 = 0

    /// Whether blocks go to the CPU's SHA instructions (`CSHA256`) or to the portable
    /// compression below.
    private let hardware: Bool

    public init() {
        hardware = Self.hardwareAvailable
    }

    /// A hasher that uses the CPU's SHA instructions only if `usingHardware` (and the CPU has
    /// them): tests compare the two.
    init(usingHardware: Bool) {
        hardware = usingHardware && Self.hardwareAvailable
    }

    /// The digest of `bytes` in one call.
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var h = SHA256()
        h.update(bytes)
        return h.finalize()
    }

    public mutating func update(_ string: String) {
        var s = string
        s.withUTF8 { update(contiguous: $0) }
    }

    /// Contiguous bytes, copied a block at a time (ids hash short strings per item: the
    /// per-byte generic path was 2% of parse time).
    public mutating func update(contiguous p: UnsafeBufferPointer<UInt8>) {
        var i = 0
        while i < p.count {
            let filled = blockCount
            let n = min(64 - filled, p.count - i)
            withUnsafeMutableBytes(of: &block) { b in
                (b.baseAddress! + filled).copyMemory(from: p.baseAddress! + i, byteCount: n)
            }
            blockCount = filled + n
            i += n
            if blockCount == 64 {
                compress()
                blockCount = 0
            }
        }
        totalBytes &+= UInt64(p.count)
    }

    public mutating func update(_ bytes: some Sequence<UInt8>) {
        var count: UInt64 = 0
        for b in bytes {
            setBlockByte(blockCount, b)
            blockCount += 1
            count += 1
            if blockCount == 64 {
                compress()
                blockCount = 0
            }
        }
        totalBytes &+= count
    }

    /// The 32-byte digest. The hasher must not be used afterwards.
    public mutating func finalize() -> [UInt8] {
        let bitLength = totalBytes &* 8
        setBlockByte(blockCount, 0x80)
        blockCount += 1
        if blockCount > 56 {
            zeroBlock(from: blockCount, to: 64)
            compress()
            blockCount = 0
        }
        zeroBlock(from: blockCount, to: 56)
        for i in 0..<8 { setBlockByte(56 + i, UInt8(truncatingIfNeeded: bitLength >> (56 - 8 * UInt64(i)))) }
        compress()
        let words = state
        let out = [UInt8](unsafeUninitializedCapacity: 32) { out, count in
            withUnsafeBytes(of: words) { raw in
                for k in 0..<8 {
                    let word = raw.load(fromByteOffset: 4 * k, as: UInt32.self)
                    out[4 * k] = UInt8(truncatingIfNeeded: word >> 24)
                    out[4 * k + 1] = UInt8(truncatingIfNeeded: word >> 16)
                    out[4 * k + 2] = UInt8(truncatingIfNeeded: word >> 8)
                    out[4 * k + 3] = UInt8(truncatingIfNeeded: word)
                }
            }
            count = 32
        }
        return out
    }

    private static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4,
        0xab1c_5ed5, 0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe,
        0x9bdc_06a7, 0xc19b_f174, 0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f,
        0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da, 0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7,
        0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967, 0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc,
        0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85, 0xa2bf_e8a1, 0xa81a_664b,
        0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070, 0x19a4_c116,
        0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7,
        0xc671_78f2,
    ]

    private mutating func setBlockByte(_ i: Int, _ b: UInt8) {
        withUnsafeMutableBytes(of: &block) { $0[i] = b }
    }

    private mutating func zeroBlock(from start: Int, to end: Int) {
        guard start < end else { return }
        withUnsafeMutableBytes(of: &block) { b in
            for i in start..<end { b[i] = 0 }
        }
    }

    /// True when this CPU has the SHA instructions `CSHA256` uses.
    static let hardwareAvailable = fs_sha256_ni_available() != 0

    private mutating func compress() {
        if hardware {
            withUnsafeMutableBytes(of: &state) { s in
                withUnsafeBytes(of: &block) { b in
                    fs_sha256_compress_ni(
                        s.baseAddress!.assumingMemoryBound(to: UInt32.self), b.baseAddress!.assumingMemoryBound(to: UInt8.self), 1)
                }
            }
            return
        }
        // Through buffer pointers: the array subscripts' bounds checks were a third of
        // the time of hashing an id.
        let bytes = block
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            withUnsafeBytes(of: bytes) { raw in
                raw.withMemoryRebound(to: UInt8.self) { b in
                    SHA256.k.withUnsafeBufferPointer { k in
                        SHA256.compress(&state, b, k, w)
                    }
                }
            }
        }
    }

    private static func compress(
        _ state: inout (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32),
        _ block: UnsafeBufferPointer<UInt8>, _ k: UnsafeBufferPointer<UInt32>, _ w: UnsafeMutableBufferPointer<UInt32>
    ) {
        for i in 0..<16 {
            w[i] = UInt32(block[4 * i]) << 24 | UInt32(block[4 * i + 1]) << 16
                | UInt32(block[4 * i + 2]) << 8 | UInt32(block[4 * i + 3])
        }
        for i in 16..<64 {
            let s0 = w[i - 15].rotr(7) ^ w[i - 15].rotr(18) ^ (w[i - 15] >> 3)
            let s1 = w[i - 2].rotr(17) ^ w[i - 2].rotr(19) ^ (w[i - 2] >> 10)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, h) = state
        for i in 0..<64 {
            let s1 = e.rotr(6) ^ e.rotr(11) ^ e.rotr(25)
            let ch = (e & f) ^ (~e & g)
            let t1 = h &+ s1 &+ ch &+ k[i] &+ w[i]
            let s0 = a.rotr(2) ^ a.rotr(13) ^ a.rotr(22)
            let maj = (a & b) ^ (a & c) ^ (b & c)
            let t2 = s0 &+ maj
            h = g
            g = f
            f = e
            e = d &+ t1
            d = c
            c = b
            b = a
            a = t1 &+ t2
        }
        state = (
            state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d,
            state.4 &+ e, state.5 &+ f, state.6 &+ g, state.7 &+ h
        )
    }
}

extension UInt32 {
    @inline(__always) fileprivate func rotr(_ n: UInt32) -> UInt32 { (self >> n) | (self << (32 - n)) }
}

extension Collection where Element == UInt8 {
    /// Lower-case hexadecimal.
    public var hexString: String {
        String(unsafeUninitializedCapacity: count * 2) { out in
            var i = 0
            for b in self {
                out[i] = hexDigit(b >> 4)
                out[i + 1] = hexDigit(b & 15)
                i += 2
            }
            return i
        }
    }
}

@inline(__always)
private func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }

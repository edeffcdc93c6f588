import CByteScan
import Testing
import TestSupport

/// The sixteen-byte scans must stop exactly where a byte-by-byte reading of their sets
/// would: at every start offset of buffers dense with the bytes the sets are made of.
@Suite struct ByteScanTests {
    typealias Scan = @Sendable (UnsafePointer<UInt8>, Int, Int) -> Int
    typealias Stops = @Sendable ([UInt8], Int) -> Bool

    static func xmlControl(_ x: UInt8) -> Bool { x < 0x20 && x != 0x09 && x != 0x0A && x != 0x0D }

    static let scans: [(String, Scan, Stops)] = [
        ("xml text", { fs_scan_xml_text($0, $1, $2) }, { b, i in
            let x = b[i]
            return x == 0x3C || x == 0x26 || x >= 0x80 || xmlControl(x)
        }),
        ("xml tag", { fs_scan_xml_tag($0, $1, $2) }, { b, i in
            let x = b[i]
            return x == 0x22 || x == 0x27 || x == 0x3E || x >= 0x80 || xmlControl(x)
        }),
        ("xml attribute", { fs_scan_xml_attribute($0, $1, $2) }, { b, i in
            let x = b[i]
            return x == 0x22 || x == 0x27 || x == 0x26 || x == 0x3C || x >= 0x80 || xmlControl(x)
        }),
        ("xml cdata", { fs_scan_xml_cdata($0, $1, $2) }, { b, i in
            let x = b[i]
            return x == 0x5D || x >= 0x80 || xmlControl(x)
        }),
        ("html text", { fs_scan_html_text($0, $1, $2) }, { b, i in
            let x = b[i]
            return x < 0x20 || x == 0x3C || x == 0x3E || x == 0x26 || x == 0x22 || x == 0x27 || x == 0xEF || x == 0x7F
        }),
        ("folding", { fs_scan_folding($0, $1, $2) }, { b, i in
            func stop(_ x: UInt8) -> Bool { x <= 0x20 || x == 0x7F || x == 0xC2 }
            if b[i] == 0x20 { return i + 1 == b.count || stop(b[i + 1]) }
            return stop(b[i])
        }),
    ]

    /// Bytes of every kind the sets name, and plain letters between them.
    static let alphabet: [UInt8] = [
        0x00, 0x01, 0x09, 0x0A, 0x0B, 0x0D, 0x1F, 0x20, 0x20, 0x21, 0x22, 0x26, 0x27, 0x3C, 0x3D, 0x3E, 0x5D, 0x5C,
        0x7E, 0x7F, 0x80, 0xA0, 0xBF, 0xC2, 0xC3, 0xE2, 0xEF, 0xF0, 0xFF,
    ]

    @Test func scansStopWhereByteByByteReadingWould() {
        var rng = SplitMix64(state: 0x5CA1_AB1E)
        for (name, scan, stops) in Self.scans {
            for round in 0..<300 {
                let count = Int.random(in: 0...80, using: &rng)
                // Sparse special bytes in some rounds (long runs), dense in others.
                let density = round % 3 == 0 ? 40 : 4
                let bytes: [UInt8] = (0..<count).map { _ in
                    Int.random(in: 0..<density, using: &rng) == 0
                        ? Self.alphabet[Int.random(in: 0..<Self.alphabet.count, using: &rng)] : UInt8.random(in: 0x61...0x7A, using: &rng)
                }
                bytes.withUnsafeBufferPointer { p in
                    let base = p.baseAddress ?? UnsafePointer(bitPattern: 1)!
                    for start in 0...count {
                        let expected = (start..<count).first { stops(bytes, $0) } ?? count
                        let got = scan(base, count, start)
                        #expect(got == expected, "\(name) from \(start) in \(bytes)")
                        if got != expected { return }
                    }
                }
            }
        }
    }
}

import Foundation

/// Content encodings for test bodies.
public enum TestCompression {
    /// gzip through the system's `gzip` (an essential Debian package).
    public static func gzip(_ data: [UInt8]) throws -> [UInt8] {
        try run("/bin/gzip", ["-c", "-n", "-6"], input: data)
    }

    /// `count` zero bytes, gzip-compressed: a bomb of about 1000:1.
    public static func gzipBomb(decodedBytes count: Int) throws -> [UInt8] {
        try run("/bin/sh", ["-c", "head -c \(count) /dev/zero | gzip -c -n -9"], input: [])
    }

    /// A valid brotli stream made of uncompressed meta-blocks (RFC 7932 §9.2): no encoder
    /// library needed, and any conforming decoder (curl's) must read it.
    public static func brotliStored(_ data: [UInt8]) -> [UInt8] {
        var w = BitWriter()
        w.write(0, bits: 1)  // WBITS = 16
        var offset = 0
        while offset < data.count {
            let n = min(1 << 16, data.count - offset)
            w.write(0, bits: 1)  // ISLAST = 0
            w.write(0, bits: 2)  // MNIBBLES = 4
            w.write(UInt64(n - 1), bits: 16)  // MLEN - 1
            w.write(1, bits: 1)  // ISUNCOMPRESSED
            w.alignToByte()
            w.bytes.append(contentsOf: data[offset..<(offset + n)])
            offset += n
        }
        w.write(1, bits: 1)  // ISLAST
        w.write(1, bits: 1)  // ISLASTEMPTY
        w.alignToByte()
        return w.bytes
    }

    private struct BitWriter {
        var bytes: [UInt8] = []
        var acc: UInt64 = 0
        var count = 0

        mutating func write(_ value: UInt64, bits: Int) {
            acc |= value << UInt64(count)
            count += bits
            while count >= 8 {
                bytes.append(UInt8(acc & 0xFF))
                acc >>= 8
                count -= 8
            }
        }

        mutating func alignToByte() {
            if count > 0 {
                bytes.append(UInt8(acc & 0xFF))
                acc = 0
                count = 0
            }
        }
    }

    private static func run(_ tool: String, _ args: [String], input: [UInt8]) throws -> [UInt8] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let inPipe = Pipe()
        let outPipe = Pipe()
        p.standardInput = inPipe
        p.standardOutput = outPipe
        // The input is written before the output is read: it must fit the pipe's buffer.
        precondition(input.count < 60_000, "test input too large for the pipe")
        try p.run()
        inPipe.fileHandleForWriting.write(Data(input))
        try inPipe.fileHandleForWriting.close()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw ServerError("\(tool) failed") }
        return [UInt8](out)
    }
}
